"""source checks

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 03:00:00.000000

What `fm6ss sources check` found at each source, the last check only, by the source's name.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('source_check',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('found_kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('newest', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('advice', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('source_check')
