"""A volunteer's own data at 100k volunteers / 2M records: /mydata's read and /deleteme's erasure.

    PYTHONPATH=. .venv/bin/python -m bench.sizes_i13profile /tmp/bench/i13profile.sqlite3 [--runs 30]

/mydata is built off the update loop (infra.reports) in a read that holds no write lock; /deleteme
runs in one write transaction (here rolled back after each sample, so the data stays put), which is
what other writers wait behind on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from sqlalchemy import func, select

from bench.sizes import report
from infra.database import create_engine, create_session_factory, migrate
from models.base import utcnow
from models.erasure import erase_volunteer
from models.personal_data import as_csv, as_json, personal_data
from models.signups import DEFAULT_OFFER_RULES
from models.tables import Volunteer


async def run(database: str, runs: int) -> None:
    engine = create_engine(database if "://" in database else f"sqlite+aiosqlite:///{database}")
    await migrate(engine)
    factory = create_session_factory(engine)
    rng = random.Random(13)
    now = utcnow()
    async with factory() as session:
        top = int((await session.execute(select(func.max(Volunteer.id)))).scalar_one())
    ids = [rng.randint(1, top) for _ in range(runs)]
    export_ms, files_ms, erase_ms, rows = [], [], [], []
    for volunteer_id in ids:
        async with factory() as session, session.begin():
            volunteer = await session.get(Volunteer, volunteer_id)
            if volunteer is None:
                continue
            started = time.perf_counter()
            data = await personal_data(session, volunteer=volunteer)
            export_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            as_json(data, generated_at=now), as_csv(data)
            files_ms.append((time.perf_counter() - started) * 1000)
            rows.append(sum(len(v) for v in data.values()))
        session = factory()
        transaction = await session.begin()
        try:
            volunteer = await session.get(Volunteer, volunteer_id)
            assert volunteer is not None
            started = time.perf_counter()
            await erase_volunteer(session, volunteer=volunteer, now=now, offers=DEFAULT_OFFER_RULES)
            erase_ms.append((time.perf_counter() - started) * 1000)
        finally:
            await transaction.rollback()
            await session.close()
    print(f"volunteers sampled: {len(export_ms)}, rows per /mydata: median {sorted(rows)[len(rows) // 2]}, max {max(rows)}")
    report("/mydata: read every row", export_ms)
    report("/mydata: JSON + CSV files", files_ms)
    report("/deleteme: erase (write lock held)", erase_ms)
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.database, args.runs))


if __name__ == "__main__":
    main()
