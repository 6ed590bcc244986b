"""A volunteer's interests (categories and centers) and browsing that starts from them.

An opportunity matches a volunteer's interests when its category is one they picked (or they
picked none) and its center is one they picked (or they picked none): picking "health" and
"Al-Awali" narrows to health at Al-Awali; picking "health" alone means health anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from typing import cast as typed

from sqlalchemy import delete, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import dialect_insert
from models.opportunities import OpportunityPage
from models.tables import (
    CATEGORIES,
    Center,
    GenderRule,
    InterestCategory,
    InterestCenter,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftStatus,
    Volunteer,
)


@dataclass(frozen=True)
class Interests:
    categories: frozenset[str] = field(default_factory=frozenset)
    center_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def any(self) -> bool:
        return bool(self.categories or self.center_ids)

    def matches(self, *, category: str, center_id: int) -> bool:
        """The one rule of a match (the SQL of browse_interesting says the same)."""
        return (not self.categories or category in self.categories) and (not self.center_ids or center_id in self.center_ids)


async def interests_of(session: AsyncSession, *, volunteer_id: int) -> Interests:
    """The volunteer's picked categories and centers (one read of both tables)."""
    picked: Any = union_all(
        select(col(InterestCategory.category), literal(None).label("center_id")).where(
            col(InterestCategory.volunteer_id) == volunteer_id
        ),
        select(literal(None).label("category"), col(InterestCenter.center_id)).where(
            col(InterestCenter.volunteer_id) == volunteer_id
        ),
    )
    rows = (await session.execute(picked)).all()
    return Interests(
        frozenset(category for category, _ in rows if category is not None),
        frozenset(int(center_id) for _, center_id in rows if center_id is not None),
    )


async def toggle_category(session: AsyncSession, *, volunteer_id: int, category: str) -> bool:
    """Pick or unpick a category; True when it is picked now. An unknown category is refused."""
    if category not in CATEGORIES:
        return False
    removed = await session.execute(
        delete(InterestCategory).where(
            col(InterestCategory.volunteer_id) == volunteer_id, col(InterestCategory.category) == category
        )
    )
    if removed.rowcount:  # type: ignore[attr-defined]  # rowcount is typed on CursorResult
        return False
    insert = dialect_insert(session, InterestCategory).values(volunteer_id=volunteer_id, category=category)
    await session.execute(insert.on_conflict_do_nothing())
    return True


async def toggle_center(session: AsyncSession, *, volunteer_id: int, center_id: int) -> bool | None:
    """Pick or unpick a center; True when it is picked now, None when there is no such center."""
    if await session.get(Center, center_id) is None:
        return None
    removed = await session.execute(
        delete(InterestCenter).where(col(InterestCenter.volunteer_id) == volunteer_id, col(InterestCenter.center_id) == center_id)
    )
    if removed.rowcount:  # type: ignore[attr-defined]  # rowcount is typed on CursorResult
        return False
    insert = dialect_insert(session, InterestCenter).values(volunteer_id=volunteer_id, center_id=center_id)
    await session.execute(insert.on_conflict_do_nothing())
    return True


async def all_centers(session: AsyncSession) -> list[Center]:
    """Every center, for the interests page."""
    return list((await session.execute(select(Center).order_by(col(Center.id)))).scalars())


def set_digest(volunteer: Volunteer, *, on: bool, now: datetime) -> None:
    """Opt in to the daily digest (it announces what is published from now on) or out of it."""
    if on and not volunteer.digest_opt_in:
        volunteer.digest_since = now
    volunteer.digest_opt_in = on


@dataclass
class InterestingPage(OpportunityPage):
    # Each listed opportunity's next shift start, by opportunity id (the list's order).
    next_start: dict[int, datetime] = field(default_factory=dict)


async def browse_interesting(
    session: AsyncSession,
    *,
    now: datetime,
    interests: Interests,
    gender: str | None,
    page: int,
    page_size: int,
) -> InterestingPage:
    """Published opportunities matching the interests with a shift ahead, the soonest shift first."""
    next_start = func.min(col(Shift.starts_at)).label("next_start")
    conditions = [
        col(Opportunity.status) == OpportunityStatus.PUBLISHED,
        col(Shift.status) == ShiftStatus.ACTIVE,
        col(Shift.starts_at) > now,
    ]
    if interests.categories:
        conditions.append(col(Opportunity.category).in_(sorted(interests.categories)))
    if interests.center_ids:
        conditions.append(col(Opportunity.center_id).in_(sorted(interests.center_ids)))
    if gender is not None:
        conditions.append(col(Opportunity.gender).in_([GenderRule.ALL.value, gender]))
    # One grouped read of the few opportunities with a shift ahead (ids and next starts), paged
    # here, then the page's rows by id: the join runs once, not once to count and once to page.
    matching = (
        await session.execute(
            select(col(Opportunity.id), next_start)
            .join(Shift, col(Shift.opportunity_id) == col(Opportunity.id))
            .where(*conditions)
            .group_by(col(Opportunity.id))
            .order_by(next_start, col(Opportunity.id))
        )
    ).all()
    total = len(matching)
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    shown = {typed(int, i): as_utc(start) for i, start in matching[page * page_size : (page + 1) * page_size]}
    loaded = {o.id: o for o in (await session.execute(select(Opportunity).where(col(Opportunity.id).in_(list(shown))))).scalars()}
    return InterestingPage(
        items=[loaded[i] for i in shown if i in loaded], total=total, page=page, pages=pages, next_start=shown
    )


def as_utc(value: datetime | str) -> datetime:
    """min() of a datetime column comes back naive (or as text on SQLite): make it UTC again."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
