"""What coordinators do with attendance: the on-site roster, flagged records, corrections, no-shows,
and hours for work done outside the bot. Every correction is audited with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import record_action
from models.hours import confirm_record
from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.qualifications import grant_for_attendance
from models.tables import (
    Attendance,
    OffSystemWork,
    Opportunity,
    Shift,
    Signup,
    SignupStatus,
    Volunteer,
)

MAX_MINUTES = 24 * 60
REASON_MAX = 200
LATE_AFTER = timedelta(minutes=10)


@dataclass
class Roster:
    shift: Shift
    opportunity: Opportunity
    here: list[tuple[Volunteer, Attendance]] = field(default_factory=list)
    left: list[tuple[Volunteer, Attendance]] = field(default_factory=list)
    late: list[tuple[Volunteer, Signup]] = field(default_factory=list)  # started, not checked in yet
    missing: list[tuple[Volunteer, Signup]] = field(default_factory=list)  # ended without a check-in
    expected: list[tuple[Volunteer, Signup]] = field(default_factory=list)  # not started yet
    no_shows: list[tuple[Volunteer, Signup]] = field(default_factory=list)
    offered: list[tuple[Volunteer, Signup]] = field(default_factory=list)  # a seat held for their answer


async def shift_roster(session: AsyncSession, *, shift_id: int, now: datetime) -> Roster | None:
    """Who is checked in now, who left, who is late, who is missing."""
    shift = await session.get(Shift, shift_id)
    if shift is None:
        return None
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    roster = Roster(shift, opportunity)
    rows = await session.execute(
        select(Signup, Volunteer, Attendance)
        .join(Volunteer, col(Volunteer.id) == col(Signup.volunteer_id))
        .outerjoin(Attendance, col(Attendance.signup_id) == col(Signup.id))
        .where(col(Signup.shift_id) == shift_id, col(Signup.status).in_((SignupStatus.CONFIRMED, SignupStatus.NO_SHOW, SignupStatus.OFFERED)))
        .order_by(col(Volunteer.display_name), col(Volunteer.id))
    )
    for signup, volunteer, attendance in rows:
        if signup.status == SignupStatus.NO_SHOW:
            roster.no_shows.append((volunteer, signup))
        elif signup.status == SignupStatus.OFFERED:
            roster.offered.append((volunteer, signup))
        elif attendance is not None:
            (roster.left if attendance.checked_out_at else roster.here).append((volunteer, attendance))
        elif now < shift.starts_at + LATE_AFTER:
            roster.expected.append((volunteer, signup))
        elif now < shift.ends_at:
            roster.late.append((volunteer, signup))
        else:
            roster.missing.append((volunteer, signup))
    return roster


@dataclass
class FlaggedRecord:
    attendance: Attendance
    volunteer: Volunteer
    shift: Shift | None
    opportunity: Opportunity | None

    @property
    def forgot_check_out(self) -> bool:
        return self.attendance.checked_out_at is None


def _flagged_query(columns: list[Any], *, center_ids: frozenset[int] | None, now: datetime, grace_minutes: int) -> Select:
    """Flagged records, and check-ins never closed after the shift's end and grace."""
    forgot = (col(Attendance.checked_out_at).is_(None)) & (col(Shift.ends_at) < now - timedelta(minutes=grace_minutes))
    query = (
        select(*columns)
        .select_from(Attendance)
        .join(Shift, col(Shift.id) == col(Attendance.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(or_(col(Attendance.flagged) == True, forgot))  # noqa: E712 (this spelling matches the partial index)
    )
    if center_ids is not None:
        query = query.where(col(Opportunity.center_id).in_(center_ids or {-1}))
    return query


async def flagged_records(
    session: AsyncSession, *, center_ids: frozenset[int] | None, now: datetime, grace_minutes: int, limit: int = 10
) -> list[FlaggedRecord]:
    """Records to review, oldest first."""
    query = (
        _flagged_query([Attendance, Volunteer, Shift, Opportunity], center_ids=center_ids, now=now, grace_minutes=grace_minutes)
        .join(Volunteer, col(Volunteer.id) == col(Attendance.volunteer_id))
        .order_by(col(Attendance.checked_in_at), col(Attendance.id))
        .limit(limit)
    )
    return [FlaggedRecord(*row) for row in await session.execute(query)]


async def count_flagged(session: AsyncSession, *, center_ids: frozenset[int] | None, now: datetime, grace_minutes: int) -> int:
    """How many records wait for review."""
    query = _flagged_query([func.count()], center_ids=center_ids, now=now, grace_minutes=grace_minutes)
    return int((await session.execute(query)).scalar_one())


class ReviewProblem(StrEnum):
    MINUTES = "minutes"
    REASON = "reason"
    NOT_ENDED = "not_ended"
    ALREADY = "already"
    CHECKED_IN = "checked_in"
    REVIEWED = "reviewed"
    OPEN = "open"


class ReviewError(ValueError):
    def __init__(self, problem: ReviewProblem):
        super().__init__(problem)
        self.problem = problem


def _check(minutes: int, reason: str, *, allow_zero: bool) -> str:
    if not (0 if allow_zero else 1) <= minutes <= MAX_MINUTES:
        raise ReviewError(ReviewProblem.MINUTES)
    cleaned = " ".join(reason.split())
    if not 3 <= len(cleaned) <= REASON_MAX:
        raise ReviewError(ReviewProblem.REASON)
    return cleaned


async def adjust_credited_minutes(
    session: AsyncSession, *, attendance_id: int, minutes: int, reason: str, actor_telegram_id: int, now: datetime
) -> Attendance:
    """Set the minutes a record credits (closing a forgotten check-out) and clear its flag."""
    reason = _check(minutes, reason, allow_zero=True)
    attendance = (await session.execute(select(Attendance).where(col(Attendance.id) == attendance_id).with_for_update())).scalar_one()
    before = attendance.credited_minutes
    if attendance.checked_out_at is None:
        attendance.checked_out_at = now
    attendance.credited_minutes = minutes
    confirm_record(attendance, now=now)
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="attendance.adjust", target=f"attendance:{attendance_id}",
        detail=f"{before} -> {minutes} min: {reason}", now=now,
    )
    await tell_hours_adjusted(session, attendance=attendance, reason=reason, now=now, before_minutes=before)
    await grant_for_attendance(session, attendance=attendance, now=now)  # a course record now confirmed
    return attendance


async def keep_as_is(session: AsyncSession, *, attendance_id: int, actor_telegram_id: int, now: datetime) -> Attendance:
    """A coordinator confirms a flagged record's credited minutes: the flag is cleared, the hours stay."""
    attendance = (await session.execute(select(Attendance).where(col(Attendance.id) == attendance_id).with_for_update())).scalar_one()
    if attendance.checked_out_at is None:
        raise ReviewError(ReviewProblem.OPEN)
    if not attendance.flagged:
        raise ReviewError(ReviewProblem.REVIEWED)
    reason = attendance.flag_reason
    confirm_record(attendance, now=now)
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="attendance.keep", target=f"attendance:{attendance_id}",
        detail=f"kept {attendance.credited_minutes} min (was flagged: {reason})", now=now,
    )
    await grant_for_attendance(session, attendance=attendance, now=now)  # a course record now confirmed
    return attendance


