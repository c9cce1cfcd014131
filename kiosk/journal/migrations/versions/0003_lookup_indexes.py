"""lookup indexes: payments by card, order, terminal and time, print jobs and order lines by order, orders by time

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:40:00
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_payment_pan_token', 'payment', ['pan_token']),
    ('ix_payment_order', 'payment', ['order_id']),
    ('ix_payment_terminal_created', 'payment', ['terminal_id', 'created_at']),
    ('ix_print_job_order', 'print_job', ['order_id']),
    ('ix_order_line_order', 'order_line', ['order_id']),
    ('ix_order_created', 'sale_order', ['created_at']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
