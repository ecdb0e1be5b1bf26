"""person keys folded by the one rule

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:10:00.000000

The bus's folding now spells Arabic letters written two ways one way (teh marbuta as heh, alef maqsura as
yeh, alef wasla as alef) and reads digits of any script as ASCII digits, as the parser always did. The
person keys stored with persons and person mentions are folded again, persons that now share a key become
one, and the stored signing summaries are dropped so resolution reads them from the evidence again (as
for agreements older than 0003). Text hashes and MinHash bands follow at the next `fm6ss reparse`
(the parser's version changed with the rule).
"""

import json
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.bus.text import fold

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def refold(key: str) -> str:
    # A person key is its name folded, words joined by "-"; the new rule folds the old folding further.
    return fold(key.replace("-", " ")).replace(" ", "-")


def upgrade() -> None:
    conn = op.get_bind()
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pid, key in conn.execute(sa.text("SELECT id, key FROM person ORDER BY id")):
        groups[refold(key)].append((pid, key))
    for new, members in groups.items():
        keep, *gone = (pid for pid, _ in members)
        for pid in gone:
            # The agreement already names the kept person: its row for the merged one goes.
            conn.execute(
                sa.text(
                    "DELETE FROM agreement_person WHERE person_id = :gone AND agreement_id IN "
                    "(SELECT agreement_id FROM agreement_person WHERE person_id = :keep)"
                ),
                {"gone": pid, "keep": keep},
            )
            conn.execute(
                sa.text("UPDATE agreement_person SET person_id = :keep WHERE person_id = :gone"),
                {"gone": pid, "keep": keep},
            )
            conn.execute(sa.text("DELETE FROM person WHERE id = :gone"), {"gone": pid})
        if new != members[0][1]:
            conn.execute(sa.text("UPDATE person SET key = :key WHERE id = :id"), {"key": new, "id": keep})
    rows = conn.execute(sa.text("SELECT id, value FROM field_evidence WHERE field = 'person'"))
    for eid, value in list(rows):
        person = json.loads(value)
        if refold(person["key"]) != person["key"]:
            person["key"] = refold(person["key"])
            conn.execute(
                sa.text("UPDATE field_evidence SET value = :value WHERE id = :id"),
                {"value": json.dumps(person, ensure_ascii=False, sort_keys=True), "id": eid},
            )
    conn.execute(sa.text("UPDATE agreement SET signing = NULL"))


def downgrade() -> None:
    # The older folding cannot be recovered from the new keys; they stay as they are.
    pass
