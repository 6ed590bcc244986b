"""The monthly and yearly leaderboard of a center: its opted-in volunteers by confirmed hours.

Only volunteers who opted in are ranked and named (their first name: the first word of their
display name); opting out takes the name off at once, since the board is read afresh each time.
A volunteer who did not opt in still sees where they would stand, without being shown to anyone.
Volunteers belong to their home center (`Volunteer.center_id`); all their confirmed minutes in
the period count, wherever they served (models.hours: flagged records pending review do not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import desc, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import hours
from models.base import year_bounds
from models.tables import Attendance, Volunteer

BOARD_SIZE = 10


class Period(StrEnum):
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Standing:
    rank: int
    first_name: str
    minutes: int
    volunteer_id: int


@dataclass(frozen=True)
class Board:
    period: Period
    start: datetime  # the period's first instant (UTC)
    top: list[Standing]
    my_rank: int | None  # where the viewer stands (or would stand), None without confirmed time
    my_minutes: int


def first_name(display_name: str | None) -> str:
    """The first word of the display name: all the leaderboard ever shows of a person."""
    words = (display_name or "").split()
    return words[0] if words else "—"


def period_bounds(period: Period, *, now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """This local month or year, as [start, end) instants in UTC."""
    local = now.astimezone(zone)
    if period == Period.YEAR:
        return year_bounds(local.year, zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(now.tzinfo), end.astimezone(now.tzinfo)


def _minutes(start: datetime, end: datetime) -> Any:
    """A volunteer's confirmed minutes in [start, end): the covering index's sum less the pending part."""
    return func.sum(col(Attendance.credited_minutes)) - hours.pending_of(col(Volunteer.id), start=start, end=end)


def _ranked(center_id: int, start: datetime, end: datetime) -> Any:
    minutes = _minutes(start, end).label("minutes")
    return (
        select(col(Volunteer.id), col(Volunteer.display_name), minutes)
        .join(Attendance, col(Attendance.volunteer_id) == col(Volunteer.id))
        .where(
            col(Volunteer.center_id) == center_id,
            col(Volunteer.leaderboard_opt_in) == True,  # noqa: E712 (renders as the partial index has it)
            col(Attendance.checked_in_at) >= start,
            col(Attendance.checked_in_at) < end,
        )
        .group_by(col(Volunteer.id), col(Volunteer.display_name))
        .having(minutes > 0)
    )


async def center_board(
    session: AsyncSession, *, center_id: int, period: Period, now: datetime, zone: tzinfo, viewer_id: int, size: int = BOARD_SIZE
) -> Board:
    """The top `size` opted-in volunteers of the center, and the viewer's own place."""
    start, end = period_bounds(period, now=now, zone=zone)
    ranked = _ranked(center_id, start, end)
    rows = (await session.execute(ranked.order_by(desc("minutes"), col(Volunteer.id)).limit(size))).all()
    top: list[Standing] = []
    for position, (volunteer_id, display_name, minutes) in enumerate(rows):
        # Equal hours share a rank (1, 2, 2, 4).
        rank = top[-1].rank if top and top[-1].minutes == minutes else position + 1
        top.append(Standing(rank, first_name(display_name), int(minutes), volunteer_id))
    mine = next((s for s in top if s.volunteer_id == viewer_id), None)
    if mine is not None:
        return Board(period, start, top, mine.rank, mine.minutes)
    my_minutes = int(
        (
            await session.execute(
                select(hours.total(hours.confirmed_minutes())).where(
                    col(Attendance.volunteer_id) == viewer_id,
                    col(Attendance.checked_in_at) >= start,
                    col(Attendance.checked_in_at) < end,
                )
            )
        ).scalar_one()
    )
    if my_minutes <= 0:
        return Board(period, start, top, None, 0)
    others = ranked.where(col(Volunteer.id) != viewer_id).subquery()
    ahead = (await session.execute(select(func.count()).select_from(others).where(others.c.minutes > my_minutes))).scalar_one()
    return Board(period, start, top, int(ahead) + 1, my_minutes)


def set_leaderboard(volunteer: Volunteer, *, on: bool) -> None:
    """Opt in to the center's leaderboard or out of it (the name is gone from the next view)."""
    volunteer.leaderboard_opt_in = on
