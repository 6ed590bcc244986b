"""Loaders of the notices about what a coordinator recorded for a volunteer (models.corrections)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.notices.journey import AttendanceFacts, attendance_facts


@dataclass(frozen=True)
class MarkedPresentFacts:
    record: AttendanceFacts
    was_no_show: bool


async def load_checked_in_for(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> AttendanceFacts | None:
    return await attendance_facts(session, int(payload["attendance_id"]))


async def load_checked_out_for(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> AttendanceFacts | None:
    facts = await attendance_facts(session, int(payload["attendance_id"]))
    if facts is None or facts.attendance.checked_out_at is None:
        return None  # open again: there is no check-out to tell of
    return facts


async def load_marked_present(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> MarkedPresentFacts | None:
    facts = await attendance_facts(session, int(payload["attendance_id"]))
    return None if facts is None else MarkedPresentFacts(facts, bool(payload.get("was_no_show")))
