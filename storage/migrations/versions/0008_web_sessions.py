"""web sessions: the command centre's one-time login links and browser sessions (issue 15)

Revision ID: 0008_web_sessions
Revises: 0007_dialogs
Create Date: 2026-12-01

Only new tables: nothing existing is touched.
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0008_web_sessions'
down_revision = '0007_dialogs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_links_token_hash'))
    )
    with op.batch_alter_table('web_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_links_telegram_id'), ['telegram_id'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_telegram_id'), ['telegram_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_table('web_sessions')
    op.drop_table('web_links')
