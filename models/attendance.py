"""Check-in, check-out and the hours they credit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import hours
from models.audit import record_action
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

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


class CheckInOutcome(StrEnum):
    CHECKED_IN = "checked_in"
    NO_SHIFT = "no_shift"  # holds nothing today
    TOO_EARLY = "too_early"
    ALREADY = "already"
    TOO_FAR = "too_far"
    BAD_CODE = "bad_code"
    NOT_HOLDER = "not_holder"
    ENDED = "ended"
    # Proof of presence (issue 9): what a location or a code cannot prove.
    FORWARDED = "forwarded"  # someone else's location: forwarded, or sent through an inline bot
    VENUE = "venue"  # a place picked from a list: where the place is, not where the phone is
    POOR_ACCURACY = "poor_accuracy"  # the phone cannot tell whether it is on the site
    CODE_EXPIRED = "code_expired"  # a genuine code, but an old one (a photo, a forward)
    BAD_DIGITS = "bad_digits"  # typed digits that match none of the volunteer's shifts now
    WAIT = "wait"  # too many wrong codes lately


@dataclass
class CheckInResult:
    outcome: CheckInOutcome
    shift: Shift | None = None
    opportunity: Opportunity | None = None
    attendance: Attendance | None = None
    distance_m: float | None = None
    opens_at: datetime | None = None
    accuracy_m: float | None = None
    wait_minutes: int | None = None


@dataclass(frozen=True)
class SharedLocation:
    """A location as Telegram delivered it, with what tells whether it proves presence."""

    latitude: float
    longitude: float
    accuracy_m: float | None = None  # Telegram's horizontal_accuracy, when the phone sent one
    live: bool = False  # a live location (its later positions arrive as edits)
    forwarded: bool = False  # forwarded, or sent through an inline bot
    venue: bool = False


def location_refusal(location: SharedLocation) -> CheckInOutcome | None:
    """Why this location cannot prove where the volunteer is, or None when it may."""
    if location.forwarded:
        return CheckInOutcome.FORWARDED
    if location.venue:
        return CheckInOutcome.VENUE
    return None


def location_method(location: SharedLocation) -> str:
    """How the check-in was proven, as kept on the record: a live location is the stronger proof
    (a plain one can be a pin dropped on the map, which Telegram does not tell apart)."""
    return "live" if location.live else "location"


class CheckOutOutcome(StrEnum):
    CHECKED_OUT = "checked_out"
    NOT_CHECKED_IN = "not_checked_in"
    ALREADY_OUT = "already_out"  # the record named was closed meanwhile (a second tap)


@dataclass
class CheckOutResult:
    outcome: CheckOutOutcome
    attendance: Attendance | None = None
    shift: Shift | None = None
    opportunity: Opportunity | None = None


async def held_shifts(
    session: AsyncSession, *, volunteer_id: int, now: datetime
) -> list[tuple[Signup, Shift, Opportunity]]:
    """Confirmed shifts that have not ended and start within a day, soonest first."""
    rows = await session.execute(
        select(Signup, Shift, Opportunity)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(
            col(Signup.volunteer_id) == volunteer_id,
            col(Signup.status) == SignupStatus.CONFIRMED,
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.ends_at) > now,
            col(Shift.starts_at) <= now + timedelta(days=1),
        )
        .order_by(col(Shift.starts_at))
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]  # a Row is a tuple of the selected columns


async def _record_check_in(
    session: AsyncSession, *, signup: Signup, shift: Shift, now: datetime, method: str
) -> Attendance | None:
    attendance = Attendance(
        signup_id=signup.id,
        shift_id=shift.id,
        volunteer_id=signup.volunteer_id,
        checked_in_at=now,
        method=method,
    )
    try:
        async with session.begin_nested():
            session.add(attendance)
    except IntegrityError:
        return None  # a concurrent duplicate got there first
    return attendance


async def _existing_attendance(session: AsyncSession, signup_id: int | None) -> Attendance | None:
    result = await session.execute(select(Attendance).where(col(Attendance.signup_id) == signup_id))
    return result.scalar_one_or_none()


async def check_in_by_location(
    session: AsyncSession,
    *,
    volunteer: Volunteer,
    location: SharedLocation,
    now: datetime,
    early_minutes: int,
) -> CheckInResult:
    """Check in to the shift whose window is open now, if the volunteer stands on its site.

    A forwarded location or a venue proves nothing and is refused first. When the phone reports
    an accuracy worse than the site's radius and the point could be on the site, it cannot tell:
    the volunteer is asked to try again in the open (one clearly far away is simply too far).
    """
    assert volunteer.id is not None
    refusal = location_refusal(location)
    if refusal is not None:
        return CheckInResult(refusal)
    early = timedelta(minutes=early_minutes)
    held = await held_shifts(session, volunteer_id=volunteer.id, now=now)
    if not held:
        return CheckInResult(CheckInOutcome.NO_SHIFT)
    open_now = [row for row in held if row[1].starts_at - early <= now]
    if not open_now:
        first = held[0][1]
        return CheckInResult(
            CheckInOutcome.TOO_EARLY, shift=first, opportunity=held[0][2], opens_at=first.starts_at - early
        )
    accuracy = location.accuracy_m or 0.0
    nearest: CheckInResult | None = None
    for signup, shift, opportunity in open_now:
        if await _existing_attendance(session, signup.id) is not None:
            nearest = nearest or CheckInResult(CheckInOutcome.ALREADY, shift=shift, opportunity=opportunity)
            continue
        if shift.latitude is None or shift.longitude is None:
            continue  # a site without coordinates takes the code only
        distance = distance_m(location.latitude, location.longitude, shift.latitude, shift.longitude)
        if accuracy > shift.radius_m and distance - accuracy <= shift.radius_m:
            nearest = CheckInResult(
                CheckInOutcome.POOR_ACCURACY, shift=shift, opportunity=opportunity, distance_m=distance, accuracy_m=accuracy
            )
            continue
        if distance <= shift.radius_m:
            attendance = await _record_check_in(session, signup=signup, shift=shift, now=now, method=location_method(location))
            if attendance is None:
                return CheckInResult(CheckInOutcome.ALREADY, shift=shift, opportunity=opportunity)
            return CheckInResult(
                CheckInOutcome.CHECKED_IN, shift=shift, opportunity=opportunity, attendance=attendance, distance_m=distance
            )
        if nearest is None or nearest.outcome == CheckInOutcome.TOO_FAR and distance < (nearest.distance_m or 0):
            nearest = CheckInResult(CheckInOutcome.TOO_FAR, shift=shift, opportunity=opportunity, distance_m=distance)
    return nearest or CheckInResult(CheckInOutcome.TOO_FAR, shift=open_now[0][1], opportunity=open_now[0][2])


async def check_in_holder(
    session: AsyncSession, *, volunteer: Volunteer, shift: Shift, now: datetime, early_minutes: int, method: str
) -> CheckInResult:
    """Check in to this shift, whose presence was proven otherwise (a code): a seat, its time."""
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    if shift.status != ShiftStatus.ACTIVE:
        return CheckInResult(CheckInOutcome.BAD_CODE, shift=shift, opportunity=opportunity)
    signup = (
        await session.execute(
            select(Signup).where(
                col(Signup.shift_id) == shift.id,
                col(Signup.volunteer_id) == volunteer.id,
                col(Signup.status) == SignupStatus.CONFIRMED,
            )
        )
    ).scalar_one_or_none()
    if signup is None:
        return CheckInResult(CheckInOutcome.NOT_HOLDER, shift=shift, opportunity=opportunity)
    assert opportunity is not None
    refused = window_refusal(shift, opportunity, now=now, early_minutes=early_minutes)
    if refused is not None:
        return refused
    if await _existing_attendance(session, signup.id) is not None:
        return CheckInResult(CheckInOutcome.ALREADY, shift=shift, opportunity=opportunity)
    attendance = await _record_check_in(session, signup=signup, shift=shift, now=now, method=method)
    if attendance is None:
        return CheckInResult(CheckInOutcome.ALREADY, shift=shift, opportunity=opportunity)
    return CheckInResult(CheckInOutcome.CHECKED_IN, shift=shift, opportunity=opportunity, attendance=attendance)


def window_refusal(shift: Shift, opportunity: Opportunity, *, now: datetime, early_minutes: int) -> CheckInResult | None:
    """ENDED or TOO_EARLY when the shift's check-in window (from `early_minutes` before the start
    to the end) is not open now; None when it is."""
    if now >= shift.ends_at:
        return CheckInResult(CheckInOutcome.ENDED, shift=shift, opportunity=opportunity)
    opens_at = shift.starts_at - timedelta(minutes=early_minutes)
    if now < opens_at:
        return CheckInResult(CheckInOutcome.TOO_EARLY, shift=shift, opportunity=opportunity, opens_at=opens_at)
    return None


def credit_minutes(*, checked_in_at: datetime, checked_out_at: datetime, shift: Shift, grace_minutes: int) -> int:
    """Whole minutes actually spent, never more than the shift's length plus the grace."""
    spent = max(timedelta(0), checked_out_at - checked_in_at)
    cap = (shift.ends_at - shift.starts_at) + timedelta(minutes=grace_minutes)
    return int(min(spent, cap).total_seconds() // 60)


async def open_attendance(
    session: AsyncSession, *, volunteer_id: int
) -> tuple[Attendance, Shift, Opportunity] | None:
    row = (
        await session.execute(
            select(Attendance, Shift, Opportunity)
            .join(Shift, col(Shift.id) == col(Attendance.shift_id))
            .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .where(col(Attendance.volunteer_id) == volunteer_id, col(Attendance.checked_out_at).is_(None))
            .order_by(col(Attendance.checked_in_at))
            .limit(1)
            .with_for_update(of=Attendance)
        )
    ).first()
    return tuple(row) if row else None  # type: ignore[return-value]  # a Row is a tuple of the selected columns


async def check_out(
    session: AsyncSession, *, volunteer: Volunteer, now: datetime, grace_minutes: int, attendance_id: int | None = None
) -> CheckOutResult:
    """Close the open check-in (the one named, when the volunteer confirmed a particular one) and
    credit the time spent."""
    assert volunteer.id is not None
    if attendance_id is None:
        found = await open_attendance(session, volunteer_id=volunteer.id)
    else:
        found = await _own_attendance(session, volunteer_id=volunteer.id, attendance_id=attendance_id)
        if found is not None and found[0].checked_out_at is not None:
            return CheckOutResult(CheckOutOutcome.ALREADY_OUT, attendance=found[0], shift=found[1], opportunity=found[2])
    if found is None:
        return CheckOutResult(CheckOutOutcome.NOT_CHECKED_IN)
    attendance, shift, opportunity = found
    attendance.checked_out_at = now
    attendance.checked_out_by = volunteer.telegram_id
    attendance.credited_minutes = credit_minutes(
        checked_in_at=attendance.checked_in_at, checked_out_at=now, shift=shift, grace_minutes=grace_minutes
    )
    await session.flush()
    await grant_for_attendance(session, attendance=attendance, now=now)  # a course attended grants its qualification
    return CheckOutResult(CheckOutOutcome.CHECKED_OUT, attendance=attendance, shift=shift, opportunity=opportunity)


async def _own_attendance(
    session: AsyncSession, *, volunteer_id: int, attendance_id: int
) -> tuple[Attendance, Shift, Opportunity] | None:
    """This volunteer's record of a shift, locked; None for anyone else's (a forged button)."""
    row = (
        await session.execute(
            select(Attendance, Shift, Opportunity)
            .join(Shift, col(Shift.id) == col(Attendance.shift_id))
            .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .where(col(Attendance.id) == attendance_id, col(Attendance.volunteer_id) == volunteer_id)
            .with_for_update(of=Attendance)
        )
    ).first()
    return tuple(row) if row else None  # type: ignore[return-value]  # a Row is a tuple of the selected columns


# A check-out tapped by mistake can be taken back this long after it (and while the shift, with
# its grace, has not ended: after that the forgotten-check-out sweep would close it again).
UNDO_WINDOW = timedelta(minutes=10)


class UndoOutcome(StrEnum):
    UNDONE = "undone"
    TOO_LATE = "too_late"  # more than UNDO_WINDOW after the check-out
    SHIFT_OVER = "shift_over"  # the shift and its grace have ended
    NOT_CHECKED_OUT = "not_checked_out"  # undone already
    NOT_THEIRS = "not_theirs"  # closed by a coordinator or by the bot: theirs to change
    OTHER_OPEN = "other_open"  # checked in to another shift since
    UNKNOWN = "unknown"  # no such record of this volunteer (a forged button)


@dataclass
class UndoResult:
    outcome: UndoOutcome
    attendance: Attendance | None = None
    opportunity: Opportunity | None = None
    before_minutes: int = 0


async def undo_check_out(
    session: AsyncSession, *, volunteer: Volunteer, attendance_id: int, now: datetime, grace_minutes: int
) -> UndoResult:
    """Reopen a check-out the volunteer made by mistake: checked in again, nothing credited until
    the real check-out. Audited (the volunteer is the actor)."""
    assert volunteer.id is not None
    found = await _own_attendance(session, volunteer_id=volunteer.id, attendance_id=attendance_id)
    if found is None:
        return UndoResult(UndoOutcome.UNKNOWN)
    attendance, shift, opportunity = found
    result = UndoResult(UndoOutcome.UNDONE, attendance, opportunity, attendance.credited_minutes)
    if attendance.checked_out_at is None:
        result.outcome = UndoOutcome.NOT_CHECKED_OUT
    elif attendance.checked_out_by != volunteer.telegram_id or attendance.flagged:
        result.outcome = UndoOutcome.NOT_THEIRS
    elif now - attendance.checked_out_at > UNDO_WINDOW:
        result.outcome = UndoOutcome.TOO_LATE
    elif now >= shift.ends_at + timedelta(minutes=grace_minutes):
        result.outcome = UndoOutcome.SHIFT_OVER
    elif await open_attendance(session, volunteer_id=volunteer.id) is not None:
        result.outcome = UndoOutcome.OTHER_OPEN
    if result.outcome != UndoOutcome.UNDONE:
        return result
    assert attendance.checked_out_at is not None
    before = f"out={attendance.checked_out_at.isoformat()} min={attendance.credited_minutes}"
    attendance.checked_out_at, attendance.checked_out_by, attendance.credited_minutes = None, None, 0
    await record_action(
        session, actor_telegram_id=volunteer.telegram_id, action="attendance.undo_checkout", target=f"attendance:{attendance.id}",
        detail=f"{before} -> open min=0: the volunteer undid their check-out", now=now,
    )
    return result


@dataclass
class HoursSummary:
    """A volunteer's hours: the confirmed ones count (models.hours), the pending ones are shown apart."""

    total_minutes: int  # confirmed
    year_minutes: int  # confirmed, this year
    shifts_completed: int
    next_milestone_hours: int | None
    pending_minutes: int = 0  # waiting for a coordinator's review, all time

    @property
    def minutes_to_next_milestone(self) -> int | None:
        if self.next_milestone_hours is None:
            return None
        return self.next_milestone_hours * 60 - self.total_minutes


async def hours_summary(
    session: AsyncSession,
    *,
    volunteer_id: int,
    year_start: datetime,
    milestones_hours: tuple[int, ...],
) -> HoursSummary:
    """Confirmed time (all of it and this year's), pending time, completed shifts, the next milestone."""
    this_year = col(Attendance.checked_in_at) >= year_start
    total, year, pending, shifts = (
        await session.execute(
            select(
                hours.total(hours.confirmed_minutes()),
                hours.total(case((this_year, hours.confirmed_minutes()), else_=0)),
                hours.total(hours.pending_minutes()),
                func.count(col(Attendance.shift_id)),
            ).where(col(Attendance.volunteer_id) == volunteer_id, col(Attendance.checked_out_at).is_not(None))
        )
    ).one()
    upcoming = [m for m in sorted(milestones_hours) if m * 60 > total]
    return HoursSummary(
        total_minutes=int(total),
        year_minutes=int(year),
        shifts_completed=int(shifts),
        next_milestone_hours=upcoming[0] if upcoming else None,
        pending_minutes=int(pending),
    )
