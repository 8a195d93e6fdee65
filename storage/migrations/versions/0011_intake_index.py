"""intake index: tickets by (grid_id, created_at), for the duplicate check on every report

Revision ID: 0011_intake_index
Revises: 0010_alert_cards
Create Date: 2026-12-01

tickets.duplicates.similar() asks for a grid's newest open tickets within a few days on
every report; with this index it reads them newest first and stops after the window,
whatever the history holds (issue 17). Only a new index: nothing existing is touched.
"""
from alembic import op

revision = '0011_intake_index'
down_revision = '0010_alert_cards'  # the chain is set at merge
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_grid_id_created_at', ['grid_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_grid_id_created_at')
