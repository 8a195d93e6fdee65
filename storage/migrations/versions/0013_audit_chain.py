"""audit chain: audit_log becomes append-only in the database and hash-chained

Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) of audit_log rows, for the
application's own database user too. The rows already there are hashed in id order
(storage.audit_chain gives the canonical form), so the chain starts with the oldest row.

Revision ID: 0013_audit_chain
Revises: 0012_leases
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from storage.audit_chain import FIELDS, GENESIS, chain_hash
from storage.types import UTCDateTime

revision = '0013_audit_chain'
down_revision = '0012_leases'
branch_labels = None
depends_on = None

REFUSED = "audit_log is append-only"

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
    f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"]

PG_TRIGGERS = [
    f"""CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSED}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$""",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
]


def _hash_existing_rows() -> None:
    table = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('at', UTCDateTime(timezone=True)),
                     sa.column('actor_telegram_id', sa.BigInteger), sa.column('actor_name', sa.String),
                     sa.column('action', sa.String), sa.column('object_kind', sa.String),
                     sa.column('object_ref', sa.String), sa.column('reason', sa.Text),
                     sa.column('data', sa.JSON), sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    bind = op.get_bind()
    prev = GENESIS
    for row in bind.execute(sa.select(table).order_by(table.c.id)).mappings().all():
        digest = chain_hash({name: row[name] for name in FIELDS}, prev)
        bind.execute(table.update().where(table.c.id == row["id"]).values(prev_hash=prev, hash=digest))
        prev = digest


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _hash_existing_rows()
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_hash'), ['hash'])
    for sql in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else PG_TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    for sql in SQLITE_DROP if op.get_bind().dialect.name == "sqlite" else PG_DROP:
        op.execute(sql)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_log_hash'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
