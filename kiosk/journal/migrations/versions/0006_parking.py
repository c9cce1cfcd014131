"""parking stays: entry, payment and exit of each car

Revision ID: 0006_parking
Revises: 0005_sync
Create Date: 2026-12-05 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kiosk.journal.models

revision = '0006_parking'
down_revision = '0005_sync'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'parking_stay',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('terminal_id', sa.String(length=16), nullable=False),
        sa.Column('plate', sa.String(length=16), nullable=False),
        sa.Column('ticket_id', sa.BigInteger(), nullable=False),
        sa.Column('vehicle_class', sa.String(length=8), nullable=False),
        sa.Column('lane_in', sa.String(length=16), nullable=False),
        sa.Column('lane_out', sa.String(length=16), nullable=False),
        sa.Column('entered_at', kiosk.journal.models.UtcDateTime(), nullable=False),
        sa.Column('paid_at', kiosk.journal.models.UtcDateTime(), nullable=True),
        sa.Column('paid_fen', sa.BigInteger(), nullable=False),
        sa.Column('exited_at', kiosk.journal.models.UtcDateTime(), nullable=True),
        sa.Column('state', sa.Enum('inside', 'paid', 'left', name='staystate', native_enum=False,
                                   length=16), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['sale_order.id']),
        sa.ForeignKeyConstraint(['terminal_id'], ['terminal.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', name='uq_parking_stay_ticket'),
    )
    op.create_index('ix_parking_stay_state_plate', 'parking_stay', ['state', 'plate'])


def downgrade() -> None:
    op.drop_index('ix_parking_stay_state_plate', table_name='parking_stay')
    op.drop_table('parking_stay')
