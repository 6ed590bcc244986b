"""Thank-you messages: the first shift, hour milestones and International Volunteer Day.

Each is queued once ever (per milestone, per year) through a unique outbox key; the sweeps are
plain, idempotent functions of a session and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from typing import cast as typed

from sqlalchemy import String, and_, cast, exists, func, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import year_bounds
from models.hours import pending_of
from models.outbox import (
    PRIORITY_BROADCAST,
    PRIORITY_NOTICE,
    enqueue_many,
    outbox_row,
    taken_keys,
)
from models.tables import Attendance, Opportunity, OutboxMessage, OutboxStatus, Shift, Volunteer

# Volunteers who completed a shift this recently are checked for milestones (a sweep runs every
# minute; the margin covers a bot that was down for a few days).
MILESTONE_LOOKBACK = timedelta(days=3)
VOLUNTEER_DAY = (12, 5)  # 5 December
VOLUNTEER_DAY_FROM_HOUR = 9  # local time: a greeting, not a midnight ping
VOLUNTEER_DAY_BATCH = 10_000


@dataclass
class MilestoneSweep:
    queued: int = 0
    dropped: int = 0


def first_shift_key(volunteer_id: int) -> str:
    return f"first-shift:{volunteer_id}"


def milestone_key(volunteer_id: int, hours: int) -> str:
    return f"milestone:{volunteer_id}:{hours}h"


def volunteer_day_key(year: int, volunteer_id: int) -> str:
    return f"volunteer-day:{year}:{volunteer_id}"


def crossed_milestones(total_minutes: int, milestones_hours: tuple[int, ...]) -> list[int]:
    """Milestones reached so far, highest first."""
    return sorted((m for m in milestones_hours if total_minutes >= m * 60), reverse=True)


async def queue_milestone_thanks(
    session: AsyncSession,
    *,
    now: datetime,
    milestones_hours: tuple[int, ...],
    lookback: timedelta = MILESTONE_LOOKBACK,
) -> MilestoneSweep:
    """Thank volunteers after their first completed shift and when their confirmed hours cross a
    milestone (hours pending review count once a coordinator confirms them).

    Crossing several milestones at once (hours imported, a long absence of the bot) sends the
    highest only; the lower ones are recorded as dropped so they are never sent later.
    """
    plans = await plan_milestone_thanks(session, now=now, milestones_hours=milestones_hours, lookback=lookback)
    return await enqueue_milestone_thanks(session, plans)


async def plan_milestone_thanks(
    session: AsyncSession,
    *,
    now: datetime,
    milestones_hours: tuple[int, ...],
    lookback: timedelta = MILESTONE_LOOKBACK,
) -> list[dict[str, Any]]:
    """The thank-you rows due (not queued before): only reads, so the scan of a catch-up after a
    restart (seconds at 2M records) can run without holding SQLite's write lock."""
    completed = col(Attendance.checked_out_at).is_not(None)
    # Milestones count confirmed hours (models.hours): a volunteer is looked at again when they
    # finish a shift, and when a coordinator confirms a record (that can be what crosses the line).
    recent = union(
        select(col(Attendance.volunteer_id)).where(completed, col(Attendance.checked_out_at) >= now - lookback),
        select(col(Attendance.volunteer_id)).where(col(Attendance.reviewed_at) >= now - lookback),
    )
    query = (
        select(
            col(Volunteer.id),
            col(Volunteer.telegram_id),
            func.sum(col(Attendance.credited_minutes)) - pending_of(col(Volunteer.id)),
            func.min(col(Attendance.checked_out_at)),
            func.min(col(Attendance.id)),
        )
        .join(Attendance, col(Attendance.volunteer_id) == col(Volunteer.id))
        .where(completed, col(Volunteer.id).in_(recent))
        .group_by(col(Volunteer.id), col(Volunteer.telegram_id))
    )
    plans: list[dict[str, Any]] = []
    for volunteer_id, telegram_id, total, first_done, first_attendance in await session.execute(query):
        first_done = first_done.replace(tzinfo=UTC) if isinstance(first_done, datetime) and first_done.tzinfo is None else first_done
        if isinstance(first_done, str):  # SQLite hands min() of a datetime back as text
            first_done = datetime.fromisoformat(first_done).replace(tzinfo=UTC)
        common = {"chat_id": telegram_id, "volunteer_id": volunteer_id, "now": now, "priority": PRIORITY_NOTICE}
        if first_done is not None and first_done >= now - lookback:
            plans.append(
                outbox_row(
                    key=first_shift_key(typed(int, volunteer_id)),
                    kind="first_shift",
                    payload={"volunteer_id": volunteer_id, "attendance_id": first_attendance},
                    **common,  # type: ignore[arg-type]  # the shared keyword arguments are of several types
                )
            )
        for index, hours in enumerate(crossed_milestones(int(total or 0), milestones_hours)):
            plans.append(
                outbox_row(
                    key=milestone_key(typed(int, volunteer_id), hours),
                    kind="milestone",
                    payload={"volunteer_id": volunteer_id, "hours": hours},
                    status=OutboxStatus.DROPPED if index else OutboxStatus.PENDING,
                    last_error="superseded by a higher milestone reached at the same time" if index else None,
                    **common,  # type: ignore[arg-type]  # the shared keyword arguments are of several types
                )
            )
    taken = await taken_keys(session, [str(row["key"]) for row in plans])
    return [row for row in plans if row["key"] not in taken]


