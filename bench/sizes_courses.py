"""Qualifications at the program's size: the sign-up check and the /qualifications page.

Grows the 100k fixture (bench/fixtures.py; copy it first, this writes) with 20 qualifications,
20 training courses granting them, 300 opportunities requiring one or two, and 50,000
qualifications held by volunteers (some expired), once; then times, each run rolled back:

- the qualification check alone (`missing_for_shift`) on a gated shift, for volunteers who hold
  what it needs and for volunteers who do not (then the next course session is looked up too);
- a whole `sign_up` on a gated shift, and on an ungated one (the check's cost when nothing is
  required, which is nearly every shift);
- what every check-out now adds: the lookup of whether the record is a course's;
- the /qualifications page's query (`qualifications_of`) for volunteers who hold some.

    PYTHONPATH=. .venv/bin/python -m bench.sizes_courses /tmp/bench/<copy>.sqlite3 [--runs 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlmodel import col

from bench.sizes import report, timed
from infra.database import create_engine, create_session_factory, migrate
from models import signups
from models.base import utcnow
from models.qualifications import grant_for_attendance, missing_for_shift, qualifications_of
from models.signups import sign_up
from models.tables import (
    Attendance,
    CourseQualification,
    Opportunity,
    Qualification,
    RequiredQualification,
    Shift,
    Volunteer,
    VolunteerQualification,
)

QUALIFICATIONS, COURSES, GATED, HELD = 20, 20, 300, 50_000


async def grow(factory, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    async with factory() as session, session.begin():
        if (await session.execute(select(func.count()).select_from(Qualification))).scalar_one():
            return
        await session.execute(insert(Qualification), [
            {"code": f"bench-q{n}", "name_ar": f"مؤهل {n}", "name_en": f"Qualification {n}",
             "validity_months": rng.choice((None, 12, 24)), "created_at": now} for n in range(QUALIFICATIONS)])
        qualification_ids = list((await session.execute(select(col(Qualification.id)))).scalars())
        opportunity_ids = list((await session.execute(select(col(Opportunity.id)).order_by(col(Opportunity.id)))).scalars())
        picked = rng.sample(opportunity_ids, COURSES + GATED)
        await session.execute(insert(CourseQualification), [
            {"opportunity_id": o, "qualification_id": qualification_ids[n % QUALIFICATIONS]} for n, o in enumerate(picked[:COURSES])])
        required = []
        for o in picked[COURSES:]:
            for q in rng.sample(qualification_ids, rng.choice((1, 1, 2))):
                required.append({"opportunity_id": o, "qualification_id": q})
        await session.execute(insert(RequiredQualification), required)
        volunteer_ids = list((await session.execute(select(col(Volunteer.id)))).scalars())
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < HELD:
            pairs.add((rng.choice(volunteer_ids), rng.choice(qualification_ids)))
        rows = []
        for volunteer_id, qualification_id in pairs:
            granted = now - timedelta(days=rng.randint(0, 900))
            rows.append({"volunteer_id": volunteer_id, "qualification_id": qualification_id, "granted_at": granted,
                         "expires_at": rng.choice((None, granted + timedelta(days=730))), "source": "manual"})
        for chunk in range(0, len(rows), 5_000):
            await session.execute(insert(VolunteerQualification), rows[chunk:chunk + 5_000])
    print(f"grown: {QUALIFICATIONS} qualifications, {COURSES} courses, {GATED} gated opportunities, {HELD:,} held")


async def run(path: str, runs: int) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    factory = create_session_factory(engine)
    rng = random.Random(12)
    await grow(factory, rng)
    now = utcnow()
    try:
        async with factory() as session:
            gated = list((await session.execute(
                select(Shift).join(RequiredQualification, col(RequiredQualification.opportunity_id) == col(Shift.opportunity_id))
                .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
                .where(col(Shift.starts_at) > now, col(Opportunity.gender) == "all").distinct()
            )).scalars())
            ungated = list((await session.execute(
                select(Shift).join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
                .outerjoin(RequiredQualification, col(RequiredQualification.opportunity_id) == col(Shift.opportunity_id))
                .where(col(Shift.starts_at) > now, col(Opportunity.gender) == "all", col(RequiredQualification.opportunity_id).is_(None))
                .limit(500)
            )).scalars())
            holders = list((await session.execute(
                select(Volunteer).join(VolunteerQualification, col(VolunteerQualification.volunteer_id) == col(Volunteer.id))
                .where(col(Volunteer.registered_at).is_not(None)).limit(5_000)
            )).scalars())
            strangers = list((await session.execute(
                select(Volunteer).outerjoin(VolunteerQualification, col(VolunteerQualification.volunteer_id) == col(Volunteer.id))
                .where(col(VolunteerQualification.id).is_(None), col(Volunteer.registered_at).is_not(None)).limit(5_000)
            )).scalars())
            counts = (await session.execute(select(func.count()).select_from(VolunteerQualification))).scalar_one()
            closed = list((await session.execute(
                select(Attendance).where(col(Attendance.checked_out_at).is_not(None), col(Attendance.flagged).is_(False),
                                         col(Attendance.credited_minutes) > 0).limit(500)
            )).scalars())
        print(f"database: volunteer_qualification {counts:,}; gated upcoming shifts {len(gated)}, ungated sampled {len(ungated)}")
        if not gated or not ungated:
            raise SystemExit("no upcoming shifts in the fixture: rebuild it (bench/fixtures.py)")

        async def check_holder(session, i):  # type: ignore[no-untyped-def]
            await missing_for_shift(session, volunteer_id=holders[i % len(holders)].id, shift=gated[i % len(gated)], now=now)

        async def check_stranger(session, i):  # type: ignore[no-untyped-def]
            await missing_for_shift(session, volunteer_id=strangers[i % len(strangers)].id, shift=gated[i % len(gated)], now=now)

        async def check_ungated(session, i):  # type: ignore[no-untyped-def]
            await missing_for_shift(session, volunteer_id=strangers[i % len(strangers)].id, shift=ungated[i % len(ungated)], now=now)

        async def sign_up_gated(session, i):  # type: ignore[no-untyped-def]
            volunteer = await session.merge(rng.choice(holders + strangers), load=False)
            await sign_up(session, volunteer=volunteer, shift_id=gated[i % len(gated)].id, now=now, join_waitlist=True)

        async def sign_up_ungated(session, i):  # type: ignore[no-untyped-def]
            volunteer = await session.merge(rng.choice(strangers), load=False)
            await sign_up(session, volunteer=volunteer, shift_id=ungated[i % len(ungated)].id, now=now, join_waitlist=True)

        async def no_check(session, *, volunteer_id, shift, now):  # type: ignore[no-untyped-def]
            return []

        async def sign_up_unchecked(session, i):  # type: ignore[no-untyped-def]
            # The same sign-up without the qualification check: what the check adds to it.
            real, signups.missing_for_shift = signups.missing_for_shift, no_check
            try:
                await sign_up_ungated(session, i)
            finally:
                signups.missing_for_shift = real

        async def grant_lookup(session, i):  # type: ignore[no-untyped-def]
            # What every check-out now adds: is this record a course's? (nearly always not)
            await grant_for_attendance(session, attendance=await session.merge(closed[i % len(closed)], load=False), now=now)

        async def page(session, i):  # type: ignore[no-untyped-def]
            await qualifications_of(session, volunteer_id=holders[i % len(holders)].id, now=now)

        async def floor(session, i):  # type: ignore[no-untyped-def]
            await session.execute(select(1))

        for warm_up in (check_holder, check_stranger, page):  # the pages they read, into the cache first
            await timed(factory, 100, warm_up)
        report("floor: one SELECT 1 round trip", await timed(factory, runs, floor))
        targeted = [  # the check and the page: p95 <= 10 ms
            report("check: holder, gated shift", await timed(factory, runs, check_holder)),
            report("check: lacking, + next course", await timed(factory, runs, check_stranger)),
            report("check: ungated shift (none needed)", await timed(factory, runs, check_ungated)),
            report("/qualifications page query", await timed(factory, runs, page)),
        ]
        # A whole sign-up's cost is mostly the seat it takes: compare it with and without the check.
        report("sign_up: gated shift", await timed(factory, runs, sign_up_gated))
        report("sign_up: ungated shift", await timed(factory, runs, sign_up_ungated))
        report("sign_up: ungated, check removed", await timed(factory, runs, sign_up_unchecked))
        report("check-out: course grant lookup", await timed(factory, runs, grant_lookup))
        print(f"check and page: worst p95 {max(targeted):.2f} ms (target 10 ms)")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", help="a copy of the SQLite file filled by bench/fixtures.py")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(run(args.database, args.runs))


if __name__ == "__main__":
    main()