async def mark_no_show(session: AsyncSession, *, signup_id: int, actor_telegram_id: int, now: datetime) -> Signup:
    """A confirmed volunteer who never came to a shift that has started."""
    signup = (await session.execute(select(Signup).where(col(Signup.id) == signup_id).with_for_update())).scalar_one()
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    if signup.status == SignupStatus.NO_SHOW:
        raise ReviewError(ReviewProblem.ALREADY)
    if shift.starts_at > now or signup.status != SignupStatus.CONFIRMED:
        raise ReviewError(ReviewProblem.NOT_ENDED)
    checked_in = (await session.execute(select(col(Attendance.id)).where(col(Attendance.signup_id) == signup_id))).first()
    if checked_in is not None:
        raise ReviewError(ReviewProblem.CHECKED_IN)
    signup.status = SignupStatus.NO_SHOW
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="signup.no_show", target=f"signup:{signup_id}", now=now,
    )
    return signup


class WorkDateProblem(StrEnum):
    FUTURE = "future"
    TOO_OLD = "too_old"


# Off-system work is dated by the day it was done; a record of it is placed at noon that day
# (local time), so the day is the same in every zone a report may read it in.
WORK_DAY_NOON = time(12, 0)


def off_system_moment(worked_on: date, *, now: datetime, zone: tzinfo) -> datetime | WorkDateProblem:
    """When a record of work done on that day is placed; refused in the future or over a year ago."""
    today = now.astimezone(zone).date()
    if worked_on > today:
        return WorkDateProblem.FUTURE
    year_ago = today.replace(year=today.year - 1, day=28 if (today.month, today.day) == (2, 29) else today.day)
    if worked_on < year_ago:
        return WorkDateProblem.TOO_OLD
    return min(datetime.combine(worked_on, WORK_DAY_NOON, tzinfo=zone), now)


