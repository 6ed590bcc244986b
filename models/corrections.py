"""What coordinators fix for a volunteer: a check-in or check-out on their behalf (a dead phone, a
volunteer at the door), a no-show or a missed check-in recorded as present with the times, and a
record's times corrected with a reason.

Each is one function and the one place its rule lives (the roster, the record lookup and the
pass scanned at the door all call these). Each change is audited with its before and after, and
queues exactly one notice telling the volunteer what changed. The caller has checked that the
actor manages the record's center (models.coordination).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.attendance import credit_minutes
from models.attendance_review import REASON_MAX, tell_hours_adjusted
from models.audit import record_action
from models.hours import confirm_record
from models.notices.kinds import NoticeKind
from models.numerals import ascii_digits
from models.outbox import PRIORITY_NOTICE, enqueue
from models.qualifications import grant_for_attendance
from models.tables import (
    Attendance,
    Opportunity,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Volunteer,
)

ON_BEHALF = "coordinator"  # col(Attendance.method) of a check-in a coordinator made for the volunteer
MAX_SPAN = timedelta(hours=24)


class FixOutcome(StrEnum):
    DONE = "done"
    NOT_HOLDER = "not_holder"  # the seat was cancelled or is on the waitlist
    CANCELLED = "cancelled"  # the shift was cancelled
    TOO_EARLY = "too_early"  # check-in has not opened yet
    ENDED = "ended"  # the shift is over: record them present with the times instead
    ALREADY_IN = "already_in"  # an attendance exists for this seat
    NOT_IN = "not_in"  # no open check-in to close
    BAD_TIMES = "bad_times"  # the end is not after the start, or the span is longer than a day
    FUTURE = "future"  # a time that has not come yet
    NO_SHIFT = "no_shift"  # off-system hours have no times to correct
    REASON = "reason"  # a reason of 3 to 200 characters is needed


@dataclass
class Fix:
    outcome: FixOutcome
    attendance: Attendance | None = None
    shift: Shift | None = None
    opportunity: Opportunity | None = None
    volunteer: Volunteer | None = None
    opens_at: datetime | None = None


def describe(attendance: Attendance | None) -> str:
    """A record as the audit log keeps it: times in UTC and the minutes credited."""
    if attendance is None:
        return "not checked in"
    out = attendance.checked_out_at.astimezone(UTC).isoformat() if attendance.checked_out_at else "open"
    return f"in={attendance.checked_in_at.astimezone(UTC).isoformat()} out={out} min={attendance.credited_minutes}"


async def _seat(session: AsyncSession, signup_id: int) -> tuple[Signup, Shift, Opportunity, Volunteer] | None:
    row = (
        await session.execute(
            select(Signup, Shift, Opportunity, Volunteer)
            .join(Shift, col(Shift.id) == col(Signup.shift_id))
            .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .join(Volunteer, col(Volunteer.id) == col(Signup.volunteer_id))
            .where(col(Signup.id) == signup_id)
            .with_for_update(of=Signup)
        )
    ).first()
    return tuple(row) if row else None  # type: ignore[return-value]  # a Row is a tuple of the selected columns


async def _record_of(session: AsyncSession, attendance_id: int) -> tuple[Attendance, Shift | None, Opportunity | None, Volunteer] | None:
    row = (
        await session.execute(
            select(Attendance, Shift, Opportunity, Volunteer)
            .outerjoin(Shift, col(Shift.id) == col(Attendance.shift_id))
            .outerjoin(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .join(Volunteer, col(Volunteer.id) == col(Attendance.volunteer_id))
            .where(col(Attendance.id) == attendance_id)
            .with_for_update(of=Attendance)
        )
    ).first()
    return tuple(row) if row else None  # type: ignore[return-value]  # a Row is a tuple of the selected columns


async def _existing(session: AsyncSession, signup_id: int | None) -> Attendance | None:
    return (await session.execute(select(Attendance).where(col(Attendance.signup_id) == signup_id))).scalar_one_or_none()


async def _add_attendance(session: AsyncSession, attendance: Attendance) -> bool:
    try:
        async with session.begin_nested():
            session.add(attendance)
    except IntegrityError:
        return False  # the volunteer (or another coordinator) checked in at the same moment
    return True


async def _tell(session: AsyncSession, *, kind: NoticeKind, key: str, volunteer: Volunteer, payload: dict[str, object], now: datetime) -> None:
    await enqueue(
        session, key=key, chat_id=volunteer.telegram_id, volunteer_id=volunteer.id, kind=kind,
        payload=payload, now=now, priority=PRIORITY_NOTICE,
    )


async def check_in_on_behalf(
    session: AsyncSession, *, signup_id: int, actor_telegram_id: int, now: datetime, early_minutes: int,
    method: str = ON_BEHALF,
) -> Fix:
    """Check a seat holder in now, as if they had shared their location; a no-show (marked while
    they were late) who turns up is a holder again."""
    seat = await _seat(session, signup_id)
    if seat is None:
        return Fix(FixOutcome.NOT_HOLDER)
    signup, shift, opportunity, volunteer = seat
    fix = Fix(FixOutcome.DONE, shift=shift, opportunity=opportunity, volunteer=volunteer)
    opens_at = shift.starts_at - timedelta(minutes=early_minutes)
    if shift.status != ShiftStatus.ACTIVE:
        fix.outcome = FixOutcome.CANCELLED
    elif signup.status not in (SignupStatus.CONFIRMED, SignupStatus.NO_SHOW):
        fix.outcome = FixOutcome.NOT_HOLDER
    elif now >= shift.ends_at:
        fix.outcome = FixOutcome.ENDED
    elif now < opens_at:
        fix.outcome, fix.opens_at = FixOutcome.TOO_EARLY, opens_at
    elif await _existing(session, signup.id) is not None:
        fix.outcome = FixOutcome.ALREADY_IN
    if fix.outcome != FixOutcome.DONE:
        return fix
    attendance = Attendance(
        signup_id=signup.id, shift_id=shift.id, volunteer_id=volunteer.id, checked_in_at=now, method=method,  # type: ignore[arg-type]  # rows loaded from the database have their ids
    )
    if not await _add_attendance(session, attendance):
        fix.outcome = FixOutcome.ALREADY_IN
        return fix
    was = signup.status
    signup.status = SignupStatus.CONFIRMED
    fix.attendance = attendance
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="attendance.check_in_for", target=f"attendance:{attendance.id}",
        detail=f"signup={signup.id} {was}, not checked in -> {describe(attendance)} (by {method})", now=now,
    )
    await _tell(session, kind=NoticeKind.CHECKED_IN_FOR, key=f"checked-in-for:{attendance.id}", volunteer=volunteer,
                payload={"attendance_id": attendance.id}, now=now)
    return fix


async def check_out_on_behalf(
    session: AsyncSession, *, attendance_id: int, actor_telegram_id: int, now: datetime, grace_minutes: int
) -> Fix:
    """Close a volunteer's open check-in now and credit it by the usual rule."""
    found = await _record_of(session, attendance_id)
    if found is None or found[1] is None or found[0].checked_out_at is not None:
        return Fix(FixOutcome.NOT_IN)
    attendance, shift, opportunity, volunteer = found
    before = describe(attendance)
    attendance.checked_out_at, attendance.checked_out_by = now, actor_telegram_id
    attendance.credited_minutes = credit_minutes(
        checked_in_at=attendance.checked_in_at, checked_out_at=now, shift=shift, grace_minutes=grace_minutes  # type: ignore[arg-type]  # an on-site record always has its shift
    )
    await session.flush()
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="attendance.check_out_for", target=f"attendance:{attendance.id}",
        detail=f"{before} -> {describe(attendance)}", now=now,
    )
    await _tell(session, kind=NoticeKind.CHECKED_OUT_FOR, key=f"checked-out-for:{attendance.id}:{now.isoformat()}",
                volunteer=volunteer, payload={"attendance_id": attendance.id}, now=now)
    await grant_for_attendance(session, attendance=attendance, now=now)  # a course attended grants its qualification
    return Fix(FixOutcome.DONE, attendance=attendance, shift=shift, opportunity=opportunity, volunteer=volunteer)


