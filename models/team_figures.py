"""The teams in the program's figures: teams, members and team hours per center, and a monthly
ranking of a center's teams by their members' confirmed hours.

A team's hours for a month are its current members' confirmed minutes (models.hours) of records
checked in that month. Both reads stay on indexes: the members of a center's teams
(uq_team_member_center_volunteer) joined to the covering index of attendance by volunteer and
time, minus the pending minutes read from the small partial index of flagged records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.hours import is_pending, total
from models.tables import Attendance, Team, TeamMember, TeamStatus


@dataclass(frozen=True)
class CenterTeams:
    center_id: int
    teams: int
    members: int
    minutes: int  # the teams' confirmed minutes in the period


@dataclass(frozen=True)
class RankedTeam:
    team: Team
    members: int
    minutes: int


async def _minutes_by_team(session: AsyncSession, *, center_ids: list[int] | None, start: datetime, end: datetime) -> dict[int, int]:
    """Each team's confirmed minutes in [start, end), for the teams of these centers (None: all)."""
    member = col(TeamMember.volunteer_id)
    in_period = and_(col(Attendance.volunteer_id) == member, col(Attendance.checked_in_at) >= start, col(Attendance.checked_in_at) < end)
    where = [col(TeamMember.center_id).in_(center_ids)] if center_ids is not None else []
    counted = select(col(TeamMember.team_id), total(col(Attendance.credited_minutes))).join(Attendance, in_period).where(*where)
    pending = counted.where(is_pending())
    minutes = {int(team): int(m) for team, m in await session.execute(counted.group_by(col(TeamMember.team_id)))}
    for team, m in await session.execute(pending.group_by(col(TeamMember.team_id))):
        minutes[int(team)] = minutes.get(int(team), 0) - int(m)
    return minutes


async def _member_counts(session: AsyncSession, *, center_ids: list[int] | None) -> dict[int, int]:
    query = select(col(TeamMember.team_id), func.count()).group_by(col(TeamMember.team_id))
    if center_ids is not None:
        query = query.where(col(TeamMember.center_id).in_(center_ids))
    return {int(team): int(n) for team, n in await session.execute(query)}


async def _active_teams(session: AsyncSession, *, center_ids: list[int] | None) -> list[Team]:
    query = select(Team).where(col(Team.status) == TeamStatus.ACTIVE).order_by(col(Team.id))
    if center_ids is not None:
        query = query.where(col(Team.center_id).in_(center_ids))
    return list((await session.execute(query)).scalars())


async def team_figures(
    session: AsyncSession, *, center_ids: list[int] | None, start: datetime, end: datetime, top: int = 3
) -> tuple[list[CenterTeams], dict[int, list[RankedTeam]]]:
    """Per center: its teams, their members and confirmed minutes in [start, end); and each
    center's `top` teams by those minutes (ties: more members, then the older team)."""
    teams = await _active_teams(session, center_ids=center_ids)
    minutes = await _minutes_by_team(session, center_ids=center_ids, start=start, end=end)
    counts = await _member_counts(session, center_ids=center_ids)
    by_center: dict[int, list[RankedTeam]] = {}
    for team in teams:
        assert team.id is not None
        by_center.setdefault(team.center_id, []).append(RankedTeam(team, counts.get(team.id, 0), minutes.get(team.id, 0)))
    figures, ranking = [], {}
    for center_id, ranked in sorted(by_center.items()):
        ranked.sort(key=lambda r: (-r.minutes, -r.members, r.team.id or 0))
        figures.append(CenterTeams(center_id, len(ranked), sum(r.members for r in ranked), sum(r.minutes for r in ranked)))
        ranking[center_id] = ranked[:top]
    return figures, ranking


async def team_ranking(session: AsyncSession, *, center_id: int, start: datetime, end: datetime) -> list[RankedTeam]:
    """Every team of a center, ranked by confirmed minutes in [start, end)."""
    _, ranking = await team_figures(session, center_ids=[center_id], start=start, end=end, top=10**6)
    return ranking.get(center_id, [])
