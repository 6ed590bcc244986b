"""Minors and guardians, and who sees phones (issue 13), at the 100k-volunteer fixture's size.

    PYTHONPATH=. .venv/bin/python -m bench.sizes_minors /tmp/bench/i13minors.sqlite3 [--runs 200]

Prints p50/p95/max ms per operation: a sign-up by an adult, by a minor with a guardian's consent
(one more indexed read) and by one without (refused before any seat is taken); the consent lookup
and the guardian page by link code; a withdrawal cancelling the minor's upcoming places; a shift's
roster with the phones its coordinator may see. Every run is rolled back.
"""

from __future__ import annotations

import argparse
import asyncio
import random

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bench.sizes import report, timed
from infra.database import create_engine, create_session_factory, migrate
from models.ages import has_guardian_consent
from models.attendance_review import shift_roster
from models.base import utcnow
from models.contact_visibility import visible_phones
from models.coordination import Actor
from models.guardians import cancel_upcoming_places, guardian_page, new_code
from models.signups import DEFAULT_OFFER_RULES, sign_up
from models.tables import (
    ConsentStatus,
    GuardianConsent,
    Opportunity,
    OpportunityStatus,
    Shift,
    Signup,
    Volunteer,
)


async def run(path: str, runs: int) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    factory = create_session_factory(engine)
    rng = random.Random(13)
    now = utcnow()
    async with factory() as session:
        print("volunteers:", (await session.execute(select(func.count()).select_from(Volunteer))).scalar_one())
        volunteer_ids = list((await session.execute(
            select(col(Volunteer.id)).where(col(Volunteer.registered_at).is_not(None)).limit(5000))).scalars())
        open_shifts = list((await session.execute(
            select(col(Shift.id)).join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .where(col(Shift.starts_at) > now, col(Opportunity.status) == OpportunityStatus.PUBLISHED,
                   col(Opportunity.gender) == "all").limit(2000))).scalars())
        busy = list((await session.execute(
            select(col(Signup.shift_id)).group_by(col(Signup.shift_id)).order_by(func.count().desc()).limit(50))).scalars())
    minor_year = now.year - 15

    async def as_minor(s: AsyncSession, i: int, *, consent: bool) -> Volunteer:
        volunteer = await s.get(Volunteer, volunteer_ids[i % len(volunteer_ids)])
        assert volunteer is not None and volunteer.id is not None
        volunteer.birth_year = minor_year
        if consent:
            s.add(GuardianConsent(volunteer_id=volunteer.id, code=new_code(), status=ConsentStatus.GRANTED, created_at=now, granted_at=now))
        await s.flush()
        return volunteer

    def signer(kind: str):  # type: ignore[no-untyped-def]
        chosen: dict[int, Volunteer] = {}

        async def prepare(s: AsyncSession, i: int) -> None:
            if kind == "adult":
                found = await s.get(Volunteer, volunteer_ids[i % len(volunteer_ids)])
                assert found is not None
                chosen[i] = found
            else:
                chosen[i] = await as_minor(s, i, consent=kind == "consented")

        async def call(s: AsyncSession, i: int) -> None:
            await sign_up(s, volunteer=chosen[i], shift_id=rng.choice(open_shifts), now=now)

        return prepare, call

    for name, kind in (("sign_up adult", "adult"), ("sign_up minor with consent", "consented"), ("sign_up minor refused", "refused")):
        prepare, call = signer(kind)
        report(name, await timed(factory, runs, call, prepare))

    codes: dict[int, str] = {}

    async def seed_consent(s: AsyncSession, i: int) -> None:
        volunteer = await as_minor(s, i, consent=True)
        codes[i] = (await s.execute(select(col(GuardianConsent.code)).where(col(GuardianConsent.volunteer_id) == volunteer.id))).scalar_one()

    async def lookup(s: AsyncSession, i: int) -> None:
        await has_guardian_consent(s, volunteer_id=volunteer_ids[i % len(volunteer_ids)])

    async def page(s: AsyncSession, i: int) -> None:
        assert await guardian_page(s, code=codes[i]) is not None

    report("has_guardian_consent", await timed(factory, runs, lookup, seed_consent))
    report("guardian_page by code", await timed(factory, runs, page, seed_consent))

    seated: dict[int, Volunteer] = {}

    async def seat_three(s: AsyncSession, i: int) -> None:
        """A minor holding three seats on shifts to come (the fixture's may all be past)."""
        volunteer = await as_minor(s, i, consent=True)
        for shift_id in rng.sample(open_shifts, 3):
            await sign_up(s, volunteer=volunteer, shift_id=shift_id, now=now, join_waitlist=True)
        seated[i] = volunteer

    async def withdraw(s: AsyncSession, i: int) -> None:
        await cancel_upcoming_places(s, volunteer=seated[i], now=now, offers=DEFAULT_OFFER_RULES)

    report("cancel_upcoming_places (3 seats)", await timed(factory, runs, withdraw, seat_three))

    async def roster_phones(s: AsyncSession, i: int) -> None:
        shift_id = busy[i % len(busy)]
        roster = await shift_roster(s, shift_id=shift_id, now=now)
        assert roster is not None
        coordinator = Actor(volunteer=Volunteer(telegram_id=0), role="coordinator", center_ids=frozenset({roster.opportunity.center_id}))
        people = [v for group in (roster.here, roster.left, roster.late, roster.missing, roster.expected, roster.no_shows) for v, _ in group]
        visible_phones(coordinator, people)

    report("roster with phones (busiest shifts)", await timed(factory, min(runs, 100), roster_phones))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("database")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.database, args.runs))


if __name__ == "__main__":
    main()
