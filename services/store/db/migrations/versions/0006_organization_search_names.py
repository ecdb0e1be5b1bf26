"""organization names folded for search

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 12:00:00.000000

`party=` and the organizations' `q` match any of an organization's names (its name, acronym, key and
every alias, in any script) through this column: each name folded by the bus's rule, spaces dropped,
between bars. Filled here for the stored organizations; the repository keeps it up to date.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.bus.text import fold

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def folded_names(names: Sequence[str | None]) -> str:
    # As services/store/db/organizations.py writes it then; kept here so this revision does not change.
    keys = sorted({fold(n).replace(" ", "") for n in names if n} - {""})
    return "|" + "".join(f"{k}|" for k in keys)


def upgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_names', sa.String(), nullable=False, server_default=''))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, key, name, acronym, aliases FROM organization"))
    for oid, key, name, acronym, aliases in list(rows):
        listed = json.loads(aliases) if isinstance(aliases, str) else aliases
        names = folded_names([key, name, acronym, *(listed or [])])
        conn.execute(
            sa.text("UPDATE organization SET search_names = :n WHERE id = :id"), {"n": names, "id": oid}
        )


def downgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('search_names')
