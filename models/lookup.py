"""The record lookup: find a volunteer by name, Telegram id or phone, and read their records.

A coordinator sees the volunteers of their centers: those whose home center they manage, and
those who held a seat, or did off-system work, in one of them; and of those volunteers, only
the records made in their centers. Admins see everyone and everything (center_ids None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

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
from models.volunteers import id_or_phone_clause

MATCH_LIMIT = 10
PAGE_SIZE = 8
# Seats without a check-in are offered for fixing this long after the shift began.
SEATS_LOOKBACK = timedelta(days=30)
SEATS_LIMIT = 5
NAME_MIN = 2


def _related(center_ids: frozenset[int]) -> ColumnElement[bool]:
    """The volunteer belongs to one of these centers, held a seat there, or worked there off-system."""
    ids = center_ids or frozenset({-1})
    seat = exists().where(
        col(Signup.volunteer_id) == col(Volunteer.id), col(Shift.id) == col(Signup.shift_id),
        col(Opportunity.id) == col(Shift.opportunity_id), col(Opportunity.center_id).in_(ids),
    )
    work = exists().where(
        col(Attendance.volunteer_id) == col(Volunteer.id), col(OffSystemWork.attendance_id) == col(Attendance.id),
        col(OffSystemWork.center_id).in_(ids),
    )
    return or_(col(Volunteer.center_id).in_(ids), seat, work)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class Matches:
    volunteers: list[Volunteer]
    more: bool  # more than MATCH_LIMIT matched: the query should be narrower


async def find_volunteers(
    session: AsyncSession, *, text: str, center_ids: frozenset[int] | None, limit: int = MATCH_LIMIT
) -> Matches:
    """Volunteers by Telegram id or phone (any form), else by a part of their name."""
    text = " ".join(text.split())
    clause = id_or_phone_clause(text)
    if clause is None:
        if len(text) < NAME_MIN:
            return Matches([], False)
        # SQLite's LIKE ignores the case of ASCII letters (and reads the name index alone);
        # PostgreSQL's ILIKE does the same. Arabic letters have no case.
        pattern = _like(text)
        sqlite = session.get_bind().dialect.name == "sqlite"
        name = col(Volunteer.display_name)
        clause = name.like(pattern, escape="\\") if sqlite else name.ilike(pattern, escape="\\")
    # The ids first (read from the indexes alone), then the few rows they name.
    query = select(col(Volunteer.id)).where(clause)
    if center_ids is not None:
        query = query.where(_related(center_ids))
    ids = list((await session.execute(query.order_by(col(Volunteer.display_name), col(Volunteer.id)).limit(limit + 1))).scalars())
    if not ids:
        return Matches([], False)
    found = {v.id: v for v in (await session.execute(select(Volunteer).where(col(Volunteer.id).in_(ids[:limit])))).scalars()}
    return Matches([found[i] for i in ids[:limit] if i in found], len(ids) > limit)


async def relating_center(session: AsyncSession, *, volunteer: Volunteer, center_ids: frozenset[int]) -> int:
    """The center through which a coordinator of these centers may see this volunteer: their home
    center if managed, else one where they held a seat or worked; else their home center (or 0,
    a center nobody manages), which authorize() refuses for coordinators."""
    if volunteer.center_id is not None and volunteer.center_id in center_ids:
        return volunteer.center_id
    ids = center_ids or frozenset({-1})
    via_seat = await session.execute(
        select(col(Opportunity.center_id)).join(Shift, col(Shift.opportunity_id) == col(Opportunity.id)).join(Signup, col(Signup.shift_id) == col(Shift.id))
        .where(col(Signup.volunteer_id) == volunteer.id, col(Opportunity.center_id).in_(ids)).limit(1)
    )
    via_work = await session.execute(
        select(col(OffSystemWork.center_id)).join(Attendance, col(Attendance.id) == col(OffSystemWork.attendance_id))
        .where(col(Attendance.volunteer_id) == volunteer.id, col(OffSystemWork.center_id).in_(ids)).limit(1)
    )
    found = via_seat.scalar_one_or_none() or via_work.scalar_one_or_none()
    return int(found or volunteer.center_id or 0)


@dataclass
class RecordLine:
    """One attendance record: of a shift, or of off-system work (with where it was done)."""

    attendance: Attendance
    shift: Shift | None
    opportunity: Opportunity | None  # the shift's, or the one off-system work was done for
    center: Center | None = None  # off-system work: the center it was done for
    note: str | None = None  # off-system work: the reason given

    @property
    def is_open(self) -> bool:
        return self.attendance.checked_out_at is None


@dataclass
class OpenSeat:
    """A seat on a recent or running shift without a check-in: a no-show, or someone missed."""

    signup: Signup
    shift: Shift
    opportunity: Opportunity


@dataclass
class VolunteerRecords:
    volunteer: Volunteer
    center: Center | None
    total_minutes: int
    record_count: int
    records: list[RecordLine] = field(default_factory=list)
    seats: list[OpenSeat] = field(default_factory=list)
    page: int = 0
    has_next: bool = False


def _record_scope(center_ids: frozenset[int] | None, volunteer: Volunteer) -> ColumnElement[bool]:
    if center_ids is None:
        return true()
    ids = center_ids or frozenset({-1})
    home = true() if volunteer.center_id in ids else false()
    return or_(
        col(Opportunity.center_id).in_(ids),
        col(OffSystemWork.center_id).in_(ids),
        and_(col(Attendance.shift_id).is_(None), col(OffSystemWork.center_id).is_(None), home),
    )


async def volunteer_records(
    session: AsyncSession, *, volunteer: Volunteer, center_ids: frozenset[int] | None, now: datetime,
    early_minutes: int, page: int = 0, page_size: int = PAGE_SIZE,
) -> VolunteerRecords:
    """A volunteer's records, newest first, one page of them, with their totals and the seats
    without a check-in that a coordinator may record as present (all within the actor's centers)."""
    assert volunteer.id is not None
    scope = _record_scope(center_ids, volunteer)

    def joined(*columns):
        return (
            select(*columns).select_from(Attendance)
            .outerjoin(Shift, col(Shift.id) == col(Attendance.shift_id))
            .outerjoin(OffSystemWork, col(OffSystemWork.attendance_id) == col(Attendance.id))
            .outerjoin(Opportunity, col(Opportunity.id) == func.coalesce(col(Shift.opportunity_id), col(OffSystemWork.opportunity_id)))
            .where(col(Attendance.volunteer_id) == volunteer.id, scope)
        )

    done = col(Attendance.checked_out_at).is_not(None)
    count, total = (await session.execute(joined(
        func.count(), func.coalesce(func.sum(col(Attendance.credited_minutes)).filter(done), 0)))).one()
    rows = list(await session.execute(
        joined(Attendance, Shift, Opportunity, OffSystemWork)
        .order_by(col(Attendance.checked_in_at).desc(), col(Attendance.id).desc())
        .offset(page * page_size).limit(page_size + 1)
    ))
    records = []
    for attendance, shift, opportunity, work in rows[:page_size]:
        center = await session.get(Center, work.center_id) if work is not None and work.center_id is not None else None
        records.append(RecordLine(attendance, shift, opportunity, center, work.reason if work is not None else None))
    seats = await _open_seats(session, volunteer_id=volunteer.id, center_ids=center_ids, now=now, early_minutes=early_minutes)
    home = await session.get(Center, volunteer.center_id) if volunteer.center_id is not None else None
    return VolunteerRecords(volunteer, home, int(total), int(count), records, seats, page, len(rows) > page_size)


async def _open_seats(
    session: AsyncSession, *, volunteer_id: int, center_ids: frozenset[int] | None, now: datetime, early_minutes: int
) -> list[OpenSeat]:
    query = (
        select(Signup, Shift, Opportunity)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(
            col(Signup.volunteer_id) == volunteer_id,
            col(Signup.status).in_((SignupStatus.CONFIRMED, SignupStatus.NO_SHOW)),
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.starts_at) <= now + timedelta(minutes=early_minutes),
            col(Shift.starts_at) >= now - SEATS_LOOKBACK,
            ~exists().where(col(Attendance.signup_id) == col(Signup.id)),
        )
        .order_by(col(Shift.starts_at).desc())
        .limit(SEATS_LIMIT)
    )
    if center_ids is not None:
        query = query.where(col(Opportunity.center_id).in_(center_ids or {-1}))
    return [OpenSeat(signup, shift, opportunity) for signup, shift, opportunity in await session.execute(query)]


@dataclass(frozen=True)
class WorkPlace:
    """Where off-system work was done: an opportunity (and its center), or a center."""

    center: Center
    opportunity: Opportunity | None = None


async def work_place(session: AsyncSession, *, code: str) -> WorkPlace | None:
    """The opportunity with this ref, else the center with this code (what /addhours names)."""
    opportunity = (await session.execute(select(Opportunity).where(col(Opportunity.ref) == code))).scalar_one_or_none()
    if opportunity is not None:
        center = await session.get(Center, opportunity.center_id)
        assert center is not None
        return WorkPlace(center, opportunity)
    center = (await session.execute(select(Center).where(func.lower(col(Center.code)) == code.lower()))).scalar_one_or_none()
    return WorkPlace(center) if center is not None else None
