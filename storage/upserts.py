"""INSERT … ON CONFLICT for the dialect at hand, without loading the other one."""
from __future__ import annotations


def upsert_insert(dialect: str):
    """The INSERT with ON CONFLICT of this dialect ("postgresql" or "sqlite"). Imported when
    asked: PostgreSQL's dialect package costs 2 MB and 20 modules on an SQLite instance."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
