"""Builders shared by the coordinator tests: registered people with roles, and audit lookups."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.tables import AuditLog, Center, CoordinatorCenter, Volunteer
from tests.harness import BotHarness

_names = itertools.count(1)


def sessions(harness: BotHarness) -> async_sessionmaker[AsyncSession]:
    return harness.app.bot_data.services.sessions  # type: ignore[no-any-return]


async def make_person(
    harness: BotHarness,
    telegram_id: int,
    *,
    center: Center | None = None,
    gender: str = "male",
    language: str = "ar",
    role: str = "volunteer",
    centers: list[Center] | None = None,
    name: str | None = None,
    registered_at: datetime | None = None,
) -> Volunteer:
    """A registered volunteer (or coordinator of `centers`, or admin)."""
    async with sessions(harness)() as session, session.begin():
        person = Volunteer(
            telegram_id=telegram_id,
            language=language,
            display_name=name or f"Volunteer {next(_names)}",
            phone="+966500000000",
            center_id=center.id if center else None,
            gender=gender,
            role=role,
            onboarding_step=None,
            registered_at=registered_at or datetime(2026, 1, 15, tzinfo=UTC),
        )
        session.add(person)
        await session.flush()
        person.onboarding_step = None  # an explicit None at construction would be replaced by the default
        for managed in centers or []:
            session.add(CoordinatorCenter(volunteer_id=person.id, center_id=managed.id))
    return person


async def audit(harness: BotHarness, *, allowed: bool | None = None) -> list[AuditLog]:
    async with sessions(harness)() as session:
        query = select(AuditLog).order_by(AuditLog.id)  # type: ignore[arg-type]
        if allowed is not None:
            query = query.where(AuditLog.allowed.is_(allowed))  # type: ignore[attr-defined]
        return list((await session.execute(query)).scalars())
