"""Profile changes after registration: a registered volunteer's center or gender, changed only by
staff (onboarding buttons no longer change them, see models.volunteers), each one audited and told
to the volunteer. A volunteer's own changes (/profile) are audited here too (models.own_profile)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import record_action
from models.coordination import Actor
from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.signups import HELD
from models.tables import (
    Center,
    Gender,
    GenderRule,
    Opportunity,
    Shift,
    ShiftStatus,
    Signup,
    Volunteer,
)

PROFILE_FIELDS = ("center", "gender")


class ProfileChange(StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"
    UNKNOWN_CENTER = "unknown_center"
    UNKNOWN_GENDER = "unknown_gender"
    # The person holds a seat (or waitlist place) on a coming men-only or women-only shift that
    # the new gender does not fit: they give it up first, so the rule holds for every seat.
    HOLDS_RESTRICTED_SEAT = "holds_restricted_seat"


async def change_profile(
    session: AsyncSession, *, actor: Actor, person: Volunteer, field: str, value: str, now: datetime,
    released: Sequence[int] = (),
) -> ProfileChange:
    """Move a volunteer to another center, or correct their gender (the caller checked that the
    actor manages the volunteer's present center). The volunteer is told; `released`: the sign-ups
    given up for the change (models.gender_requests), named in what they are told."""
    if field == "center":
        center = (await session.execute(select(Center).where(col(Center.code) == value))).scalar_one_or_none()
        if center is None:
            return ProfileChange.UNKNOWN_CENTER
        before = await session.get(Center, person.center_id) if person.center_id is not None else None
        if center.id == person.center_id:
            return ProfileChange.UNCHANGED
        person.center_id = center.id
        detail = f"center: {before.code if before else '-'} -> {center.code}"
    else:
        if value not in set(Gender):
            return ProfileChange.UNKNOWN_GENDER
        if value == person.gender:
            return ProfileChange.UNCHANGED
        if await _holds_seat_closed_to(session, person=person, gender=value, now=now):
            return ProfileChange.HOLDS_RESTRICTED_SEAT
        detail = f"gender: {person.gender or '-'} -> {value}"
        person.gender = value
    await audit_profile_change(session, actor_telegram_id=actor.telegram_id, person=person, field=field, detail=detail, now=now)
    if actor.volunteer.id != person.id:
        await tell_profile_changed(session, person=person, field=field, now=now, released=released)
    return ProfileChange.DONE


async def audit_profile_change(
    session: AsyncSession, *, actor_telegram_id: int, person: Volunteer, field: str, detail: str, now: datetime
) -> None:
    """One audit line per profile change, whoever made it (the volunteer, or staff)."""
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action=f"profile.{field}", target=f"volunteer:{person.telegram_id}",
        detail=detail, now=now,
    )


async def tell_profile_changed(
    session: AsyncSession, *, person: Volunteer, field: str, now: datetime, declined: bool = False,
    released: Sequence[int] = (),
) -> None:
    """Queue "a coordinator changed your profile" (or declined the change they asked for)."""
    await enqueue(
        session,
        key=f"profile-{field}:{person.id}:{now.isoformat()}",
        chat_id=person.telegram_id,
        volunteer_id=person.id,
        kind=NoticeKind.PROFILE_CHANGED,
        payload={"volunteer_id": person.id, "field": field, "declined": declined, "released": list(released)},
        now=now,
        priority=PRIORITY_NOTICE,
    )


async def _holds_seat_closed_to(session: AsyncSession, *, person: Volunteer, gender: str, now: datetime) -> bool:
    row = await session.execute(
        select(col(Signup.id))
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(
            col(Signup.volunteer_id) == person.id,
            col(Signup.status).in_(HELD),
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.ends_at) > now,
            col(Opportunity.gender).not_in((GenderRule.ALL.value, gender)),
        )
        .limit(1)
    )
    return row.first() is not None