async def add_off_system_minutes(
    session: AsyncSession, *, volunteer: Volunteer, minutes: int, reason: str, actor_telegram_id: int, now: datetime,
    worked_at: datetime | None = None, center_id: int | None = None, opportunity_id: int | None = None,
) -> Attendance:
    """Hours for work done outside the bot: a manual record with no shift, dated when the work was
    done (now when not said), with the center (and opportunity) it was done for."""
    reason = _check(minutes, reason, allow_zero=False)
    at = worked_at or now
    record = Attendance(
        volunteer_id=volunteer.id, shift_id=None, signup_id=None, checked_in_at=at, checked_out_at=at,  # type: ignore[arg-type]  # rows loaded from the database have their ids
        method="manual", credited_minutes=minutes, flag_reason="off-system",
    )
    session.add(record)
    await session.flush()
    assert record.id is not None
    session.add(OffSystemWork(attendance_id=record.id, center_id=center_id or volunteer.center_id,
                              opportunity_id=opportunity_id, reason=reason, added_by_telegram_id=actor_telegram_id))
    await session.flush()
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="attendance.add_manual", target=f"volunteer:{volunteer.telegram_id}",
        detail=(f"none -> attendance:{record.id} on {at.isoformat()} center={center_id or volunteer.center_id} "
                f"opportunity={opportunity_id}: {minutes} min: {reason}"), now=now,
    )
    await tell_hours_adjusted(session, attendance=record, reason=reason, now=now)
    return record


async def tell_hours_adjusted(
    session: AsyncSession, *, attendance: Attendance, reason: str, now: datetime, before_minutes: int | None = None,
    times: bool = False,
) -> None:
    """The volunteer hears of every change a coordinator makes to their hours, with the reason (and
    what the record credited before; times=True: the arrival and leaving times were changed)."""
    volunteer = await session.get(Volunteer, attendance.volunteer_id)
    assert volunteer is not None and attendance.id is not None
    payload: dict[str, object] = {"attendance_id": attendance.id, "reason": reason}
    if before_minutes is not None:
        payload["before_minutes"] = before_minutes
    if times:
        payload["times"] = True
    await enqueue(
        session,
        key=f"hours-adjusted:{attendance.id}:{now.isoformat()}",
        chat_id=volunteer.telegram_id,
        volunteer_id=volunteer.id,
        kind=NoticeKind.HOURS_ADJUSTED,
        payload=payload,
        now=now,
        priority=PRIORITY_NOTICE,
    )
