"""Loaders of the notices about a volunteer's shifts: promotion, reminders, changes, no-shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.signups import HELD
from models.tables import (
    Attendance,
    Center,
    OffSystemWork,
    Opportunity,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Volunteer,
)


@dataclass(frozen=True)
class SeatFacts:
    """A volunteer's place on a shift, with what a message about it shows."""

    signup: Signup
    shift: Shift
    opportunity: Opportunity
    center: Center


@dataclass(frozen=True)
class AttendanceFacts:
    """A closed attendance record and the shift it belongs to."""

    attendance: Attendance
    shift: Shift
    opportunity: Opportunity


@dataclass(frozen=True)
class OffSystemFacts:
    """Where work done outside the bot was done: the center, and the opportunity when named."""

    center: Center | None
    opportunity: Opportunity | None


@dataclass(frozen=True)
class HoursAdjustedFacts:
    """A record a coordinator corrected or added: what it credits now, and why."""

    attendance: Attendance
    reason: str
    shift: AttendanceFacts | None  # None for off-system hours (a record without a shift)
    before_minutes: int | None = None  # what it credited before the change (corrections)
    times: bool = False  # the arrival and leaving times were corrected
    work: OffSystemFacts | None = None  # off-system hours added with a day and a place


async def seat_facts(session: AsyncSession, signup_id: int) -> SeatFacts | None:
    signup = await session.get(Signup, signup_id)
    if signup is None:
        return None
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    center = await session.get(Center, opportunity.center_id)
    assert center is not None
    return SeatFacts(signup, shift, opportunity, center)


async def attendance_facts(session: AsyncSession, attendance_id: int) -> AttendanceFacts | None:
    attendance = await session.get(Attendance, attendance_id)
    if attendance is None or attendance.shift_id is None:
        return None
    shift = await session.get(Shift, attendance.shift_id)
    assert shift is not None
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    return AttendanceFacts(attendance, shift, opportunity)


async def load_promoted(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> SeatFacts | None:
    facts = await seat_facts(session, int(payload["signup_id"]))
    if facts is None or facts.signup.status != SignupStatus.CONFIRMED:
        return None  # cancelled again before we could tell them: nothing to say
    return facts


async def load_seat_offered(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> SeatFacts | None:
    facts = await seat_facts(session, int(payload["signup_id"]))
    if facts is None or facts.signup.status != SignupStatus.OFFERED:
        return None  # answered, passed on or cancelled before we could ask (the sender drops it past its deadline)
    return facts


async def load_offer_expired(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> SeatFacts | None:
    facts = await seat_facts(session, int(payload["signup_id"]))
    if facts is None or facts.signup.status != SignupStatus.CANCELLED:
        return None  # they signed up again meanwhile: nothing to regret
    return facts


async def load_reminder(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> SeatFacts | None:
    facts = await seat_facts(session, int(payload["signup_id"]))
    if facts is None:
        return None
    volunteer = await session.get(Volunteer, facts.signup.volunteer_id)
    if (
        facts.signup.status != SignupStatus.CONFIRMED
        or facts.shift.status != ShiftStatus.ACTIVE
        or (volunteer is not None and volunteer.reminders_muted)
    ):
        return None
    return facts


async def load_auto_checkout(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> AttendanceFacts | None:
    return await attendance_facts(session, int(payload["attendance_id"]))


async def load_no_show(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> SeatFacts | None:
    facts = await seat_facts(session, int(payload["signup_id"]))
    if facts is None or facts.signup.status != SignupStatus.NO_SHOW:
        return None  # a coordinator corrected it meanwhile
    return facts


async def load_shift_changed(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> SeatFacts | None:
    facts = await seat_facts(session, int(payload["signup_id"]))
    if facts is None or facts.signup.status not in HELD or facts.shift.status != ShiftStatus.ACTIVE:
        return None  # they left it, or it was cancelled since (that notice says it all)
    return facts


async def load_shift_cancelled(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> SeatFacts | None:
    return await seat_facts(session, int(payload["signup_id"]))


async def load_hours_adjusted(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> HoursAdjustedFacts | None:
    attendance = await session.get(Attendance, int(payload["attendance_id"]))
    if attendance is None:
        return None
    shift = await attendance_facts(session, attendance.id) if attendance.shift_id is not None else None  # type: ignore[arg-type]  # a loaded row has its id
    work = None
    place = await session.get(OffSystemWork, attendance.id) if attendance.shift_id is None else None
    if place is not None and (place.center_id is not None or place.opportunity_id is not None):
        center = await session.get(Center, place.center_id) if place.center_id is not None else None
        opportunity = await session.get(Opportunity, place.opportunity_id) if place.opportunity_id is not None else None
        work = OffSystemFacts(center, opportunity)
    before = payload.get("before_minutes")
    return HoursAdjustedFacts(
        attendance, str(payload.get("reason", "")), shift,
        before_minutes=int(before) if before is not None else None, times=bool(payload.get("times")), work=work,
    )
