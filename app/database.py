"""Declarative base, naming convention and the column types every model shares.

Why a naming convention: Alembic can only drop or alter a constraint it can name, and
SQLite batch migrations need stable names. Why ``UTCDateTime``: SQLite drops time
zones, PostgreSQL keeps them; the type makes both hand back aware UTC datetimes and
refuses naive ones, so no local time ever reaches the database by accident.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only kind stored)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware-UTC datetime column on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    """``created_at``/``updated_at`` kept by the ORM, in UTC."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def transaction_locks(session) -> dict | None:
    """Rows this session's current transaction holds FOR UPDATE: key -> value of the caller's.

    Lets a second "lock this row" in the same transaction reuse the row from the identity
    map instead of asking the database again. None where a lock is not held until commit
    (SQLite ignores FOR UPDATE) or inside a SAVEPOINT (rolling it back would release a lock
    taken there): callers then query as usual.
    """
    if session.in_nested_transaction():
        return None
    txn = session.get_transaction()
    held = session.info.get("row_locks")
    if held is None or held[0] is not txn:
        if txn is None or session.get_bind().dialect.name != "postgresql":
            return None
        held = session.info["row_locks"] = (txn, {})
    return held[1]
