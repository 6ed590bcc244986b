"""Time /card's figures and the center targets on the 100k-volunteer / 2M-record fixture.

    PYTHONPATH=. .venv/bin/python -m bench.sizes_year_card /tmp/bench/i11art.sqlite3

(a copy of /tmp/bench/full.sqlite3: the migration adds the center_target table). The drawing
itself is timed by bench/images.py.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import col

from bench.sizes import report, timed
from infra.database import create_engine, create_session_factory, migrate
from models.base import utcnow
from models.center_targets import center_targets, set_center_targets
from models.stats import program_figures
from models.tables import Attendance, Center, Volunteer
from models.year_card import year_card

ZONE = ZoneInfo("Asia/Riyadh")


async def run(path: str, runs: int) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    factory = create_session_factory(engine)
    rng = random.Random(11)
    try:
        async with factory() as session:
            ids = [i for i in (await session.execute(select(col(Volunteer.id)))).scalars() if i is not None]
            centers = list((await session.execute(select(Center))).scalars())
            newest = (await session.execute(select(func.max(col(Attendance.checked_in_at))))).scalar_one()
        year = (newest or utcnow()).astimezone(ZONE).year
        people = rng.sample(ids, runs)
        print(f"volunteers {len(ids):,}, centers {len(centers)}, year {year}")
        report("year_card (one volunteer)", await timed(
            factory, runs, lambda s, i: year_card(s, volunteer_id=people[i], year=year, zone=ZONE)
        ))
        center = centers[0]
        assert center.id is not None
        report("set_center_targets", await timed(factory, runs, lambda s, i: set_center_targets(
            s, actor_telegram_id=1, center=center, year=year, values={"hours": 1000 + i}, now=utcnow()
        )))
        report("center_targets (read)", await timed(
            factory, runs, lambda s, i: center_targets(s, center_id=centers[i % len(centers)].id or 0, year=year)
        ))
        report("program_figures (one center)", await timed(
            factory, min(runs, 20), lambda s, i: program_figures(s, year=year, zone=ZONE, center_id=centers[i % len(centers)].id)
        ))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", help="a copy of /tmp/bench/full.sqlite3")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.database, args.runs))


if __name__ == "__main__":
    main()
