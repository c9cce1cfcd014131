"""sync state: the hub's acknowledged mark, last contact and error, parameters in effect

Revision ID: 0005_sync
Revises: 0005_acquirer
Create Date: 2026-12-05 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_sync'
down_revision = '0005_acquirer'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sync_state',
        sa.Column('terminal_id', sa.String(length=16), nullable=False),
        sa.Column('acked_seq', sa.BigInteger(), nullable=False),
        sa.Column('last_contact_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=64), nullable=False),
        sa.Column('last_error_at', sa.DateTime(), nullable=True),
        sa.Column('hub_url', sa.String(length=256), nullable=False),
        sa.Column('params_version', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['terminal_id'], ['terminal.id']),
        sa.PrimaryKeyConstraint('terminal_id'),
    )


def downgrade() -> None:
    op.drop_table('sync_state')
