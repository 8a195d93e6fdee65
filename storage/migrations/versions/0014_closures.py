"""closures: why a resident reopened a ticket (未解决, 不满意), shown on the handler's card (issue 11)

Revision ID: 0014_closures
Revises: 0013_audit_chain
Create Date: 2026-12-01

One nullable column, and an index on the outbox's ticket: closing a ticket (撤销, 无效)
finds the cards sent about it to edit them. 无效 and 撤销 are states and events
(ticket_events keeps who and why), so they need no column.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_closures'
down_revision = '0013_audit_chain'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reopen_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_ticket_id'))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('reopen_reason')
