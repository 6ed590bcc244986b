"""Loader of a coordinator's broadcast, as each recipient receives it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Broadcast, BroadcastStatus


@dataclass(frozen=True)
class BroadcastFacts:
    text: str
    photo_file_id: str | None


async def load_broadcast(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> BroadcastFacts | None:
    broadcast = await session.get(Broadcast, int(payload["broadcast_id"]))
    if broadcast is None or broadcast.status in (BroadcastStatus.CANCELLED, BroadcastStatus.STOPPED):
        return None
    return BroadcastFacts(broadcast.text, broadcast.photo_file_id)
