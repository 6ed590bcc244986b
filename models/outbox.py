"""The outbox: every message the bot sends on its own is a row here before it leaves."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import OutboxMessage

PRIORITY_INTERACTIVE = 0
PRIORITY_NOTICE = 10
PRIORITY_BROADCAST = 20


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    volunteer_id: int | None = None,
    priority: int = PRIORITY_NOTICE,
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
) -> bool:
    """Queue one message; False when a message with this key was queued before (never twice)."""
    values = dict(
        key=key,
        chat_id=chat_id,
        volunteer_id=volunteer_id,
        kind=kind,
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        priority=priority,
        status="pending",
        attempts=0,
        not_before=not_before or now,
        created_at=now,
        broadcast_id=broadcast_id,
    )
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(insert(OutboxMessage).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]
