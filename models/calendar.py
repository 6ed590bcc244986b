"""A volunteer's confirmed shifts, as a calendar reads them (the .ics is drawn in handlers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.tables import Center, Opportunity, Shift, ShiftStatus, Signup, SignupStatus

# /calendar's file holds at most this many shifts (a volunteer rarely holds more than a few).
MAX_EVENTS = 100


@dataclass(frozen=True)
class CalendarEntry:
    signup: Signup
    shift: Shift
    opportunity: Opportunity
    center: Center


async def confirmed_upcoming(
    session: AsyncSession, *, volunteer_id: int, now: datetime, signup_id: int | None = None
) -> list[CalendarEntry]:
    """The volunteer's confirmed seats on active shifts that have not ended, soonest first (only
    the one named, when a signup is named: empty when it is not theirs or no longer confirmed)."""
    query = (
        select(Signup, Shift, Opportunity, Center)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .join(Center, col(Center.id) == col(Opportunity.center_id))
        .where(
            col(Signup.volunteer_id) == volunteer_id,
            col(Signup.status) == SignupStatus.CONFIRMED,
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.ends_at) > now,
        )
        .order_by(col(Shift.starts_at))
        .limit(MAX_EVENTS)
    )
    if signup_id is not None:
        query = query.where(col(Signup.id) == signup_id)
    return [CalendarEntry(*row) for row in (await session.execute(query)).all()]
