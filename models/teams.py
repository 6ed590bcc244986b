"""Neighborhood teams: founding one (by a coordinator, or a volunteer's request a coordinator
approves), joining with the invite code, leaving, and the team page (the leader's messages are in
models.team_messages, bookings in models.team_bookings).

A volunteer is in at most one team per center: `team_member` repeats the team's center and the
database refuses a second row for the same center and volunteer (uq_team_member_center_volunteer),
so two joins racing each other cannot both succeed. The leader is a member like the others, who
cannot leave (the team would have nobody to book for it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import UTCDateTime, year_bounds
from models.hours import pending_of, total
from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.tables import (
    Attendance,
    Center,
    CoordinatorCenter,
    Role,
    Team,
    TeamMember,
    TeamStatus,
    Volunteer,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed
CODE_LENGTH = 8
MAX_NAME = 64


def new_invite_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_team_name(text: str) -> str:
    return " ".join(text.split())[:MAX_NAME]


class FoundOutcome(StrEnum):
    FOUNDED = "founded"
    REQUESTED = "requested"  # a volunteer's request, waiting for a coordinator
    LEADER_IN_TEAM = "leader_in_team"  # the leader is already in a team of this center
    ALREADY_REQUESTED = "already_requested"  # a request of theirs for this center is pending
    NO_CENTER = "no_center"  # a volunteer without a center cannot ask
    BAD_NAME = "bad_name"


@dataclass
class FoundResult:
    outcome: FoundOutcome
    team: Team | None = None
    other: Team | None = None  # the team the leader already belongs to


async def team_of_in_center(session: AsyncSession, *, volunteer_id: int, center_id: int) -> Team | None:
    """The team this volunteer belongs to in this center (at most one)."""
    result = await session.execute(
        select(Team)
        .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
        .where(col(TeamMember.volunteer_id) == volunteer_id, col(TeamMember.center_id) == center_id)
    )
    return result.scalar_one_or_none()


async def _add_member(session: AsyncSession, *, team: Team, volunteer_id: int, now: datetime) -> bool:
    """Insert the membership; False when the database refuses it (already in a team of the center)."""
    assert team.id is not None
    try:
        async with session.begin_nested():
            session.add(TeamMember(team_id=team.id, center_id=team.center_id, volunteer_id=volunteer_id, joined_at=now))
    except IntegrityError:
        return False
    return True


async def _new_team(session: AsyncSession, **values: Any) -> Team:
    team = Team(invite_code=new_invite_code(), **values)
    session.add(team)
    await session.flush()
    return team


async def found_team(
    session: AsyncSession, *, center_id: int, leader: Volunteer, name: str, decided_by: int, now: datetime
) -> FoundResult:
    """A coordinator founds a team for a center with its leader (who becomes its first member)."""
    name = clean_team_name(name)
    if not name:
        return FoundResult(FoundOutcome.BAD_NAME)
    assert leader.id is not None
    other = await team_of_in_center(session, volunteer_id=leader.id, center_id=center_id)
    if other is not None:
        return FoundResult(FoundOutcome.LEADER_IN_TEAM, other=other)
    team = await _new_team(
        session, center_id=center_id, name=name, leader_id=leader.id, status=TeamStatus.ACTIVE,
        created_at=now, decided_by_telegram_id=decided_by, decided_at=now,
    )
    if not await _add_member(session, team=team, volunteer_id=leader.id, now=now):
        await session.delete(team)
        return FoundResult(FoundOutcome.LEADER_IN_TEAM)
    return FoundResult(FoundOutcome.FOUNDED, team=team)


async def request_team(session: AsyncSession, *, volunteer: Volunteer, name: str, now: datetime) -> FoundResult:
    """A volunteer asks to found a team in their center, led by them; its coordinators are asked."""
    name = clean_team_name(name)
    if not name:
        return FoundResult(FoundOutcome.BAD_NAME)
    if volunteer.center_id is None:
        return FoundResult(FoundOutcome.NO_CENTER)
    assert volunteer.id is not None
    other = await team_of_in_center(session, volunteer_id=volunteer.id, center_id=volunteer.center_id)
    if other is not None:
        return FoundResult(FoundOutcome.LEADER_IN_TEAM, other=other)
    pending = (
        await session.execute(
            select(Team).where(
                col(Team.leader_id) == volunteer.id, col(Team.center_id) == volunteer.center_id,
                col(Team.status) == TeamStatus.REQUESTED,
            )
        )
    ).scalars().first()
    if pending is not None:
        return FoundResult(FoundOutcome.ALREADY_REQUESTED, team=pending)
    team = await _new_team(
        session, center_id=volunteer.center_id, name=name, leader_id=volunteer.id, status=TeamStatus.REQUESTED, created_at=now
    )
    for chat_id, coordinator_id in await _deciders(session, center_id=volunteer.center_id):
        await enqueue(
            session, key=f"team-requested:{team.id}:{coordinator_id}", chat_id=chat_id, volunteer_id=coordinator_id,
            kind=NoticeKind.TEAM_REQUESTED, payload={"team_id": team.id}, now=now, priority=PRIORITY_NOTICE,
        )
    return FoundResult(FoundOutcome.REQUESTED, team=team)


async def _deciders(session: AsyncSession, *, center_id: int) -> list[tuple[int, int]]:
    """(chat id, volunteer id) of the center's coordinators; the admins when it has none."""
    rows = list(
        await session.execute(
            select(col(Volunteer.telegram_id), col(Volunteer.id))
            .join(CoordinatorCenter, col(CoordinatorCenter.volunteer_id) == col(Volunteer.id))
            .where(col(CoordinatorCenter.center_id) == center_id, col(Volunteer.role).in_([Role.COORDINATOR, Role.ADMIN]))
        )
    )
    if not rows:
        rows = list(await session.execute(select(col(Volunteer.telegram_id), col(Volunteer.id)).where(col(Volunteer.role) == Role.ADMIN)))
    return [(int(chat), int(vid or 0)) for chat, vid in rows]


class DecisionOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    ALREADY_DECIDED = "already_decided"
    LEADER_IN_TEAM = "leader_in_team"  # they joined another team of the center meanwhile


async def decide_team(session: AsyncSession, *, team: Team, approve: bool, decided_by: int, now: datetime) -> DecisionOutcome:
    """A coordinator of the team's center (checked by the caller) approves or declines a request."""
    await session.refresh(team, with_for_update=True)
    if team.status != TeamStatus.REQUESTED:
        return DecisionOutcome.ALREADY_DECIDED
    outcome = DecisionOutcome.DECLINED
    if approve:
        if not await _add_member(session, team=team, volunteer_id=team.leader_id, now=now):
            return DecisionOutcome.LEADER_IN_TEAM
        outcome = DecisionOutcome.APPROVED
    team.status = TeamStatus.ACTIVE if approve else TeamStatus.DECLINED
    team.decided_by_telegram_id, team.decided_at = decided_by, now
    leader = await session.get(Volunteer, team.leader_id)
    assert leader is not None
    await enqueue(
        session, key=f"team-decided:{team.id}", chat_id=leader.telegram_id, volunteer_id=leader.id,
        kind=NoticeKind.TEAM_DECIDED, payload={"team_id": team.id}, now=now, priority=PRIORITY_NOTICE,
    )
    return outcome


class JoinOutcome(StrEnum):
    JOINED = "joined"
    ALREADY_MEMBER = "already_member"
    OTHER_TEAM = "other_team"  # already in another team of that center
    UNKNOWN = "unknown"  # no active team has this code


@dataclass
class JoinResult:
    outcome: JoinOutcome
    team: Team | None = None
    other: Team | None = None


async def join_team(session: AsyncSession, *, volunteer: Volunteer, code: str, now: datetime) -> JoinResult:
    """Join the team whose invite code this is."""
    team = (
        await session.execute(select(Team).where(col(Team.invite_code) == code.strip().upper()))
    ).scalar_one_or_none()
    if team is None or team.status != TeamStatus.ACTIVE:
        return JoinResult(JoinOutcome.UNKNOWN)
    assert volunteer.id is not None
    current = await team_of_in_center(session, volunteer_id=volunteer.id, center_id=team.center_id)
    if current is not None:
        same = current.id == team.id
        return JoinResult(JoinOutcome.ALREADY_MEMBER if same else JoinOutcome.OTHER_TEAM, team=team, other=None if same else current)
    if not await _add_member(session, team=team, volunteer_id=volunteer.id, now=now):
        # Another join of theirs won the race: the constraint kept them in one team.
        current = await team_of_in_center(session, volunteer_id=volunteer.id, center_id=team.center_id)
        return JoinResult(JoinOutcome.OTHER_TEAM, team=team, other=current)
    return JoinResult(JoinOutcome.JOINED, team=team)


class LeaveOutcome(StrEnum):
    LEFT = "left"
    LEADER = "leader"  # the leader cannot leave their team
    NOT_MEMBER = "not_member"


async def leave_team(session: AsyncSession, *, volunteer: Volunteer, team_id: int) -> tuple[LeaveOutcome, Team | None]:
    team = await session.get(Team, team_id)
    if team is None:
        return LeaveOutcome.NOT_MEMBER, None
    if team.leader_id == volunteer.id:
        return LeaveOutcome.LEADER, team
    member = (
        await session.execute(
            select(TeamMember).where(col(TeamMember.team_id) == team_id, col(TeamMember.volunteer_id) == volunteer.id)
        )
    ).scalar_one_or_none()
    if member is None:
        return LeaveOutcome.NOT_MEMBER, team
    await session.delete(member)
    await session.flush()
    return LeaveOutcome.LEFT, team


async def teams_of(session: AsyncSession, *, volunteer_id: int) -> list[Team]:
    """The active teams this volunteer belongs to (one per center at most)."""
    result = await session.execute(
        select(Team)
        .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
        .where(col(TeamMember.volunteer_id) == volunteer_id, col(Team.status) == TeamStatus.ACTIVE)
        .order_by(col(Team.id))
    )
    return list(result.scalars())


