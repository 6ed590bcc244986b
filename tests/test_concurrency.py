"""Many volunteers pressing "sign up" at the same moment never overfill a shift."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from infra.database import transaction
from models.signups import OfferRules, SignupOutcome, cancel_signup, sign_up
from models.tables import Shift, Signup, SignupStatus, Volunteer
from tests.factories import make_center, make_opportunity

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


async def make_volunteers(session_factory, count: int, first_id: int = 10_000_000_000) -> list[Volunteer]:
    async with session_factory() as session, session.begin():
        volunteers = [Volunteer(telegram_id=first_id + i, onboarding_step=None, gender="male", registered_at=NOW) for i in range(count)]
        session.add_all(volunteers)
    return volunteers


async def attempt(session_factory, volunteer, shift_id, join_waitlist=False):
    async with transaction(session_factory) as session:
        fresh = await session.get(Volunteer, volunteer.id)
        result = await sign_up(session, volunteer=fresh, shift_id=shift_id, now=NOW, join_waitlist=join_waitlist)
        return result.outcome


async def test_forty_simultaneous_sign_ups_fill_exactly_the_seats(session_factory):
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[NOW + timedelta(days=1)], capacity=7)
    volunteers = await make_volunteers(session_factory, 40)
    outcomes = await asyncio.gather(*(attempt(session_factory, v, shift.id) for v in volunteers))
    assert outcomes.count(SignupOutcome.CONFIRMED) == 7
    assert outcomes.count(SignupOutcome.FULL) == 33
    async with session_factory() as session:
        assert (await session.get(Shift, shift.id)).seats_taken == 7
        confirmed = await session.execute(select(func.count()).select_from(Signup).where(Signup.status == SignupStatus.CONFIRMED))
        assert confirmed.scalar_one() == 7


async def test_simultaneous_waitlist_and_cancellations_keep_seats_consistent(session_factory):
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[NOW + timedelta(days=1)], capacity=5)
    volunteers = await make_volunteers(session_factory, 20)
    await asyncio.gather(*(attempt(session_factory, v, shift.id, join_waitlist=True) for v in volunteers))
    async with session_factory() as session:
        holders = (await session.execute(select(Signup).where(Signup.status == SignupStatus.CONFIRMED))).scalars().all()

    async def cancel(signup):
        async with transaction(session_factory) as session:
            volunteer = await session.get(Volunteer, signup.volunteer_id)
            await cancel_signup(session, volunteer=volunteer, signup_id=signup.id, now=NOW, offers=OfferRules())

    await asyncio.gather(*(cancel(s) for s in holders[:3]))
    async with session_factory() as session:
        confirmed = (await session.execute(select(func.count()).select_from(Signup).where(Signup.status == SignupStatus.CONFIRMED))).scalar_one()
        waiting = (await session.execute(select(func.count()).select_from(Signup).where(Signup.status == SignupStatus.WAITLISTED))).scalar_one()
        assert (await session.get(Shift, shift.id)).seats_taken == confirmed == 5
    assert waiting == 12  # 20 - 5 confirmed - 3 cancelled


async def test_the_same_volunteer_twice_at_once_gets_one_seat(session_factory):
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[NOW + timedelta(days=1)], capacity=5)
    [volunteer] = await make_volunteers(session_factory, 1)

    async def guarded():
        try:
            return await attempt(session_factory, volunteer, shift.id)
        except Exception as exc:  # the unique constraint refusing the twin is acceptable
            return type(exc).__name__

    outcomes = await asyncio.gather(*(guarded() for _ in range(5)))
    assert outcomes.count(SignupOutcome.CONFIRMED) == 1
    async with session_factory() as session:
        assert (await session.get(Shift, shift.id)).seats_taken == 1
