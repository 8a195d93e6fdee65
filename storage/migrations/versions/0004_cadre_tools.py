"""cadre tools: 吹哨 department, merges, followers, KPI indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('department_accepted_at', storage.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tickets_department_id_units'), 'units', ['department_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_tickets_merged_into_id_tickets'), 'tickets',
                                    ['merged_into_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_tickets_department_id'), ['department_id'], unique=False)
        # KPIs over a period (figures.kpi): each time column a period is judged by.
        batch_op.create_index('ix_tickets_dispatched_at', ['dispatched_at'], unique=False)
        batch_op.create_index('ix_tickets_original_resolve_deadline', ['original_resolve_deadline'], unique=False)

    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_at', ['at'], unique=False)
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_action_at', ['action', 'at'], unique=False)

    op.create_table('ticket_followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('via', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_ticket_followers_resident_id_residents')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_followers_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_followers')),
    sa.UniqueConstraint('ticket_id', 'resident_id', name=op.f('uq_ticket_followers_ticket_id'))
    )
    with op.batch_alter_table('ticket_followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_followers_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_followers_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_followers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_followers_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_followers_resident_id'))
    op.drop_table('ticket_followers')

    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_action_at')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_at')

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_original_resolve_deadline')
        batch_op.drop_index('ix_tickets_dispatched_at')
        batch_op.drop_index(batch_op.f('ix_tickets_department_id'))
        batch_op.drop_constraint(batch_op.f('fk_tickets_merged_into_id_tickets'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_tickets_department_id_units'), type_='foreignkey')
        batch_op.drop_column('department_accepted_at')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('department_id')
