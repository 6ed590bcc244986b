"""The monthly and yearly leaderboard of a center: its opted-in volunteers by confirmed hours.

Only volunteers who opted in are ranked and named (their first name: the first word of their
display name); opting out takes the name off at once. A volunteer who did not opt in still sees
where they would stand, without being shown to anyone. Volunteers belong to their home center
(`Volunteer.center_id`); all their confirmed minutes in the period count, wherever they served
(models.hours: flagged records pending review do not).

Summing a center's 4,000 opted-in volunteers' records on each view takes 60-400 ms at 2M records,
so the sums are kept in `leaderboard_entry`, one row per opted-in volunteer and period, and the
board is a short walk of one index. A row is recomputed in full (never incremented) when the
volunteer joins, and by the sweep for volunteers whose records were completed or reviewed lately
(bot.scheduling, as the milestones are); it is deleted when they leave. The viewer's own minutes
are always summed afresh (one volunteer: a single index seek).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from typing import cast as typed

from sqlalchemy import delete, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import hours
from models.base import dialect_insert, year_bounds
from models.tables import Attendance, LeaderboardEntry, Volunteer

BOARD_SIZE = 10
REFRESH_CHUNK = 500


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


def period_key(period: Period, *, now: datetime, zone: tzinfo) -> str:
    """"2026-12" for the local month, "2026" for the year."""
    local = now.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}" if period == Period.MONTH else f"{local.year:04d}"


def minutes_of(volunteer_id: int, *, start: datetime, end: datetime) -> Any:
    """One volunteer's confirmed minutes in [start, end), as a scalar subquery: the covering index's
    sum less the pending part."""
    return (
        select(hours.total(col(Attendance.credited_minutes)) - hours.pending_of(volunteer_id, start=start, end=end))
        .where(
            col(Attendance.volunteer_id) == volunteer_id,
            col(Attendance.checked_in_at) >= start,
            col(Attendance.checked_in_at) < end,
        )
        .scalar_subquery()
    )


async def center_board(
    session: AsyncSession, *, center_id: int, period: Period, now: datetime, zone: tzinfo, viewer_id: int, size: int = BOARD_SIZE
) -> Board:
    """The top `size` opted-in volunteers of the center, and the viewer's own place."""
    start, end = period_bounds(period, now=now, zone=zone)
    key = period_key(period, now=now, zone=zone)
    on_board = (
        col(LeaderboardEntry.center_id) == center_id,
        col(LeaderboardEntry.period) == key,
        col(LeaderboardEntry.minutes) > 0,
    )
    rows = await session.execute(
        select(col(LeaderboardEntry.volunteer_id), col(Volunteer.display_name), col(LeaderboardEntry.minutes))
        .join(Volunteer, col(Volunteer.id) == col(LeaderboardEntry.volunteer_id))
        # Checked again here, so a name is gone the moment its owner opts out or moves center.
        .where(*on_board, col(Volunteer.leaderboard_opt_in).is_(True), col(Volunteer.center_id) == center_id)
        # Both descending: the board index read backwards, no sort (ties share a rank anyway).
        .order_by(col(LeaderboardEntry.minutes).desc(), col(LeaderboardEntry.volunteer_id).desc())
        .limit(size)
    )
    top: list[Standing] = []
    for position, (volunteer_id, display_name, minutes) in enumerate(rows):
        # Equal hours share a rank (1, 2, 2, 4).
        rank = top[-1].rank if top and top[-1].minutes == minutes else position + 1
        top.append(Standing(rank, first_name(display_name), int(minutes), volunteer_id))
    # The viewer's minutes and how many on the board have more, in one round trip.
    mine = minutes_of(viewer_id, start=start, end=end)
    ahead = (
        select(func.count())
        .where(*on_board, col(LeaderboardEntry.minutes) > mine, col(LeaderboardEntry.volunteer_id) != viewer_id)
        .scalar_subquery()
    )
    my_minutes, above = (await session.execute(select(mine, ahead))).one()
    if int(my_minutes) <= 0:
        return Board(period, start, top, None, 0)
    return Board(period, start, top, int(above) + 1, int(my_minutes))


async def entries_of(
    session: AsyncSession, *, volunteer_ids: list[int], now: datetime, zone: tzinfo
) -> list[dict[str, Any]]:
    """The month's and the year's rows of these opted-in volunteers, summed afresh (only reads)."""
    rows: list[dict[str, Any]] = []
    for period in Period:
        start, end = period_bounds(period, now=now, zone=zone)
        key = period_key(period, now=now, zone=zone)
        for first in range(0, len(volunteer_ids), REFRESH_CHUNK):
            chunk = volunteer_ids[first : first + REFRESH_CHUNK]
            minutes = func.coalesce(func.sum(col(Attendance.credited_minutes)), 0) - hours.pending_of(
                col(Volunteer.id), start=start, end=end
            )
            query = (
                select(col(Volunteer.id), col(Volunteer.center_id), minutes)
                .outerjoin(
                    Attendance,
                    (col(Attendance.volunteer_id) == col(Volunteer.id))
                    & (col(Attendance.checked_in_at) >= start)
                    & (col(Attendance.checked_in_at) < end),
                )
                .where(
                    col(Volunteer.id).in_(chunk),
                    col(Volunteer.leaderboard_opt_in).is_(True),
                    col(Volunteer.center_id).is_not(None),
                )
                .group_by(col(Volunteer.id), col(Volunteer.center_id))
            )
            rows += [
                {"period": key, "volunteer_id": volunteer_id, "center_id": center_id, "minutes": int(total)}
                for volunteer_id, center_id, total in await session.execute(query)
            ]
    return rows


async def write_entries(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Store summed rows (replacing what was kept); how many."""
    if not rows:
        return 0
    insert = dialect_insert(session, LeaderboardEntry)
    statement = insert.on_conflict_do_update(
        index_elements=["period", "volunteer_id"],
        set_={"minutes": insert.excluded.minutes, "center_id": insert.excluded.center_id},
    )
    connection = await session.connection()
    for first in range(0, len(rows), 5_000):
        await connection.execute(statement, rows[first : first + 5_000])
    return len(rows)


async def plan_board_refresh(session: AsyncSession, *, now: datetime, zone: tzinfo, lookback: timedelta) -> list[dict[str, Any]]:
    """Rows of opted-in volunteers whose records were completed or reviewed lately (only reads)."""
    since = now - lookback
    recent = union(
        select(col(Attendance.volunteer_id)).where(col(Attendance.checked_out_at) >= since),
        select(col(Attendance.volunteer_id)).where(col(Attendance.reviewed_at) >= since),
    ).subquery()
    ids = await session.execute(
        select(col(Volunteer.id)).where(
            col(Volunteer.id).in_(select(recent.c.volunteer_id)),
            col(Volunteer.leaderboard_opt_in) == True,  # noqa: E712 (renders as the partial index has it)
        )
    )
    return await entries_of(session, volunteer_ids=[typed(int, i) for i in ids.scalars()], now=now, zone=zone)


async def set_leaderboard(session: AsyncSession, volunteer: Volunteer, *, on: bool, now: datetime, zone: tzinfo) -> None:
    """Join the center's board (the sums are kept from now on) or leave it (the name goes at once)."""
    volunteer.leaderboard_opt_in = on
    assert volunteer.id is not None
    if not on:
        await session.execute(delete(LeaderboardEntry).where(col(LeaderboardEntry.volunteer_id) == volunteer.id))
        return
    await session.flush()
    await write_entries(session, await entries_of(session, volunteer_ids=[volunteer.id], now=now, zone=zone))
