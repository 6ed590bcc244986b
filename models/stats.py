"""The program's figures for a year (and optionally a center), against its yearly targets.

Volunteers and hours are counted by the volunteer's home center; opportunities and shifts by the
center that runs them. Every figure is one aggregate query, so /stats stays fast at 2M records.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models import hours
from models.base import year_bounds
from models.tables import Attendance, Opportunity, OpportunityStatus, Shift, ShiftStatus, Volunteer


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
    minutes: int = 0  # confirmed: the official figure (models.hours)
    pending_minutes: int = 0  # credited by the sweep, waiting for a coordinator's review

    @property
    def hours(self) -> float:
        """Confirmed hours."""
        return self.minutes / 60

    @property
    def pending_hours(self) -> float:
        return self.pending_minutes / 60

    def economic_value(self, sar_per_hour: float) -> float:
        """Confirmed hours times the association's published SAR rate per hour (pending ones wait)."""
        return round(self.hours * sar_per_hour, 2)


def progress(value: float, target: int) -> float:
    """Share of the target reached, as a percentage (0 when there is no target)."""
    return 0.0 if target <= 0 else round(100 * value / target, 2)


def _figure_queries(*, year: int, zone: tzinfo, center_id: int | None) -> list[Select]:
    """The aggregate queries behind the figures: registered, active, minutes, offered, pending minutes."""
    start, end = year_bounds(year, zone)
    men, women = col(Volunteer.gender) == "male", col(Volunteer.gender) == "female"
    registered = select(
        func.count(),
        func.coalesce(func.sum(case((men, 1), else_=0)), 0),
        func.coalesce(func.sum(case((women, 1), else_=0)), 0),
        func.coalesce(func.sum(case((col(Volunteer.registered_at) >= start, 1), else_=0)), 0),
    ).where(col(Volunteer.registered_at) < end)

    # Active volunteers: one index seek per volunteer (volunteer_id, checked_in_at), no sort of the
    # year's records. Minutes: the whole program sums one index range (checked_in_at, ..., minutes);
    # a center sums its own volunteers' ranges of the per-volunteer index.
    in_year = (col(Attendance.checked_in_at) >= start) & (col(Attendance.checked_in_at) < end)
    active = select(
        func.count(),
        func.coalesce(func.sum(case((men, 1), else_=0)), 0),
        func.coalesce(func.sum(case((women, 1), else_=0)), 0),
    ).where(exists().where(col(Attendance.volunteer_id) == col(Volunteer.id), in_year))
    minutes = select(func.coalesce(func.sum(col(Attendance.credited_minutes)), 0)).where(in_year)
    # Every minute comes from the index above; the pending ones (subtracted) from the partial
    # index of flagged records: asking each of 2M records for its flag would visit every row.
    pending = select(hours.total(col(Attendance.credited_minutes))).where(hours.is_pending(), in_year)

    offered = (
        select(func.count(func.distinct(col(Shift.opportunity_id))), func.count())
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(
            col(Shift.starts_at) >= start,
            col(Shift.starts_at) < end,
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Opportunity.status) == OpportunityStatus.PUBLISHED,
        )
    )
    if center_id is not None:
        registered = registered.where(col(Volunteer.center_id) == center_id)
        active = active.where(col(Volunteer.center_id) == center_id)
        minutes = minutes.join(Volunteer, col(Volunteer.id) == col(Attendance.volunteer_id)).where(col(Volunteer.center_id) == center_id)
        pending = pending.join(Volunteer, col(Volunteer.id) == col(Attendance.volunteer_id)).where(col(Volunteer.center_id) == center_id)
        offered = offered.where(col(Opportunity.center_id) == center_id)
    return [registered, active, minutes, offered, pending]


def _figures(year: int, center_id: int | None, rows: list[Any]) -> Figures:
    registered, active, minutes, offered, pending = rows
    return Figures(
        year=year,
        center_id=center_id,
        registered_total=int(registered[0]),
        registered_men=int(registered[1]),
        registered_women=int(registered[2]),
        registered_in_year=int(registered[3]),
        active_total=int(active[0]),
        active_men=int(active[1]),
        active_women=int(active[2]),
        minutes=int(minutes[0]) - int(pending[0]),
        pending_minutes=int(pending[0]),
        opportunities=int(offered[0]),
        shifts=int(offered[1]),
    )


async def program_figures(
    session: AsyncSession, *, year: int, zone: tzinfo, center_id: int | None = None
) -> Figures:
    """Registered and active volunteers (men, women), opportunities, shifts and hours of a year."""
    queries = _figure_queries(year=year, zone=zone, center_id=center_id)
    return _figures(year, center_id, [(await session.execute(q)).one() for q in queries])


async def program_figures_in_parallel(
    sessions: async_sessionmaker[AsyncSession], *, year: int, zone: tzinfo, center_id: int | None = None
) -> Figures:
    """The same figures, each query on its own connection at the same time (PostgreSQL).

    SQLite answers one writer-locked transaction at a time here, so it runs them in one session.
    """
    queries = _figure_queries(year=year, zone=zone, center_id=center_id)
    async with sessions() as probe:
        if probe.get_bind().dialect.name != "postgresql":
            return await program_figures(probe, year=year, zone=zone, center_id=center_id)

    async def one(query: Select) -> Any:
        async with sessions() as session:
            return (await session.execute(query)).one()

    return _figures(year, center_id, list(await asyncio.gather(*(one(q) for q in queries))))
