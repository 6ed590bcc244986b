"""Shift changes and cancellations reach every holder once per change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models.notifications import notify_shift_holders
from models.signups import sign_up
from models.tables import OutboxMessage, Shift, Volunteer
from tests.factories import make_center, make_opportunity


async def _volunteer(session, telegram_id: int) -> Volunteer:  # type: ignore[no-untyped-def]
    volunteer = Volunteer(telegram_id=telegram_id, onboarding_step=None, gender="male")
    session.add(volunteer)
    await session.flush()
    return volunteer


async def test_holders_are_told_once_per_change(session_factory) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timezone

    now = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
    center = await make_center(session_factory)
    _, (shift,) = await make_opportunity(session_factory, center=center, starts=[now + timedelta(days=2)], capacity=1)
    async with session_factory() as session, session.begin():
        first, second = await _volunteer(session, 11), await _volunteer(session, 12)
        await sign_up(session, volunteer=first, shift_id=shift.id, now=now)
        await sign_up(session, volunteer=second, shift_id=shift.id, now=now, join_waitlist=True)
    async with session_factory() as session, session.begin():
        assert await notify_shift_holders(session, shift_id=shift.id, change="changed", now=now) == 2
        assert await notify_shift_holders(session, shift_id=shift.id, change="changed", now=now) == 0
    async with session_factory() as session, session.begin():
        stored = await session.get(Shift, shift.id)
        stored.starts_at += timedelta(hours=1)
        stored.ends_at += timedelta(hours=1)
    async with session_factory() as session, session.begin():
        assert await notify_shift_holders(session, shift_id=shift.id, change="changed", now=now) == 2
        assert await notify_shift_holders(session, shift_id=shift.id, change="cancelled", now=now) == 2
        count = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert count == 6
