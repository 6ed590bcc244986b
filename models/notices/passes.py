"""Loader of the notice a volunteer gets when a coordinator checks them in or out with their pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.notices.journey import AttendanceFacts, attendance_facts
from models.tables import Signup


@dataclass(frozen=True)
class PassAttendanceFacts:
    event: str  # "in" or "out"
    walk_in: bool  # they came without a seat and were added to the shift
    record: AttendanceFacts


async def load_pass_attendance(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> PassAttendanceFacts | None:
    facts = await attendance_facts(session, int(payload["attendance_id"]))
    event = str(payload.get("event"))
    if facts is None or event not in ("in", "out"):
        return None
    if event == "out" and facts.attendance.checked_out_at is None:
        return None  # the check-out was undone meanwhile: nothing to report
    signup = await session.get(Signup, facts.attendance.signup_id) if facts.attendance.signup_id is not None else None
    return PassAttendanceFacts(event, bool(signup and signup.walk_in), facts)
