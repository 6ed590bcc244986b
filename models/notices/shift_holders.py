"""Queueing the notice to every holder of a shift that a coordinator changed or cancelled."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.signups import HELD
from models.tables import Opportunity, Shift, Signup, SignupStatus, Volunteer

SHIFT_CHANGES = ("changed", "cancelled")


def shift_version(shift: Shift, opportunity: Opportunity) -> str:
    """A short fingerprint of what holders are told about: the same state gives the same version.

    The notice key carries it, so reporting one change twice (a retried coordinator action, a
    second call in the same flow) queues one notice, while a later, different change queues anew.
    """
    state = "|".join(
        str(value)
        for value in (
            shift.starts_at.isoformat(),
            shift.ends_at.isoformat(),
            shift.latitude,
            shift.longitude,
            shift.status,
            opportunity.title_ar,
            opportunity.title_en,
        )
    )
    return hashlib.sha1(state.encode()).hexdigest()[:12]


async def notify_shift_holders(session: AsyncSession, *, shift_id: int, change: str, now: datetime) -> int:
    """Queue a notice to every holder (confirmed and waitlisted) of the shift; how many were queued.

    change: "changed" or "cancelled". For a cancellation, sign-ups released in the same operation
    (cancelled at `now`) are told too, so the caller may release seats before or after calling.
    Committing the caller's transaction wakes the sender (see infra.outbox_bell).
    """
    if change not in SHIFT_CHANGES:
        raise ValueError(f"unknown shift change {change!r}")
    shift = await session.get(Shift, shift_id)
    if shift is None:
        return 0
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    version = shift_version(shift, opportunity)
    held: ColumnElement[bool] = col(Signup.status).in_(HELD)
    if change == "cancelled":
        released_now = and_(col(Signup.status) == SignupStatus.CANCELLED, col(Signup.cancelled_at) >= now)
        held = or_(held, released_now)
    rows = await session.execute(
        select(Signup, Volunteer)
        .join(Volunteer, col(Volunteer.id) == col(Signup.volunteer_id))
        .where(col(Signup.shift_id) == shift_id, held)
        .order_by(col(Signup.id))
    )
    queued = 0
    for signup, volunteer in rows:
        queued += await enqueue(
            session,
            key=f"shift-{change}:{shift_id}:{version}:{signup.id}",
            chat_id=volunteer.telegram_id,
            volunteer_id=volunteer.id,
            kind=NoticeKind.SHIFT_CHANGED if change == "changed" else NoticeKind.SHIFT_CANCELLED,
            payload={"shift_id": shift_id, "signup_id": signup.id},
            now=now,
            priority=PRIORITY_NOTICE,
        )
    return queued
