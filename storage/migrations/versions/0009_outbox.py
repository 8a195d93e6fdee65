"""outbox: one transactional outbox for every message the workflow decides

Ticket notices, service-order notices and 联手说事 polls are written in the transaction
of the change that causes them, with a unique key, and sent after the commit; the sweep
sends what a crash left. Telegram's message and poll ids are recorded on the row.

Revision ID: 0009_outbox
Revises: 0008_web_sessions
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_outbox'
down_revision = '0008_web_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('matter_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('points', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('message_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('poll_id', sa.String(length=64), nullable=True))
        batch_op.alter_column('kind', existing_type=sa.String(length=24), type_=sa.String(length=40),
                              existing_nullable=False)
        batch_op.alter_column('ticket_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint('uq_outbox_key', ['key'])


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE ticket_id IS NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('uq_outbox_key', type_='unique')
        batch_op.alter_column('ticket_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('kind', existing_type=sa.String(length=40), type_=sa.String(length=24),
                              existing_nullable=False)
        batch_op.drop_column('poll_id')
        batch_op.drop_column('message_id')
        batch_op.drop_column('points')
        batch_op.drop_column('matter_id')
        batch_op.drop_column('order_id')
        batch_op.drop_column('key')
