"""Loader of the morning digest (queued by models.digest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.interests import as_utc
from models.tables import Center, Opportunity, OpportunityStatus, Shift, ShiftStatus, Volunteer


@dataclass(frozen=True)
class DigestItem:
    opportunity: Opportunity
    center: Center
    next_start: datetime


@dataclass(frozen=True)
class DigestFacts:
    volunteer: Volunteer
    items: list[DigestItem]
    more: int  # matching opportunities not listed


async def load_digest(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> DigestFacts | None:
    """None when the volunteer opted out meanwhile, or nothing listed is open any more."""
    volunteer = await session.get(Volunteer, int(payload["volunteer_id"]))
    if volunteer is None or not volunteer.digest_opt_in:
        return None
    ids = [int(i) for i in payload["opportunity_ids"]]
    as_of = datetime.fromisoformat(payload["as_of"])
    rows = await session.execute(
        select(Opportunity, Center, func.min(col(Shift.starts_at)))
        .join(Center, col(Center.id) == col(Opportunity.center_id))
        .join(Shift, col(Shift.opportunity_id) == col(Opportunity.id))
        .where(
            col(Opportunity.id).in_(ids),
            col(Opportunity.status) == OpportunityStatus.PUBLISHED,
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.starts_at) > as_of,
        )
        .group_by(col(Opportunity.id), col(Center.id))
    )
    items = sorted(
        (DigestItem(o, c, as_utc(start)) for o, c, start in rows), key=lambda item: (item.next_start, item.opportunity.id or 0)
    )
    if not items:
        return None
    return DigestFacts(volunteer, items, max(0, int(payload["count"]) - len(ids)))
