"""languages: each person's locale (zh_CN, en), chosen with /lang or taken from Telegram

Revision ID: 0005_languages
Revises: 0004
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0005_languages'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_settings',
    sa.Column('telegram_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('chosen', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('telegram_id', name=op.f('pk_user_settings'))
    )


def downgrade() -> None:
    op.drop_table('user_settings')
