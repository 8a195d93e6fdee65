"""alert cards: the message ids of a card sent to several people for one ticket (issue 16)

Revision ID: 0010_alert_cards
Revises: 0009_outbox
Create Date: 2026-12-01

Only a new table: nothing existing is touched.
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0010_alert_cards'
down_revision = '0009_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_alert_cards_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_cards')),
    sa.UniqueConstraint('ticket_id', 'chat_id', 'message_id', name=op.f('uq_alert_cards_ticket_id'))
    )
    with op.batch_alter_table('alert_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_cards_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_table('alert_cards')
