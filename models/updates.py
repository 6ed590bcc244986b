"""Exactly-once effects for at-least-once delivered updates."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_insert
from models.tables import ProcessedUpdate


async def claim_update(session: AsyncSession, *, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record the update inside the caller's transaction; False when it was already processed.

    Because the claim commits (or rolls back) together with the effect it guards, a redelivered
    update is either skipped or, if the first attempt died before commit, processed once.
    """
    values = {"bot_id": bot_id, "update_id": update_id, "processed_at": now}
    stmt = dialect_insert(session, ProcessedUpdate).values(**values).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_old_updates(session: AsyncSession, *, now: datetime, keep_days: int = 7) -> int:
    """Drop claims older than any redelivery window; getUpdates keeps updates 24 hours at most."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - timedelta(days=keep_days))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
