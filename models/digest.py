"""The daily digest: one morning message announcing new opportunities that match a volunteer's
interests (models.interests), for those who opted in.

Once a day at most: the day's run is a `digest_run` row (a second run, or a second instance,
finds it and does nothing) and each message's outbox key names the local day. Queued only in the
morning, local time (never at night: a bot that was down all morning skips the day, and the next
morning's digest covers both days). "New" means published since the previous run (at most a week
back) and after the volunteer opted in; nothing is queued for someone nothing matches.

The plan only reads, so it runs in a read session without SQLite's write lock (bot.scheduling);
the write inserts the day's row and the messages in one short transaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any
from typing import cast as typed

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import dialect_insert
from models.interests import Interests, as_utc
from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_BROADCAST, enqueue_many, outbox_row
from models.tables import (
    DigestRun,
    GenderRule,
    InterestCategory,
    InterestCenter,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftStatus,
    Volunteer,
)

DIGEST_FROM_HOUR = 8  # local time: a morning message ...
DIGEST_UNTIL_HOUR = 12  # ... and never later than noon (so never at night)
DIGEST_MAX_LOOKBACK = timedelta(days=7)
DIGEST_MAX_ITEMS = 10  # listed in the message; the rest are counted ("and 3 more")
# The matching is Python work over 100k rows: it lets the event loop serve updates every so often.
YIELD_EVERY = 2_000


def digest_key(day: str, volunteer_id: int) -> str:
    return f"digest:{day}:{volunteer_id}"


def digest_day(now: datetime, zone: tzinfo) -> str | None:
    """The local day whose digest is due now, or None outside the morning hours."""
    local = now.astimezone(zone)
    if DIGEST_FROM_HOUR <= local.hour < DIGEST_UNTIL_HOUR:
        return local.date().isoformat()
    return None


@dataclass(frozen=True)
class NewOpportunity:
    id: int
    category: str
    center_id: int
    gender: str
    published_at: datetime


@dataclass
class DigestPlan:
    day: str
    rows: list[dict[str, Any]] = field(default_factory=list)


async def plan_digest(session: AsyncSession, *, now: datetime, zone: tzinfo) -> DigestPlan | None:
    """The day's digest messages, or None when no digest is due now (night, or done today)."""
    day = digest_day(now, zone)
    if day is None or await session.get(DigestRun, day) is not None:
        return None
    previous = (await session.execute(select(func.max(col(DigestRun.ran_at))))).scalar_one_or_none()
    window_start = now - DIGEST_MAX_LOOKBACK
    if previous is not None:
        window_start = max(window_start, as_utc(previous))
    fresh = await _new_opportunities(session, since=window_start, now=now)
    plan = DigestPlan(day)
    if not fresh:
        return plan
    interests = await _interests_of_subscribers(session)
    subscribers = await session.execute(
        select(col(Volunteer.id), col(Volunteer.telegram_id), col(Volunteer.gender), col(Volunteer.digest_since)).where(
            col(Volunteer.digest_opt_in) == True,  # noqa: E712 (renders as the partial index has it)
            col(Volunteer.reachable).is_(True),
            col(Volunteer.onboarding_step).is_(None),
        )
    )
    # Many volunteers share the same interests: match each distinct set once.
    matched: dict[tuple[Interests, str | None], list[NewOpportunity]] = {}
    for number, (row_id, telegram_id, gender, since) in enumerate(subscribers):
        if number % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        volunteer_id = typed(int, row_id)
        mine = interests.get(volunteer_id, Interests())
        group = (mine, gender)
        if group not in matched:
            matched[group] = [
                o for o in fresh
                if mine.matches(category=o.category, center_id=o.center_id) and o.gender in (GenderRule.ALL, gender)
            ]
        found = matched[group]
        if since is not None and found:
            since = as_utc(since)
            found = [o for o in found if o.published_at > since]
        if not found:
            continue
        plan.rows.append(
            outbox_row(
                key=digest_key(day, volunteer_id),
                chat_id=telegram_id,
                volunteer_id=volunteer_id,
                kind=NoticeKind.DIGEST,
                payload={
                    "volunteer_id": volunteer_id,
                    "opportunity_ids": [o.id for o in found[:DIGEST_MAX_ITEMS]],
                    "count": len(found),
                    "as_of": now.isoformat(),
                },
                now=now,
                priority=PRIORITY_BROADCAST,
            )
        )
    return plan


async def enqueue_digest(session: AsyncSession, plan: DigestPlan | None, *, now: datetime) -> int:
    """Record the day's run and queue its messages; 0 when the day was done meanwhile."""
    if plan is None:
        return 0
    claimed = await session.execute(
        dialect_insert(session, DigestRun)
        .values(day=plan.day, ran_at=now, queued=len(plan.rows))
        .on_conflict_do_nothing()
        .returning(col(DigestRun.day))
    )
    if claimed.first() is None:
        return 0
    return await enqueue_many(session, plan.rows)


async def _new_opportunities(session: AsyncSession, *, since: datetime, now: datetime) -> list[NewOpportunity]:
    """Opportunities published in (since, now] that still have a shift ahead, the soonest first."""
    next_start = func.min(col(Shift.starts_at))
    rows = await session.execute(
        select(
            col(Opportunity.id), col(Opportunity.category), col(Opportunity.center_id), col(Opportunity.gender),
            col(Opportunity.published_at),
        )
        .join(Shift, col(Shift.opportunity_id) == col(Opportunity.id))
        .where(
            col(Opportunity.status) == OpportunityStatus.PUBLISHED,
            col(Opportunity.published_at) > since,
            col(Opportunity.published_at) <= now,
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.starts_at) > now,
        )
        .group_by(col(Opportunity.id))
        .order_by(next_start, col(Opportunity.id))
    )
    return [
        NewOpportunity(typed(int, i), category, center_id, gender, as_utc(typed(datetime, published)))
        for i, category, center_id, gender, published in rows
    ]


async def _interests_of_subscribers(session: AsyncSession) -> dict[int, Interests]:
    """Every opted-in volunteer's interests, in two reads (not one per volunteer)."""
    subscribed = col(Volunteer.digest_opt_in) == True  # noqa: E712 (renders as the partial index has it)
    categories: dict[int, set[str]] = {}
    centers: dict[int, set[int]] = {}
    for volunteer_id, category in await _paced(
        select(col(InterestCategory.volunteer_id), col(InterestCategory.category))
        .join(Volunteer, col(Volunteer.id) == col(InterestCategory.volunteer_id))
        .where(subscribed),
        session,
    ):
        categories.setdefault(volunteer_id, set()).add(category)
    for volunteer_id, center_id in await _paced(
        select(col(InterestCenter.volunteer_id), col(InterestCenter.center_id))
        .join(Volunteer, col(Volunteer.id) == col(InterestCenter.volunteer_id))
        .where(subscribed),
        session,
    ):
        centers.setdefault(volunteer_id, set()).add(center_id)
    return {
        volunteer_id: Interests(frozenset(categories.get(volunteer_id, ())), frozenset(centers.get(volunteer_id, ())))
        for volunteer_id in categories.keys() | centers.keys()
    }


async def _paced(query: Any, session: AsyncSession) -> list[Any]:
    """All rows of a long read, handing the event loop back every YIELD_EVERY rows."""
    rows: list[Any] = []
    for row in await session.execute(query):
        rows.append(row)
        if len(rows) % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    return rows
