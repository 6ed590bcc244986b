"""Exactly-once effects for at-least-once delivered updates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import dialect_insert
from models.tables import ProcessedUpdate

# One INSERT per dialect, built once: every update runs it, and a statement object that is used
# again skips SQLAlchemy's construction and cache-key work. On the table, not the ORM class: a
# plain INSERT needs none of the ORM's bulk-insert machinery.
_CLAIMS: dict[str, Any] = {}


async def claim_update(session: AsyncSession, *, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record the update inside the caller's transaction; False when it was already processed.

    Because the claim commits (or rolls back) together with the effect it guards, a redelivered
    update is either skipped or, if the first attempt died before commit, processed once.
    """
    dialect = session.get_bind().dialect.name
    stmt = _CLAIMS.get(dialect)
    if stmt is None:
        table = ProcessedUpdate.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__ on the class
        stmt = _CLAIMS[dialect] = dialect_insert(session, table).on_conflict_do_nothing()
    result = await session.execute(stmt, {"bot_id": bot_id, "update_id": update_id, "processed_at": now})
    return bool(result.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result


async def forget_old_updates(session: AsyncSession, *, now: datetime, keep_days: int = 7) -> int:
    """Drop claims older than any redelivery window; getUpdates keeps updates 24 hours at most."""
    result = await session.execute(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < now - timedelta(days=keep_days))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result
