"""Loaders of the team notices: requests, decisions, booked seats, the leader's messages, swaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.signups import SEATED
from models.swaps import is_open as swap_is_open
from models.tables import (
    Center,
    Opportunity,
    SeatSwap,
    Shift,
    Signup,
    SwapStatus,
    Team,
    TeamBooking,
    TeamMessage,
    TeamStatus,
    Volunteer,
)


@dataclass(frozen=True)
class TeamFacts:
    team: Team
    center: Center
    leader: Volunteer


@dataclass(frozen=True)
class TeamSeatsFacts:
    team: TeamFacts
    booking: TeamBooking
    shift: Shift
    opportunity: Opportunity


@dataclass(frozen=True)
class TeamMessageFacts:
    team: TeamFacts
    message: TeamMessage


@dataclass(frozen=True)
class SwapFacts:
    swap: SeatSwap
    giver: Volunteer
    teammate: Volunteer
    shift: Shift
    opportunity: Opportunity


async def team_facts(session: AsyncSession, team_id: int) -> TeamFacts | None:
    team = await session.get(Team, team_id)
    if team is None:
        return None
    center = await session.get(Center, team.center_id)
    leader = await session.get(Volunteer, team.leader_id)
    assert center is not None and leader is not None
    return TeamFacts(team, center, leader)


async def load_team_requested(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> TeamFacts | None:
    facts = await team_facts(session, int(payload["team_id"]))
    if facts is None or facts.team.status != TeamStatus.REQUESTED:
        return None  # another coordinator decided first
    return facts


async def load_team_decided(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> TeamFacts | None:
    facts = await team_facts(session, int(payload["team_id"]))
    if facts is None or facts.team.status == TeamStatus.REQUESTED:
        return None
    return facts


async def load_team_seats(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> TeamSeatsFacts | None:
    booking = await session.get(TeamBooking, int(payload["booking_id"]))
    if booking is None:
        return None
    shift = await session.get(Shift, booking.shift_id)
    assert shift is not None
    held = (
        await session.execute(
            select(col(Signup.id)).where(
                col(Signup.shift_id) == shift.id, col(Signup.volunteer_id) == int(payload["volunteer_id"]), col(Signup.status).in_(SEATED)
            )
        )
    ).first()
    if held is not None or booking.held <= 0:
        return None  # they confirmed already, or every seat is taken or given back (the payload's
        # expires_at makes the sender drop it past the deadline)
    team = await team_facts(session, booking.team_id)
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert team is not None and opportunity is not None
    return TeamSeatsFacts(team, booking, shift, opportunity)


async def load_team_message(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> TeamMessageFacts | None:
    message = await session.get(TeamMessage, int(payload["message_id"]))
    if message is None:
        return None
    team = await team_facts(session, message.team_id)
    return TeamMessageFacts(team, message) if team is not None else None


async def _swap_facts(session: AsyncSession, swap_id: int) -> tuple[SwapFacts, Signup] | None:
    swap = await session.get(SeatSwap, swap_id)
    if swap is None:
        return None
    signup = await session.get(Signup, swap.signup_id)
    assert signup is not None
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    giver = await session.get(Volunteer, swap.from_volunteer_id)
    teammate = await session.get(Volunteer, swap.to_volunteer_id)
    assert opportunity is not None and giver is not None and teammate is not None
    return SwapFacts(swap, giver, teammate, shift, opportunity), signup


async def load_swap_offered(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> SwapFacts | None:
    loaded = await _swap_facts(session, int(payload["swap_id"]))
    if loaded is None:
        return None
    facts, signup = loaded
    # Still open (the payload's expires_at, the shift's start, makes the sender drop it after).
    return facts if swap_is_open(facts.swap, signup, facts.shift, facts.shift.starts_at - timedelta(seconds=1)) else None


async def load_swap_answered(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> SwapFacts | None:
    loaded = await _swap_facts(session, int(payload["swap_id"]))
    if loaded is None or loaded[0].swap.status not in (SwapStatus.ACCEPTED, SwapStatus.DECLINED):
        return None
    return loaded[0]