async def enqueue_milestone_thanks(session: AsyncSession, rows: list[dict[str, Any]]) -> MilestoneSweep:
    """Queue planned thank-yous; a key queued meanwhile (another run, another instance) is skipped."""
    await enqueue_many(session, rows)
    sweep = MilestoneSweep(dropped=sum(1 for row in rows if row["status"] == OutboxStatus.DROPPED))
    sweep.queued = len(rows) - sweep.dropped
    return sweep


@dataclass
class YearFigures:
    minutes: int
    shifts: int
    centers: int


async def year_figures(session: AsyncSession, *, volunteer_id: int, year: int, zone: tzinfo) -> YearFigures:
    """Hours, completed shifts and distinct centers of one volunteer in one calendar year."""
    start, end = year_bounds(year, zone)
    minutes, shifts, centers = (
        await session.execute(
            select(
                func.coalesce(func.sum(col(Attendance.credited_minutes)), 0),
                func.count(col(Attendance.id)),
                func.count(func.distinct(col(Opportunity.center_id))),
            )
            .select_from(Attendance)
            .join(Shift, col(Shift.id) == col(Attendance.shift_id))
            .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .where(
                col(Attendance.volunteer_id) == volunteer_id,
                col(Attendance.checked_out_at).is_not(None),
                col(Attendance.checked_in_at) >= start,
                col(Attendance.checked_in_at) < end,
            )
        )
    ).one()
    return YearFigures(int(minutes), int(shifts), int(centers))


def is_volunteer_day(now: datetime, zone: tzinfo) -> bool:
    local = now.astimezone(zone)
    return (local.month, local.day) == VOLUNTEER_DAY and local.hour >= VOLUNTEER_DAY_FROM_HOUR


async def queue_volunteer_day(
    session: AsyncSession, *, now: datetime, zone: tzinfo, limit: int = VOLUNTEER_DAY_BATCH
) -> int:
    """On 5 December (from 9:00 local), thank every active volunteer with their own figures.

    Active: registered, reachable, and seen or on a shift this year. Queued in batches of `limit`
    per run (the sweep runs every minute), once per volunteer and year; the figures are read when
    the message is sent. Not sent late: a bot that was down all day skips the year.
    """
    if not is_volunteer_day(now, zone):
        return 0
    year = now.astimezone(zone).year
    start, _ = year_bounds(year, zone)
    key = literal(f"volunteer-day:{year}:") + cast(col(Volunteer.id), String)
    worked_this_year = exists().where(
        col(Attendance.volunteer_id) == col(Volunteer.id),
        col(Attendance.checked_out_at).is_not(None),
        col(Attendance.checked_in_at) >= start,
    )
    query = (
        select(col(Volunteer.id), col(Volunteer.telegram_id))
        .where(
            col(Volunteer.onboarding_step).is_(None),
            col(Volunteer.reachable).is_(True),
            or_(and_(col(Volunteer.last_seen_at).is_not(None), col(Volunteer.last_seen_at) >= start), worked_this_year),
            ~exists().where(col(OutboxMessage.key) == key),
        )
        .order_by(col(Volunteer.id))
        .limit(limit)
    )
    rows = [
        outbox_row(
            key=volunteer_day_key(year, typed(int, volunteer_id)),
            chat_id=telegram_id,
            volunteer_id=volunteer_id,
            kind="volunteer_day",
            payload={"volunteer_id": volunteer_id, "year": year},
            now=now,
            priority=PRIORITY_BROADCAST,
        )
        for volunteer_id, telegram_id in await session.execute(query)
    ]
    return await enqueue_many(session, rows)
