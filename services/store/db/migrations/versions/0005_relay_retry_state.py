"""relay cursors: shown target, retry state and delivery lease

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 09:00:00.000000
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('relay_cursor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('pending_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retry_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('leased_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Webhook consumers were named `webhook:{url}`, and a URL may carry a secret: each is renamed to the
    # name an unnamed hook now gets (a hash of its URL, as services/bus/redact.py's url_digest makes it,
    # written out here so this revision never changes), keeping its place in the feed; its last error,
    # which quoted the URL, is dropped.
    cursors = sa.table('relay_cursor', sa.column('name', sa.String), sa.column('last_error', sa.String))
    bind = op.get_bind()
    old = bind.execute(sa.select(cursors.c.name).where(cursors.c.name.like('webhook:%'))).scalars().all()
    for name in old:
        url = name.removeprefix('webhook:')
        new = f"webhook-{hashlib.sha256(url.encode()).hexdigest()[:10]}"
        bind.execute(
            cursors.update().where(cursors.c.name == name).values(name=new, last_error=None)
        )

def downgrade() -> None:
    with op.batch_alter_table('relay_cursor', schema=None) as batch_op:
        batch_op.drop_column('leased_until')
        batch_op.drop_column('retry_at')
        batch_op.drop_column('pending_seq')
        batch_op.drop_column('target')
