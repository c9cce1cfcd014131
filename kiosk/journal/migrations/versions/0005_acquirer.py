"""acquirer link: owed reversals, advices and batch records (sealed), and the STAN

Revision ID: 0005_acquirer
Revises: 0004
Create Date: 2026-12-05 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_acquirer'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'acquirer_record',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('terminal_id', sa.String(length=16), nullable=False),
        sa.Column('box', sa.String(length=16), nullable=False),
        sa.Column('stan', sa.Integer(), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['terminal_id'], ['terminal.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('terminal_id', 'box', 'stan', name='uq_acquirer_record'),
    )
    op.create_table(
        'acquirer_stan',
        sa.Column('terminal_id', sa.String(length=16), nullable=False),
        sa.Column('last_stan', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['terminal_id'], ['terminal.id']),
        sa.PrimaryKeyConstraint('terminal_id'),
    )


def downgrade() -> None:
    op.drop_table('acquirer_stan')
    op.drop_table('acquirer_record')
