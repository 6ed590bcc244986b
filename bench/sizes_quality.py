"""Time the queries of issue 12 (ratings, comments, the rating sweep, the calendar) at full size.

    PYTHONPATH=. .venv/bin/python -m bench.sizes_quality /tmp/bench/i12quality.sqlite3 [--runs 100]

Run it on a COPY of a database filled by bench/fixtures.py: the first run migrates it and rates a
quarter of its attendance records (a tenth of those with a comment), once. Every timed write is
rolled back. Prints p50/p95/max in ms per operation.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlmodel import col

from bench.sizes import report, timed
from infra.database import create_engine, create_session_factory, migrate
from models.base import year_bounds
from models.calendar import confirmed_upcoming
from models.ratings import (
    RATING_LOOKBACK,
    STEADY_RATING_LOOKBACK,
    enqueue_rating_requests,
    plan_rating_requests,
    rate_attendance,
    rating_comments,
    rating_figures,
)
from models.tables import Attendance, Center, ShiftRating, Volunteer

ZONE = ZoneInfo("Asia/Riyadh")

FILL = """
INSERT INTO shift_rating (attendance_id, volunteer_id, opportunity_id, center_id, score, comment, rated_at, commented_at)
SELECT a.id, a.volunteer_id, s.opportunity_id, o.center_id, (a.id % 5) + 1,
       CASE WHEN a.id % 40 = 0 THEN 'A comment about shift ' || a.id END,
       a.checked_out_at, CASE WHEN a.id % 40 = 0 THEN a.checked_out_at END
FROM attendance a JOIN shift s ON s.id = a.shift_id JOIN opportunity o ON o.id = s.opportunity_id
WHERE a.id % 4 = 0 AND a.checked_out_at IS NOT NULL
"""


async def run(path: str, runs: int) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    factory = create_session_factory(engine)
    rng = random.Random(12)
    async with factory() as session:
        if not (await session.execute(select(func.count()).select_from(ShiftRating))).scalar_one():
            await session.execute(text(FILL))
            await session.commit()
        ratings = (await session.execute(select(func.count()).select_from(ShiftRating))).scalar_one()
        records = (await session.execute(select(func.count()).select_from(Attendance))).scalar_one()
        latest = (await session.execute(select(func.max(col(Attendance.checked_out_at))))).scalar_one()
        centers = list((await session.execute(select(col(Center.id)))).scalars())
        unrated = list((await session.execute(
            select(col(Attendance.id), col(Attendance.volunteer_id)).where(col(Attendance.id) % 4 == 1, col(Attendance.checked_out_at).is_not(None)).limit(2000)
        )).all())
        volunteers = list((await session.execute(select(Volunteer).where(col(Volunteer.registered_at).is_not(None)).limit(2000))).scalars())
    print(f"database: attendance {records:,}, shift_rating {ratings:,}, centers {len(centers)}; latest check-out {latest:%Y-%m-%d %H:%M}")
    now = latest + timedelta(minutes=30)
    start, end = year_bounds(latest.astimezone(ZONE).year, ZONE)

    report("rating sweep read (steady, 6 h)", await timed(factory, runs, lambda s, i: plan_rating_requests(
        s, now=now - timedelta(hours=i % 24), zone=ZONE, lookback=STEADY_RATING_LOOKBACK)))
    report("rating sweep read (catch-up, 2 d)", await timed(factory, max(5, runs // 10), lambda s, i: plan_rating_requests(
        s, now=now, zone=ZONE, lookback=RATING_LOOKBACK)))
    async with factory() as session:
        planned = await plan_rating_requests(session, now=now, zone=ZONE, lookback=RATING_LOOKBACK)
    print(f"  (catch-up plans {len(planned):,} questions)")
    report("rating sweep write (catch-up, 2 d)", await timed(factory, max(5, runs // 10), lambda s, i: enqueue_rating_requests(s, planned)))

    async def rate(session, i):  # type: ignore[no-untyped-def]
        attendance_id, volunteer_id = unrated[i % len(unrated)]
        volunteer = await session.get(Volunteer, volunteer_id)
        return await rate_attendance(session, volunteer=volunteer, attendance_id=attendance_id, score=4, now=now)

    report("rate a shift", await timed(factory, runs, rate))
    report("/stats ratings, one center", await timed(factory, runs, lambda s, i: rating_figures(
        s, start=start, end=end, center_id=rng.choice(centers))))
    report("/stats ratings, whole program", await timed(factory, max(5, runs // 10), lambda s, i: rating_figures(
        s, start=start, end=end, center_id=None)))
    report("/comments, one center, page 1", await timed(factory, runs, lambda s, i: rating_comments(
        s, center_ids=frozenset({rng.choice(centers)}), opportunity_id=None, page=0)))
    report("/comments, one center, page 20", await timed(factory, runs, lambda s, i: rating_comments(
        s, center_ids=frozenset({rng.choice(centers)}), opportunity_id=None, page=19)))
    report("/comments, admin (all), page 1", await timed(factory, runs, lambda s, i: rating_comments(
        s, center_ids=None, opportunity_id=None, page=0)))
    report("/calendar (upcoming seats)", await timed(factory, runs, lambda s, i: confirmed_upcoming(
        s, volunteer_id=volunteers[i % len(volunteers)].id or 0, now=now - timedelta(days=30))))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", help="a copy of a SQLite file filled by bench/fixtures.py")
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.database, args.runs))


if __name__ == "__main__":
    main()
