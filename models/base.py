"""Column types and clock helpers shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def year_bounds(year: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """The calendar year in the program's time zone, as [start, end) instants in UTC."""
    return datetime(year, 1, 1, tzinfo=zone).astimezone(UTC), datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as naive UTC and read back as aware UTC, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text from a hand-written query
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """INSERT for the session's database, which offers `on_conflict_do_nothing()` on both."""
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)