def _times_problem(checked_in_at: datetime, checked_out_at: datetime | None, now: datetime) -> FixOutcome | None:
    if checked_in_at > now or (checked_out_at is not None and checked_out_at > now):
        return FixOutcome.FUTURE
    if checked_out_at is not None and not timedelta(0) < checked_out_at - checked_in_at <= MAX_SPAN:
        return FixOutcome.BAD_TIMES
    return None


async def mark_present(
    session: AsyncSession, *, signup_id: int, checked_in_at: datetime, checked_out_at: datetime | None,
    actor_telegram_id: int, now: datetime, grace_minutes: int,
) -> Fix:
    """A volunteer who was there without checking in (a no-show, or missing from the roster):
    an attendance with the times the coordinator gives, credited by the usual rule. No leaving
    time: they are still there, checked in since their arrival (only while the shift runs)."""
    seat = await _seat(session, signup_id)
    if seat is None:
        return Fix(FixOutcome.NOT_HOLDER)
    signup, shift, opportunity, volunteer = seat
    fix = Fix(FixOutcome.DONE, shift=shift, opportunity=opportunity, volunteer=volunteer)
    problem = _times_problem(checked_in_at, checked_out_at, now)
    if shift.status != ShiftStatus.ACTIVE:
        fix.outcome = FixOutcome.CANCELLED
    elif signup.status not in (SignupStatus.CONFIRMED, SignupStatus.NO_SHOW):
        fix.outcome = FixOutcome.NOT_HOLDER
    elif await _existing(session, signup.id) is not None:
        fix.outcome = FixOutcome.ALREADY_IN
    elif problem is not None:
        fix.outcome = problem
    elif checked_in_at >= shift.ends_at + timedelta(minutes=grace_minutes):
        fix.outcome = FixOutcome.BAD_TIMES  # an arrival after the shift was over
    elif checked_out_at is None and now >= shift.ends_at + timedelta(minutes=grace_minutes):
        fix.outcome = FixOutcome.ENDED  # the shift is over: when did they leave?
    if fix.outcome != FixOutcome.DONE:
        return fix
    attendance = Attendance(
        signup_id=signup.id, shift_id=shift.id, volunteer_id=volunteer.id, checked_in_at=checked_in_at,  # type: ignore[arg-type]  # rows loaded from the database have their ids
        checked_out_at=checked_out_at, method=ON_BEHALF,
        checked_out_by=actor_telegram_id if checked_out_at is not None else None,
        credited_minutes=0 if checked_out_at is None else credit_minutes(
            checked_in_at=checked_in_at, checked_out_at=checked_out_at, shift=shift, grace_minutes=grace_minutes),
    )
    if checked_out_at is not None:
        attendance.reviewed_at = now  # a coordinator's record: confirmed, and seen by the milestone sweep
    if not await _add_attendance(session, attendance):
        fix.outcome = FixOutcome.ALREADY_IN
        return fix
    was = signup.status
    signup.status = SignupStatus.CONFIRMED
    fix.attendance = attendance
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="attendance.mark_present", target=f"attendance:{attendance.id}",
        detail=f"signup={signup.id} {was}, not checked in -> confirmed, {describe(attendance)}", now=now,
    )
    await _tell(session, kind=NoticeKind.MARKED_PRESENT, key=f"marked-present:{attendance.id}", volunteer=volunteer,
                payload={"attendance_id": attendance.id, "was_no_show": was == SignupStatus.NO_SHOW}, now=now)
    await grant_for_attendance(session, attendance=attendance, now=now)  # present at a course, with its times
    return fix