async def is_member(session: AsyncSession, *, team_id: int, volunteer_id: int) -> bool:
    result = await session.execute(
        select(col(TeamMember.id)).where(col(TeamMember.team_id) == team_id, col(TeamMember.volunteer_id) == volunteer_id)
    )
    return result.first() is not None


async def member_ids(session: AsyncSession, *, team_id: int) -> list[int]:
    result = await session.execute(select(col(TeamMember.volunteer_id)).where(col(TeamMember.team_id) == team_id))
    return [int(v) for v in result.scalars()]


def month_bounds(moment: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The calendar month of `moment` in the program's time zone, as [start, end) instants in UTC."""
    local = moment.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = datetime(local.year + (local.month == 12), local.month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class MemberHours:
    volunteer_id: int
    name: str
    month_minutes: int  # confirmed (models.hours): flagged records are not counted
    year_minutes: int


@dataclass
class TeamPage:
    team: Team
    center: Center
    members: list[MemberHours] = field(default_factory=list)

    @property
    def leader_name(self) -> str:
        return next((m.name for m in self.members if m.volunteer_id == self.team.leader_id), "")

    @property
    def month_minutes(self) -> int:
        return sum(m.month_minutes for m in self.members)

    @property
    def year_minutes(self) -> int:
        return sum(m.year_minutes for m in self.members)


@cache
def _page_query() -> Select[Any]:
    """The team page's statement, built once: bound parameters for the team and the periods
    (building it costs more than running it: the pending subqueries alias the attendance table)."""
    bounds: list[Any] = [bindparam(name, type_=UTCDateTime()) for name in ("month_start", "month_end", "year_start", "year_end")]
    month_start, month_end, year_start, year_end = bounds
    minutes = col(Attendance.credited_minutes)
    in_month = and_(col(Attendance.checked_in_at) >= month_start, col(Attendance.checked_in_at) < month_end)
    member = col(TeamMember.volunteer_id)
    names = (col(Center.name_ar), col(Center.name_en))
    return (
        select(
            member,
            col(Volunteer.display_name),
            total(case((in_month, minutes), else_=0)),
            total(minutes),
            pending_of(member, start=month_start, end=month_end),
            pending_of(member, start=year_start, end=year_end),
            *names,
        )
        .join(Volunteer, col(Volunteer.id) == member)
        .join(Center, col(Center.id) == col(TeamMember.center_id))
        .outerjoin(
            Attendance,
            and_(
                col(Attendance.volunteer_id) == member,
                col(Attendance.checked_in_at) >= year_start,
                col(Attendance.checked_in_at) < year_end,
            ),
        )
        .where(col(TeamMember.team_id) == bindparam("team_id"))
        .group_by(member, col(Volunteer.display_name), *names)
    )


async def team_page(session: AsyncSession, *, team: Team, now: datetime, zone: tzinfo) -> TeamPage:
    """The team, its members and each one's confirmed minutes this month and this year.

    One round trip (the volunteer waits on it): a grouped read over the covering index
    (volunteer, checked_in_at, minutes) per member, minus what is pending review, read from the
    small partial index of flagged records; the center's names come along in the same rows.
    """
    month_start, month_end = month_bounds(now, zone)
    year_start, year_end = year_bounds(now.astimezone(zone).year, zone)
    periods = {"month_start": month_start, "month_end": month_end, "year_start": year_start, "year_end": year_end}
    rows = list(await session.execute(_page_query(), {"team_id": team.id, **periods}))
    members = [
        MemberHours(int(vid), name or "", int(month) - int(pending_month), int(year) - int(pending_year))
        for vid, name, month, year, pending_month, pending_year, _, _ in rows
    ]
    members.sort(key=lambda m: (-m.month_minutes, -m.year_minutes, m.name))
    if rows:  # the names as read; a detached row, only for rendering
        center = Center(id=team.center_id, code="", name_ar=rows[0][6], name_en=rows[0][7])
    else:
        center = await session.get(Center, team.center_id)  # type: ignore[assignment]
        assert center is not None
    return TeamPage(team, center, members)


async def team_led_by(session: AsyncSession, *, team_id: int, volunteer: Volunteer) -> Team | None:
    """The active team when this volunteer leads it; None otherwise (a stranger's press)."""
    team = await session.get(Team, team_id)
    if team is None or team.leader_id != volunteer.id or team.status != TeamStatus.ACTIVE:
        return None
    return team


async def team_of_member(session: AsyncSession, *, team_id: int, volunteer: Volunteer) -> Team | None:
    """The active team when this volunteer belongs to it."""
    team = await session.get(Team, team_id)
    if team is None or team.status != TeamStatus.ACTIVE or volunteer.id is None:
        return None
    return team if await is_member(session, team_id=team_id, volunteer_id=volunteer.id) else None
