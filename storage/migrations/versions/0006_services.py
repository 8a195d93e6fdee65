"""services: 五单 service orders, 双报到 registrations and invites, the points ledger,
联手说事 matters with their polls and votes

Revision ID: 0006_services
Revises: 0005_languages
Create Date: 2026-11-26

Only new tables: nothing existing is touched. down_revision follows whichever revision was
the single head when this landed (0003-0006 were written at the same time).
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0006_services'
down_revision = '0005_languages'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('matters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_by_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_matters_community_id_units')),
    sa.ForeignKeyConstraint(['grid_id'], ['units.id'], name=op.f('fk_matters_grid_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matters'))
    )
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matters_closes_at'), ['closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_matters_community_id'), ['community_id'], unique=False)

    op.create_table('service_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=8), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_by_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('max_uses', sa.Integer(), nullable=False),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_service_invites_community_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_invites')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_service_invites_code_hash'))
    )
    op.create_table('service_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('joined_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('left_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_service_members_community_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_members')),
    sa.UniqueConstraint('telegram_id', 'community_id', name=op.f('uq_service_members_telegram_id'))
    )
    with op.batch_alter_table('service_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_members_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_members_telegram_id'), ['telegram_id'], unique=False)

    op.create_table('matter_polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('poll_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_matter_polls_matter_id_matters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matter_polls')),
    sa.UniqueConstraint('matter_id', 'chat_id', name=op.f('uq_matter_polls_matter_id')),
    sa.UniqueConstraint('poll_id', name=op.f('uq_matter_polls_poll_id'))
    )
    with op.batch_alter_table('matter_polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matter_polls_matter_id'), ['matter_id'], unique=False)

    op.create_table('matter_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('option_ids', sa.JSON(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_matter_votes_matter_id_matters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matter_votes')),
    sa.UniqueConstraint('matter_id', 'telegram_id', name=op.f('uq_matter_votes_matter_id'))
    )
    with op.batch_alter_table('matter_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matter_votes_matter_id'), ['matter_id'], unique=False)

    op.create_table('service_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('needed', sa.String(length=10), nullable=False),
    sa.Column('needed_on', sa.Date(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('source_chat_id', sa.BigInteger(), nullable=False),
    sa.Column('source_message_id', sa.BigInteger(), nullable=False),
    sa.Column('auto_approved', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('published_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('announce_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('announced_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('taker_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_note', sa.Text(), nullable=True),
    sa.Column('rating', sa.String(length=12), nullable=True),
    sa.Column('rated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('returns', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_service_orders_community_id_units')),
    sa.ForeignKeyConstraint(['grid_id'], ['units.id'], name=op.f('fk_service_orders_grid_id_units')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['service_orders.id'], name=op.f('fk_service_orders_merged_into_id_service_orders')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_service_orders_resident_id_residents')),
    sa.ForeignKeyConstraint(['taker_id'], ['service_members.id'], name=op.f('fk_service_orders_taker_id_service_members')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_service_orders_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_orders')),
    sa.UniqueConstraint('source_chat_id', 'source_message_id', name=op.f('uq_service_orders_source_chat_id'))
    )
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.create_index('ix_service_orders_community_id_state', ['community_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('ix_service_orders_state_announce_at', ['state', 'announce_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_taker_id'), ['taker_id'], unique=False)

    op.create_table('points_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_points_ledger_community_id_units')),
    sa.ForeignKeyConstraint(['order_id'], ['service_orders.id'], name=op.f('fk_points_ledger_order_id_service_orders')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_points_ledger_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_ledger')),
    sa.UniqueConstraint('key', name=op.f('uq_points_ledger_key'))
    )
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_points_ledger_community_id_at', ['community_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_ledger_telegram_id'), ['telegram_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_ledger_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('service_order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_telegram_id', sa.BigInteger(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=12), nullable=True),
    sa.Column('to_state', sa.String(length=12), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['service_orders.id'], name=op.f('fk_service_order_events_order_id_service_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_order_events'))
    )
    with op.batch_alter_table('service_order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_order_events_order_id'), ['order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('service_order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_order_events_order_id'))

    op.drop_table('service_order_events')
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_ledger_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_points_ledger_telegram_id'))
        batch_op.drop_index('ix_points_ledger_community_id_at')

    op.drop_table('points_ledger')
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_orders_taker_id'))
        batch_op.drop_index('ix_service_orders_state_announce_at')
        batch_op.drop_index(batch_op.f('ix_service_orders_resident_id'))
        batch_op.drop_index(batch_op.f('ix_service_orders_created_at'))
        batch_op.drop_index('ix_service_orders_community_id_state')

    op.drop_table('service_orders')
    with op.batch_alter_table('matter_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matter_votes_matter_id'))

    op.drop_table('matter_votes')
    with op.batch_alter_table('matter_polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matter_polls_matter_id'))

    op.drop_table('matter_polls')
    with op.batch_alter_table('service_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_members_telegram_id'))
        batch_op.drop_index(batch_op.f('ix_service_members_community_id'))

    op.drop_table('service_members')
    op.drop_table('service_invites')
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matters_community_id'))
        batch_op.drop_index(batch_op.f('ix_matters_closes_at'))

    op.drop_table('matters')