def clean_reason(reason: str) -> str | None:
    """The reason on one line, or None when it is too short or too long to explain anything."""
    cleaned = " ".join(reason.split())
    return cleaned if 3 <= len(cleaned) <= REASON_MAX else None


async def correct_times(
    session: AsyncSession, *, attendance_id: int, checked_in_at: datetime, checked_out_at: datetime, reason: str,
    actor_telegram_id: int, now: datetime, grace_minutes: int,
) -> Fix:
    """Set the arrival and leaving times of any record of a shift (flagged or not) and credit them
    by the usual rule; the flag, if any, is cleared: a coordinator has looked at it."""
    cleaned = clean_reason(reason)
    found = await _record_of(session, attendance_id)
    if found is None:
        return Fix(FixOutcome.NOT_IN)
    attendance, shift, opportunity, volunteer = found
    fix = Fix(FixOutcome.DONE, attendance=attendance, shift=shift, opportunity=opportunity, volunteer=volunteer)
    problem = _times_problem(checked_in_at, checked_out_at, now)
    if shift is None:
        fix.outcome = FixOutcome.NO_SHIFT
    elif problem is not None:
        fix.outcome = problem
    elif cleaned is None:
        fix.outcome = FixOutcome.REASON
    if fix.outcome != FixOutcome.DONE:
        return fix
    assert shift is not None and cleaned is not None
    before, before_minutes = describe(attendance), attendance.credited_minutes
    attendance.checked_in_at, attendance.checked_out_at, attendance.checked_out_by = checked_in_at, checked_out_at, actor_telegram_id
    attendance.credited_minutes = credit_minutes(
        checked_in_at=checked_in_at, checked_out_at=checked_out_at, shift=shift, grace_minutes=grace_minutes
    )
    confirm_record(attendance, now=now)
    await session.flush()
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="attendance.correct", target=f"attendance:{attendance.id}",
        detail=f"{before} -> {describe(attendance)}: {cleaned}", now=now,
    )
    await tell_hours_adjusted(session, attendance=attendance, reason=cleaned, now=now, before_minutes=before_minutes, times=True)
    await grant_for_attendance(session, attendance=attendance, now=now)  # a course record now confirmed
    return fix


