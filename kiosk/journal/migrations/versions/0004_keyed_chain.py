"""keyed chain: the first sequence number of a terminal's chain hashed under its key

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0: not keyed yet. Existing entries keep their plain SHA-256 links; the next start
    # with a key sets it to the next sequence number.
    # A plain ADD COLUMN with a default: SQLite does it in place (no table copy, which the
    # journal's foreign keys would refuse).
    op.add_column(
        'terminal', sa.Column('keyed_from', sa.BigInteger(), nullable=False, server_default='0')
    )


def downgrade() -> None:
    op.drop_column('terminal', 'keyed_from')
