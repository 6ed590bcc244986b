"""Builders shared by the team tests: a center, a founded team with members, the outbox sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.scheduling import run_sweeps
from bot.sender import drain_once
from models.tables import Attendance, Center, Shift, Signup, Team, TeamBooking, Volunteer
from models.teams import found_team, join_team
from tests.coordinator_support import make_person, sessions
from tests.harness import BotHarness

NAMES = {"ar": "سارة", "en": "Sara"}


def translator(harness: BotHarness, language: str) -> Any:
    return harness.app.bot_data.services.catalogs.for_language(language)


async def send_outbox(harness: BotHarness) -> None:
    """Let the sender deliver what is queued (as the running bot does within a second)."""
    for _ in range(3):
        harness.advance(seconds=1)
        await drain_once(harness.app)


async def sweep(harness: BotHarness) -> None:
    await run_sweeps(harness.app.bot_data.services)


async def team_with(harness: BotHarness, center: Center, leader: Volunteer, *members: Volunteer, name: str = "Falcons") -> Team:
    """A team founded by a coordinator, led by `leader`, that `members` joined with its code."""
    async with sessions(harness)() as session, session.begin():
        result = await found_team(session, center_id=center.id, leader=leader, name=name, decided_by=1, now=harness.now)
        assert result.team is not None
        for member in members:
            await join_team(session, volunteer=member, code=result.team.invite_code, now=harness.now)
    return result.team


async def person(harness: BotHarness, telegram_id: int, center: Center, *, language: str = "en", gender: str = "female", name: str | None = None) -> Volunteer:
    return await make_person(harness, telegram_id, center=center, gender=gender, language=language, name=name or f"V{telegram_id}")


async def worked(harness: BotHarness, volunteer: Volunteer, shift: Shift, *, at: datetime, minutes: int, flagged: bool = False) -> None:
    async with sessions(harness)() as session, session.begin():
        session.add(Attendance(
            shift_id=shift.id, volunteer_id=volunteer.id, checked_in_at=at, checked_out_at=at, method="code",
            credited_minutes=minutes, flagged=flagged, flag_reason="auto_checkout" if flagged else None,
        ))


async def row(harness: BotHarness, kind: Any, **where: Any) -> Any:
    async with sessions(harness)() as session:
        query = select(kind).filter_by(**where)
        return (await session.execute(query)).scalars().first()


async def shift_row(harness: BotHarness, shift_id: int) -> Shift:
    return await row(harness, Shift, id=shift_id)  # type: ignore[no-any-return]


async def signup_of(harness: BotHarness, volunteer: Volunteer, shift: Shift) -> Signup | None:
    return await row(harness, Signup, volunteer_id=volunteer.id, shift_id=shift.id)  # type: ignore[no-any-return]


async def booking_of(harness: BotHarness, team: Team) -> TeamBooking | None:
    return await row(harness, TeamBooking, team_id=team.id)  # type: ignore[no-any-return]


def plain(message: Any) -> str:
    """A sent message's text without its HTML tags (what the volunteer reads)."""
    import re

    return re.sub(r"<[^>]+>", "", message.text)
