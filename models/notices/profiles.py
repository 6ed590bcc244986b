"""Loaders of the notices about a volunteer's profile: a gender change asked for (to coordinators),
and what staff changed or declined (to the volunteer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.gender_requests import ClosedSeat, is_pending
from models.signups import HELD
from models.tables import Center, Opportunity, Shift, Signup, Volunteer


@dataclass(frozen=True)
class GenderRequestFacts:
    person: Volunteer
    gender: str
    center: Center | None
    closed: list[ClosedSeat]


@dataclass(frozen=True)
class ProfileChangedFacts:
    person: Volunteer
    field: str  # "center" or "gender"
    declined: bool
    center: Center | None
    released: list[ClosedSeat]


async def load_gender_requested(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> GenderRequestFacts | None:
    """None once the request was decided (by anyone), asked again, or the person erased."""
    person = await session.get(Volunteer, int(payload["volunteer_id"]))
    gender = str(payload["gender"])
    if person is None or not is_pending(person, gender=gender, asked_at=payload.get("asked_at")):
        return None
    assert person.id is not None
    center = await session.get(Center, person.center_id) if person.center_id is not None else None
    closed = await _seats(session, [int(i) for i in payload.get("closed") or []], held_only=True)
    return GenderRequestFacts(person, gender, center, closed)


async def _seats(session: AsyncSession, ids: list[int], *, held_only: bool = False) -> list[ClosedSeat]:
    if not ids:
        return []
    query = (
        select(Signup, Shift, Opportunity)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(col(Signup.id).in_(ids))
        .order_by(col(Shift.starts_at))
    )
    if held_only:
        query = query.where(col(Signup.status).in_(HELD))
    return [ClosedSeat(signup, shift, opportunity) for signup, shift, opportunity in await session.execute(query)]


async def load_profile_changed(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> ProfileChangedFacts | None:
    person = await session.get(Volunteer, int(payload["volunteer_id"]))
    if person is None or person.erased_at is not None:
        return None
    center = await session.get(Center, person.center_id) if person.center_id is not None else None
    released = await _seats(session, [int(i) for i in payload.get("released") or []])
    return ProfileChangedFacts(person, str(payload["field"]), bool(payload.get("declined")), center, released)
