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
        Signup.volunteer_id == Volunteer.id, Shift.id == Signup.shift_id,
        Opportunity.id == Shift.opportunity_id, Opportunity.center_id.in_(ids),  # type: ignore[attr-defined]
    )
    work = exists().where(
        Attendance.volunteer_id == Volunteer.id, OffSystemWork.attendance_id == Attendance.id,
        OffSystemWork.center_id.in_(ids),  # type: ignore[union-attr]
    )
    return or_(Volunteer.center_id.in_(ids), seat, work)  # type: ignore[union-attr]


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
        name = Volunteer.display_name
        clause = name.like(pattern, escape="\\") if sqlite else name.ilike(pattern, escape="\\")  # type: ignore[union-attr]
    # The ids first (read from the indexes alone), then the few rows they name.
    query = select(Volunteer.id).where(clause)
    if center_ids is not None:
        query = query.where(_related(center_ids))
    ids = list((await session.execute(query.order_by(Volunteer.display_name, Volunteer.id).limit(limit + 1))).scalars())
    if not ids:
        return Matches([], False)
    found = {v.id: v for v in (await session.execute(select(Volunteer).where(Volunteer.id.in_(ids[:limit])))).scalars()}  # type: ignore[union-attr]
    return Matches([found[i] for i in ids[:limit] if i in found], len(ids) > limit)


async def relating_center(session: AsyncSession, *, volunteer: Volunteer, center_ids: frozenset[int]) -> int:
    """The center through which a coordinator of these centers may see this volunteer: their home
    center if managed, else one where they held a seat or worked; else their home center (or 0,
    a center nobody manages), which authorize() refuses for coordinators."""
    if volunteer.center_id is not None and volunteer.center_id in center_ids:
        return volunteer.center_id
    ids = center_ids or frozenset({-1})
    via_seat = await session.execute(
        select(Opportunity.center_id).join(Shift, Shift.opportunity_id == Opportunity.id).join(Signup, Signup.shift_id == Shift.id)
        .where(Signup.volunteer_id == volunteer.id, Opportunity.center_id.in_(ids)).limit(1)  # type: ignore[attr-defined]
    )
    via_work = await session.execute(
        select(OffSystemWork.center_id).join(Attendance, Attendance.id == OffSystemWork.attendance_id)
        .where(Attendance.volunteer_id == volunteer.id, OffSystemWork.center_id.in_(ids)).limit(1)  # type: ignore[union-attr]
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
        Opportunity.center_id.in_(ids),  # type: ignore[attr-defined]
        OffSystemWork.center_id.in_(ids),  # type: ignore[union-attr]
        and_(Attendance.shift_id.is_(None), OffSystemWork.center_id.is_(None), home),  # type: ignore[union-attr]
    )


async def volunteer_records(
    session: AsyncSession, *, volunteer: Volunteer, center_ids: frozenset[int] | None, now: datetime,
    early_minutes: int, page: int = 0, page_size: int = PAGE_SIZE,
) -> VolunteerRecords:
    """A volunteer's records, newest first, one page of them, with their totals and the seats
    without a check-in that a coordinator may record as present (all within the actor's centers)."""
    assert volunteer.id is not None
    scope = _record_scope(center_ids, volunteer)

    def joined(*columns):  # type: ignore[no-untyped-def]
        return (
            select(*columns).select_from(Attendance)
            .outerjoin(Shift, Shift.id == Attendance.shift_id)
            .outerjoin(OffSystemWork, OffSystemWork.attendance_id == Attendance.id)
            .outerjoin(Opportunity, Opportunity.id == func.coalesce(Shift.opportunity_id, OffSystemWork.opportunity_id))
            .where(Attendance.volunteer_id == volunteer.id, scope)
        )

    done = Attendance.checked_out_at.is_not(None)  # type: ignore[union-attr]
    count, total = (await session.execute(joined(
        func.count(), func.coalesce(func.sum(Attendance.credited_minutes).filter(done), 0)))).one()
    rows = list(await session.execute(
        joined(Attendance, Shift, Opportunity, OffSystemWork)
        .order_by(Attendance.checked_in_at.desc(), Attendance.id.desc())  # type: ignore[attr-defined]
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
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(
            Signup.volunteer_id == volunteer_id,
            Signup.status.in_((SignupStatus.CONFIRMED, SignupStatus.NO_SHOW)),  # type: ignore[attr-defined]
            Shift.status == ShiftStatus.ACTIVE,
            Shift.starts_at <= now + timedelta(minutes=early_minutes),
            Shift.starts_at >= now - SEATS_LOOKBACK,
            ~exists().where(Attendance.signup_id == Signup.id),
        )
        .order_by(Shift.starts_at.desc())  # type: ignore[attr-defined]
        .limit(SEATS_LIMIT)
    )
    if center_ids is not None:
        query = query.where(Opportunity.center_id.in_(center_ids or {-1}))  # type: ignore[attr-defined]
    return [OpenSeat(signup, shift, opportunity) for signup, shift, opportunity in await session.execute(query)]


@dataclass(frozen=True)
class WorkPlace:
    """Where off-system work was done: an opportunity (and its center), or a center."""

    center: Center
    opportunity: Opportunity | None = None


async def work_place(session: AsyncSession, *, code: str) -> WorkPlace | None:
    """The opportunity with this ref, else the center with this code (what /addhours names)."""
    opportunity = (await session.execute(select(Opportunity).where(Opportunity.ref == code))).scalar_one_or_none()
    if opportunity is not None:
        center = await session.get(Center, opportunity.center_id)
        assert center is not None
        return WorkPlace(center, opportunity)
    center = (await session.execute(select(Center).where(func.lower(Center.code) == code.lower()))).scalar_one_or_none()
    return WorkPlace(center) if center is not None else None
