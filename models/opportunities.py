"""Opportunities and their shifts: what volunteers browse."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.tables import (
    Center,
    GenderRule,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)


def new_checkin_code() -> str:
    """A shift's secret (128 random bits): its check-in codes are derived from it, never shown."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class BrowseFilter:
    center_id: int | None = None
    category: str | None = None
    gender: str | None = None  # the volunteer's gender: hide opportunities they cannot join


@dataclass
class OpportunityPage:
    items: list[Opportunity]
    total: int
    page: int
    pages: int


@dataclass
class ShiftView:
    shift: Shift
    seats_left: int
    my_status: str | None = None  # the viewer's sign-up status on this shift, if any
    my_signup_id: int | None = None
    my_offer_expires_at: datetime | None = None  # when a seat is offered to the viewer


@dataclass
class OpportunityDetail:
    opportunity: Opportunity
    center: Center
    shifts: list[ShiftView] = field(default_factory=list)


def _open_shift_clause(now: datetime):
    return exists().where(
        col(Shift.opportunity_id) == col(Opportunity.id),
        col(Shift.status) == ShiftStatus.ACTIVE,
        col(Shift.starts_at) > now,
    )


async def browse_opportunities(
    session: AsyncSession, *, now: datetime, filters: BrowseFilter, page: int, page_size: int
) -> OpportunityPage:
    """Published opportunities that still have a shift ahead, newest first, one page of them."""
    conditions = [col(Opportunity.status) == OpportunityStatus.PUBLISHED, _open_shift_clause(now)]
    if filters.center_id is not None:
        conditions.append(col(Opportunity.center_id) == filters.center_id)
    if filters.category is not None:
        conditions.append(col(Opportunity.category) == filters.category)
    if filters.gender is not None:
        conditions.append(col(Opportunity.gender).in_([GenderRule.ALL.value, filters.gender]))
    total = (await session.execute(select(func.count()).select_from(Opportunity).where(*conditions))).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    result = await session.execute(
        select(Opportunity)
        .where(*conditions)
        .order_by(col(Opportunity.published_at).desc(), col(Opportunity.id).desc())
        .offset(page * page_size)
        .limit(page_size)
    )
    return OpportunityPage(items=list(result.scalars()), total=total, page=page, pages=pages)


async def opportunity_detail(
    session: AsyncSession, *, opportunity_id: int, now: datetime, volunteer_id: int | None
) -> OpportunityDetail | None:
    """An opportunity with its shifts that have not ended, and the viewer's place on each."""
    opportunity = await session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.status != OpportunityStatus.PUBLISHED:
        return None
    center = await session.get(Center, opportunity.center_id)
    assert center is not None
    shifts = (
        await session.execute(
            select(Shift)
            .where(
                col(Shift.opportunity_id) == opportunity_id,
                col(Shift.status) == ShiftStatus.ACTIVE,
                col(Shift.ends_at) > now,
            )
            .order_by(col(Shift.starts_at))
        )
    ).scalars()
    views = [ShiftView(shift=s, seats_left=max(0, s.capacity - s.seats_taken)) for s in shifts]
    if volunteer_id is not None and views:
        mine = await session.execute(
            select(Signup).where(
                col(Signup.volunteer_id) == volunteer_id,
                col(Signup.shift_id).in_([v.shift.id for v in views]),
                col(Signup.status).in_([SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.WAITLISTED]),
            )
        )
        by_shift = {s.shift_id: s for s in mine.scalars()}
        for view in views:
            signup = by_shift.get(view.shift.id)  # type: ignore[arg-type]  # the row is flushed: its id is set
            if signup is not None:
                view.my_status, view.my_signup_id = signup.status, signup.id
                view.my_offer_expires_at = signup.offer_expires_at
    return OpportunityDetail(opportunity=opportunity, center=center, shifts=views)


async def centers_with_open_opportunities(session: AsyncSession, *, now: datetime) -> list[Center]:
    """Centers that have something to offer right now, for the browse filter."""
    result = await session.execute(
        select(Center)
        .where(
            exists().where(
                col(Opportunity.center_id) == col(Center.id),
                col(Opportunity.status) == OpportunityStatus.PUBLISHED,
                _open_shift_clause(now),
            )
        )
        .order_by(col(Center.id))
    )
    return list(result.scalars())


async def shift_with_opportunity(
    session: AsyncSession, *, shift_id: int
) -> tuple[Shift, Opportunity] | None:
    shift = await session.get(Shift, shift_id)
    if shift is None:
        return None
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    return shift, opportunity
