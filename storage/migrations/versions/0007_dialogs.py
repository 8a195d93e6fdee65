"""dialogs: dialog state in the database, so a restart loses no note being typed

Revision ID: 0007_dialogs
Revises: 0006_services
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0007_dialogs'
down_revision = '0006_services'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dialog_states',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=200), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_dialog_states'))
    )
    op.create_index(op.f('ix_dialog_states_updated_at'), 'dialog_states', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_dialog_states_updated_at'), table_name='dialog_states')
    op.drop_table('dialog_states')
