"""The program's figures for a year (and optionally a center), against its yearly targets.

Volunteers and hours are counted by the volunteer's home center; opportunities and shifts by the
center that runs them. Every figure is one aggregate query, so /stats stays fast at 2M records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Attendance, Opportunity, OpportunityStatus, Shift, ShiftStatus, Volunteer


@dataclass(frozen=True)
class Targets:
    volunteers: int
    opportunities: int
    hours: int


@dataclass
class Figures:
    year: int
    center_id: int | None
    registered_men: int = 0
    registered_women: int = 0
    registered_total: int = 0
    registered_in_year: int = 0
    active_men: int = 0
    active_women: int = 0
    active_total: int = 0
    opportunities: int = 0
    shifts: int = 0
    minutes: int = 0

    @property
    def hours(self) -> float:
        return self.minutes / 60

    def economic_value(self, sar_per_hour: float) -> float:
        """Hours given times the association's published SAR rate per hour."""
        return round(self.hours * sar_per_hour, 2)


def year_bounds(year: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """The local calendar year as [start, end) instants."""
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def progress(value: float, target: int) -> float:
    """Share of the target reached, as a percentage (0 when there is no target)."""
    return 0.0 if target <= 0 else round(100 * value / target, 2)


async def program_figures(
    session: AsyncSession, *, year: int, zone: tzinfo, center_id: int | None = None
) -> Figures:
    """Registered and active volunteers (men, women), opportunities, shifts and hours of a year."""
    start, end = year_bounds(year, zone)
    figures = Figures(year=year, center_id=center_id)
    men, women = Volunteer.gender == "male", Volunteer.gender == "female"

    registered = select(
        func.count(),
        func.coalesce(func.sum(case((men, 1), else_=0)), 0),
        func.coalesce(func.sum(case((women, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Volunteer.registered_at >= start, 1), else_=0)), 0),  # type: ignore[operator]
    ).where(Volunteer.registered_at < end)  # type: ignore[operator]
    if center_id is not None:
        registered = registered.where(Volunteer.center_id == center_id)
    row = (await session.execute(registered)).one()
    figures.registered_total, figures.registered_men, figures.registered_women, figures.registered_in_year = map(int, row)

    # Active volunteers: one index seek per volunteer (volunteer_id, checked_in_at), no sort of the
    # year's records. Minutes: the whole program sums one index range (checked_in_at, ..., minutes);
    # a center sums its own volunteers' ranges of the per-volunteer index.
    in_year = (Attendance.checked_in_at >= start) & (Attendance.checked_in_at < end)
    came = exists().where(Attendance.volunteer_id == Volunteer.id, in_year)
    active = select(
        func.count(),
        func.coalesce(func.sum(case((men, 1), else_=0)), 0),
        func.coalesce(func.sum(case((women, 1), else_=0)), 0),
    ).where(came)
    minutes = select(func.coalesce(func.sum(Attendance.credited_minutes), 0)).where(in_year)
    if center_id is not None:
        active = active.where(Volunteer.center_id == center_id)
        minutes = minutes.join(Volunteer, Volunteer.id == Attendance.volunteer_id).where(Volunteer.center_id == center_id)
    row = (await session.execute(active)).one()
    figures.active_total, figures.active_men, figures.active_women = map(int, row)
    figures.minutes = int((await session.execute(minutes)).scalar_one())

    offered = (
        select(func.count(func.distinct(Shift.opportunity_id)), func.count())
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(
            Shift.starts_at >= start,
            Shift.starts_at < end,
            Shift.status == ShiftStatus.ACTIVE,
            Opportunity.status == OpportunityStatus.PUBLISHED,
        )
    )
    if center_id is not None:
        offered = offered.where(Opportunity.center_id == center_id)
    row = (await session.execute(offered)).one()
    figures.opportunities, figures.shifts = int(row[0]), int(row[1])
    return figures
