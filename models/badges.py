"""Badges, computed from the records every time they are shown (no table to keep in step).

Hour badges count confirmed minutes (models.hours: a flagged record pending review counts for
nothing until a coordinator confirms it), and so do the others: a streak is a confirmed record in
each of three consecutive local months, a course is a confirmed record on an opportunity of the
category "training". The team founder's badge: the first leader of an active team (`founded_a_team`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import hours
from models.tables import Attendance, Opportunity, Shift, Team, TeamStatus

HOUR_BADGES = (10, 25, 50, 100, 250, 500)
STREAK_MONTHS = 3
TRAINING = "training"


class BadgeKind(StrEnum):
    HOURS = "hours"  # level: the hours passed (10, 25 ... 500)
    STREAK = "streak"  # level: the longest run of consecutive months (3 or more)
    COURSES = "courses"  # level: how many training sessions were attended
    TEAM_FOUNDER = "team_founder"


@dataclass(frozen=True)
class Badge:
    kind: BadgeKind
    level: int = 1


@dataclass(frozen=True)
class BadgeBoard:
    earned: list[Badge]
    next_hours: int | None  # the next hour badge, None when every one is earned
    minutes_to_next: int


def hour_badge(confirmed_minutes: int) -> int | None:
    """The highest hour badge reached, or None."""
    reached = [h for h in HOUR_BADGES if confirmed_minutes >= h * 60]
    return reached[-1] if reached else None


def longest_month_run(months: set[tuple[int, int]]) -> int:
    """The longest run of consecutive (year, month) pairs."""
    indexes = sorted(year * 12 + month - 1 for year, month in months)
    best = run = 0
    for position, index in enumerate(indexes):
        run = run + 1 if position and index == indexes[position - 1] + 1 else 1
        best = max(best, run)
    return best


async def founded_a_team(session: AsyncSession, *, volunteer_id: int) -> bool:
    """Whether the volunteer founded a team: the rule of the team founder's badge. The founder is
    the team's first leader (a volunteer whose request was approved, or whom a coordinator named
    when founding it); a team still waiting for approval, or declined, founds nothing."""
    found = await session.execute(
        select(col(Team.id)).where(col(Team.leader_id) == volunteer_id, col(Team.status) == TeamStatus.ACTIVE).limit(1)
    )
    return found.first() is not None


async def badges_of(session: AsyncSession, *, volunteer_id: int, zone: tzinfo) -> BadgeBoard:
    """Every badge the volunteer has earned, from their confirmed records."""
    rows = await session.execute(
        select(col(Attendance.checked_in_at), col(Attendance.credited_minutes), col(Opportunity.category))
        .select_from(Attendance)
        .outerjoin(Shift, col(Shift.id) == col(Attendance.shift_id))
        .outerjoin(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(
            col(Attendance.volunteer_id) == volunteer_id,
            col(Attendance.checked_out_at).is_not(None),
            ~hours.is_pending(),
            col(Attendance.credited_minutes) > 0,
        )
    )
    minutes = courses = 0
    months: set[tuple[int, int]] = set()
    for checked_in_at, credited, category in rows:
        minutes += credited
        local = checked_in_at.astimezone(zone)
        months.add((local.year, local.month))
        courses += category == TRAINING
    earned: list[Badge] = []
    if (passed := hour_badge(minutes)) is not None:
        earned.append(Badge(BadgeKind.HOURS, passed))
    if (run := longest_month_run(months)) >= STREAK_MONTHS:
        earned.append(Badge(BadgeKind.STREAK, run))
    if courses:
        earned.append(Badge(BadgeKind.COURSES, courses))
    if await founded_a_team(session, volunteer_id=volunteer_id):
        earned.append(Badge(BadgeKind.TEAM_FOUNDER))
    upcoming = [h for h in HOUR_BADGES if h * 60 > minutes]
    next_hours = upcoming[0] if upcoming else None
    return BadgeBoard(earned, next_hours, next_hours * 60 - minutes if next_hours else 0)
