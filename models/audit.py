"""The audit log: every coordinator action, and every refusal, as one line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.tables import AuditLog


async def record_action(
    session: AsyncSession,
    *,
    actor_telegram_id: int | None,
    action: str,
    now: datetime,
    target: str | None = None,
    allowed: bool = True,
    detail: str | None = None,
) -> AuditLog:
    """Append one line in the caller's transaction (it commits or rolls back with the effect)."""
    line = AuditLog(
        at=now,
        actor_telegram_id=actor_telegram_id,
        action=action[:64],
        target=target[:128] if target else None,
        allowed=allowed,
        detail=detail,
    )
    session.add(line)
    await session.flush()
    return line


async def recent_actions(
    session: AsyncSession, *, limit: int = 20, actor_telegram_id: int | None = None, refused_only: bool = False
) -> list[AuditLog]:
    """The newest lines first."""
    query = select(AuditLog).order_by(col(AuditLog.id).desc()).limit(limit)
    if actor_telegram_id is not None:
        query = query.where(col(AuditLog.actor_telegram_id) == actor_telegram_id)
    if refused_only:
        query = query.where(col(AuditLog.allowed).is_(False))
    return list((await session.execute(query)).scalars())
