"""processed_updates: a replayed Telegram update changes nothing twice

Revision ID: 0017_updates
Revises: 0014_closures
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0017_updates'
down_revision = '0014_closures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('processed_updates',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('handled_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_processed_updates'))
    )
    op.create_index(op.f('ix_processed_updates_handled_at'), 'processed_updates', ['handled_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_processed_updates_handled_at'), table_name='processed_updates')
    op.drop_table('processed_updates')
