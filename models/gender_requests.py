"""A volunteer's gender change, asked for in /profile and confirmed (or declined) by a coordinator.

The gender decides who may take men-only and women-only shifts, so a volunteer cannot change it
alone (models.volunteers). The request is kept on their row (`pending_gender`, since when) and sent
to the coordinators of their center and to the admins with ✅/❌ buttons; it names the coming
shifts that would no longer fit. On confirmation those places are given up through the cancel path
(the waitlist moves up), the gender is changed through models.profiles.change_profile (audited), and
the volunteer is told; a decline is audited and told too. The first decision wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.coordination import Actor
from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.profiles import (
    ProfileChange,
    audit_profile_change,
    change_profile,
    tell_profile_changed,
)
from models.signups import HELD, OfferRules, cancel_signup
from models.tables import (
    CoordinatorCenter,
    Gender,
    GenderRule,
    Opportunity,
    Role,
    Shift,
    ShiftStatus,
    Signup,
    Volunteer,
)


@dataclass(frozen=True)
class ClosedSeat:
    """A place on a coming shift that the other gender may not hold."""

    signup: Signup
    shift: Shift
    opportunity: Opportunity


async def seats_closed_to(session: AsyncSession, *, volunteer_id: int, gender: str, now: datetime) -> list[ClosedSeat]:
    """The volunteer's places (seats, offers, waitlist) on coming or running shifts restricted to
    the other gender."""
    rows = await session.execute(
        select(Signup, Shift, Opportunity)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(
            col(Signup.volunteer_id) == volunteer_id,
            col(Signup.status).in_(HELD),
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.ends_at) > now,
            col(Opportunity.gender).not_in((GenderRule.ALL.value, gender)),
        )
        .order_by(col(Shift.starts_at))
    )
    return [ClosedSeat(signup, shift, opportunity) for signup, shift, opportunity in rows]


class RequestOutcome(StrEnum):
    REQUESTED = "requested"
    UNCHANGED = "unchanged"  # that is already their gender
    UNKNOWN_GENDER = "unknown_gender"


@dataclass
class GenderRequest:
    outcome: RequestOutcome
    reviewers: int = 0
    closed: list[ClosedSeat] = field(default_factory=list)


async def reviewers_of(session: AsyncSession, *, center_id: int | None) -> list[Volunteer]:
    """Who may decide: the coordinators of the volunteer's center, and the admins."""
    managing = select(col(CoordinatorCenter.volunteer_id)).where(col(CoordinatorCenter.center_id) == center_id)
    rows = await session.execute(
        select(Volunteer)
        .where(
            col(Volunteer.erased_at).is_(None),
            or_(col(Volunteer.role) == Role.ADMIN, (col(Volunteer.role) == Role.COORDINATOR) & col(Volunteer.id).in_(managing)),
        )
        .order_by(col(Volunteer.id))
    )
    return list(rows.scalars())


async def request_gender_change(session: AsyncSession, *, person: Volunteer, gender: str, now: datetime) -> GenderRequest:
    """Keep the request and tell whoever may decide (asking again replaces an earlier request)."""
    if gender not in set(Gender):
        return GenderRequest(RequestOutcome.UNKNOWN_GENDER)
    if gender == person.gender:
        return GenderRequest(RequestOutcome.UNCHANGED)
    assert person.id is not None
    person.pending_gender, person.pending_gender_at = gender, now
    await audit_profile_change(session, actor_telegram_id=person.telegram_id, person=person, field="gender_request",
                               detail=f"gender: {person.gender or '-'} -> {gender} (asked)", now=now)
    closed = await seats_closed_to(session, volunteer_id=person.id, gender=gender, now=now)
    reviewers = await reviewers_of(session, center_id=person.center_id)
    for reviewer in reviewers:
        await enqueue(
            session,
            key=f"gender-request:{person.id}:{now.isoformat()}:{reviewer.id}",
            chat_id=reviewer.telegram_id,
            volunteer_id=reviewer.id,
            kind=NoticeKind.GENDER_REQUESTED,
            payload={"volunteer_id": person.id, "gender": gender, "asked_at": now.isoformat(),
                     "closed": [seat.signup.id for seat in closed]},
            now=now,
            priority=PRIORITY_NOTICE,
        )
    return GenderRequest(RequestOutcome.REQUESTED, reviewers=len(reviewers), closed=closed)


def is_pending(person: Volunteer | None, *, gender: str, asked_at: str | None = None) -> bool:
    """Is this request (this gender, asked at this moment when given) still waiting for a decision?"""
    if person is None or person.erased_at is not None or person.pending_gender != gender:
        return False
    return asked_at is None or (person.pending_gender_at is not None and person.pending_gender_at.isoformat() == asked_at)


class DecisionOutcome(StrEnum):
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    NOT_PENDING = "not_pending"  # decided already (by someone else), withdrawn, or asked again since
    ON_SHIFT = "on_shift"  # they are on a restricted shift that has started: decide after it ends


@dataclass
class GenderDecision:
    outcome: DecisionOutcome
    released: list[ClosedSeat] = field(default_factory=list)


async def decide_gender_change(
    session: AsyncSession, *, actor: Actor, person: Volunteer, gender: str, confirm: bool, now: datetime, offers: OfferRules
) -> GenderDecision:
    """Confirm or decline the pending request (the caller checked that the actor manages the
    volunteer's center)."""
    if not is_pending(person, gender=gender):
        return GenderDecision(DecisionOutcome.NOT_PENDING)
    assert person.id is not None
    if not confirm:
        person.pending_gender = person.pending_gender_at = None
        await audit_profile_change(session, actor_telegram_id=actor.telegram_id, person=person, field="gender_decline",
                                   detail=f"gender: {person.gender or '-'} -> {gender} (declined)", now=now)
        await tell_profile_changed(session, person=person, field="gender", now=now, declined=True)
        return GenderDecision(DecisionOutcome.DECLINED)
    closed = await seats_closed_to(session, volunteer_id=person.id, gender=gender, now=now)
    if any(seat.shift.starts_at <= now for seat in closed):
        return GenderDecision(DecisionOutcome.ON_SHIFT)
    for seat in closed:
        assert seat.signup.id is not None
        await cancel_signup(session, volunteer=person, signup_id=seat.signup.id, now=now, offers=offers)
    person.pending_gender = person.pending_gender_at = None
    released = [seat.signup.id for seat in closed if seat.signup.id is not None]
    outcome = await change_profile(session, actor=actor, person=person, field="gender", value=gender, now=now, released=released)
    assert outcome == ProfileChange.DONE, outcome
    return GenderDecision(DecisionOutcome.CONFIRMED, released=closed)
