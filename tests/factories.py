"""Small builders for the rows tests need."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.checkin_codes import digits_code, link_code, window_of
from models.opportunities import new_checkin_code
from models.tables import Center, Opportunity, Shift

_refs = itertools.count(1)

SITE = (21.4225, 39.8262)  # the Haram's courtyard
FAR_AWAY = (21.4500, 39.8700)  # about 5 km away


def scan(shift: Shift, now: datetime) -> str:
    """`/start ci-…`: what scanning the shift's QR code at `now` sends (the code valid then)."""
    return f"/start ci-{link_code(shift, window_of(now))}"


def shown_digits(shift: Shift, now: datetime) -> str:
    """The six digits the coordinator's card shows at `now`."""
    return digits_code(shift, window_of(now))


async def make_center(factory: async_sessionmaker[AsyncSession], code: str = "awali", name_ar: str = "مركز حي العوالي", name_en: str = "Al-Awali Center") -> Center:
    async with factory() as session, session.begin():
        center = Center(code=code, name_ar=name_ar, name_en=name_en, latitude=SITE[0], longitude=SITE[1])
        session.add(center)
    return center


async def make_opportunity(
    factory: async_sessionmaker[AsyncSession],
    *,
    center: Center,
    starts: list[datetime],
    hours: float = 3,
    capacity: int = 5,
    gender: str = "all",
    category: str = "pilgrims",
    title_ar: str = "خدمة ضيوف الرحمن",
    title_en: str = "Serving the pilgrims",
    published_at: datetime | None = None,
) -> tuple[Opportunity, list[Shift]]:
    async with factory() as session, session.begin():
        opportunity = Opportunity(
            ref=f"T-{next(_refs)}",
            center_id=center.id,
            category=category,
            title_ar=title_ar,
            title_en=title_en,
            description_ar="إرشاد الزوار وتوزيع المياه في ساحات الحرم.",
            description_en="Guide visitors and hand out water in the Haram courtyards.",
            gender=gender,
            published_at=published_at or starts[0] - timedelta(days=10),
        )
        session.add(opportunity)
        await session.flush()
        shifts = [
            Shift(
                opportunity_id=opportunity.id,
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
                capacity=capacity,
                latitude=SITE[0],
                longitude=SITE[1],
                radius_m=300,
                checkin_code=new_checkin_code(),
            )
            for start in starts
        ]
        session.add_all(shifts)
    return opportunity, shifts