# "16:05-19:30", "4:05 م - 7:30 م", "16:05" (arrived, still there), then anything (the reason).
_CLOCK = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|ص|م)?"
_TIMES = re.compile(rf"^\s*{_CLOCK}(?:\s*[-–—]\s*{_CLOCK})?(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)


def _clock(hour: str, minute: str | None, half: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    if half:
        if not 1 <= h <= 12:
            return None
        evening = half.lower().startswith("p") or half == "م"
        h = (h % 12) + (12 if evening else 0)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return time(h, m)


@dataclass(frozen=True)
class Times:
    checked_in_at: datetime
    checked_out_at: datetime | None
    rest: str  # what follows the times: the reason


def parse_times(text: str, *, day: date, zone: tzinfo) -> Times | None:
    """Arrival (and leaving) times typed on the shift's local day; a leaving time earlier than the
    arrival is the next day (a night shift). None when the text does not start with a time."""
    match = _TIMES.match(ascii_digits(text))
    if match is None or (match.group(2) is None and match.group(4) is None and match.group(3) is None):
        return None  # a bare number is minutes, not a time of day
    start = _clock(match.group(1), match.group(2), match.group(3))
    end = _clock(match.group(4), match.group(5), match.group(6)) if match.group(4) else None
    if start is None or (match.group(4) and end is None):
        return None
    checked_in_at = datetime.combine(day, start, tzinfo=zone)
    checked_out_at = None
    if end is not None:
        checked_out_at = datetime.combine(day, end, tzinfo=zone)
        if checked_out_at <= checked_in_at:
            checked_out_at += timedelta(days=1)
    return Times(checked_in_at.astimezone(UTC), checked_out_at.astimezone(UTC) if checked_out_at else None, (match.group(7) or "").strip())


async def shift_day(session: AsyncSession, *, zone: tzinfo, signup_id: int | None = None, attendance_id: int | None = None) -> date | None:
    """The local day a seat's (or a record's) shift starts on, which typed times are read on;
    None when there is no such seat, or the record has no shift (off-system hours)."""
    if signup_id is not None:
        query = select(col(Shift.starts_at)).join(Signup, col(Signup.shift_id) == col(Shift.id)).where(col(Signup.id) == signup_id)
    else:
        query = select(col(Shift.starts_at)).join(Attendance, col(Attendance.shift_id) == col(Shift.id)).where(col(Attendance.id) == attendance_id)
    starts_at = (await session.execute(query)).scalar_one_or_none()
    return starts_at.astimezone(zone).date() if starts_at is not None else None
