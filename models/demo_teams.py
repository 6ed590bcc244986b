"""The demo's neighborhood team: a leader and two members at Al-Awali, with a fixed invite code so
a demo persona can join (`/start t-DEMOTEAM` or `/jointeam DEMOTEAM`). Safe to repeat."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.tables import Center, Gender, Team, TeamMember, TeamStatus, Volunteer

DEMO_INVITE_CODE = "DEMOTEAM"
DEMO_TEAM_NAME = "فريق شباب العوالي"
# Made-up Telegram ids (no real account has ids this small, and the demo personas are 1001, 1002
# and 9001): the team's leader and members, registered volunteers of Al-Awali.
DEMO_MEMBERS = (
    (1_000_101, "ليلى الحربي", Gender.FEMALE),  # the leader
    (1_000_102, "هدى الغامدي", Gender.FEMALE),
    (1_000_103, "Nora Alotaibi", Gender.FEMALE),
)


async def seed_demo_teams(session: AsyncSession, *, now: datetime, zone: tzinfo) -> Team | None:
    """The demo team (created once), in the caller's transaction; None without the demo center."""
    existing = (await session.execute(select(Team).where(col(Team.invite_code) == DEMO_INVITE_CODE))).scalar_one_or_none()
    if existing is not None:
        return existing
    center = (
        await session.execute(select(Center).where(or_(col(Center.code) == "awali", col(Center.name_ar) == "مركز حي العوالي")))
    ).scalars().first()
    if center is None or center.id is None:
        return None
    people = []
    for telegram_id, name, gender in DEMO_MEMBERS:
        volunteer = (await session.execute(select(Volunteer).where(col(Volunteer.telegram_id) == telegram_id))).scalar_one_or_none()
        if volunteer is None:
            volunteer = Volunteer(
                telegram_id=telegram_id, language="ar", display_name=name, center_id=center.id, gender=gender,
                registered_at=now, reachable=False,  # nobody reads these chats: the outbox skips them
            )
            session.add(volunteer)
            await session.flush()
            volunteer.onboarding_step = None  # an explicit None at construction is replaced by the default
        people.append(volunteer)
    leader = people[0]
    assert leader.id is not None
    team = Team(center_id=center.id, name=DEMO_TEAM_NAME, leader_id=leader.id, invite_code=DEMO_INVITE_CODE,
                status=TeamStatus.ACTIVE, created_at=now, decided_at=now)
    session.add(team)
    await session.flush()
    assert team.id is not None
    for volunteer in people:
        assert volunteer.id is not None
        already = (
            await session.execute(
                select(col(TeamMember.id)).where(col(TeamMember.center_id) == center.id, col(TeamMember.volunteer_id) == volunteer.id)
            )
        ).first()
        if already is None:
            session.add(TeamMember(team_id=team.id, center_id=center.id, volunteer_id=volunteer.id, joined_at=now))
    await session.flush()
    return team
