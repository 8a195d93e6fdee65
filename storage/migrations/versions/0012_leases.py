"""leases: one instance runs the jobs without claims of their own; cache version stamps

Revision ID: 0012_leases
Revises: 0011_intake_index
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0012_leases'
down_revision = '0011_intake_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    op.create_table('cache_stamps',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_stamps'))
    )


def downgrade() -> None:
    op.drop_table('cache_stamps')
    op.drop_table('leases')
