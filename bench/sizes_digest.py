"""Time the morning digest, the leaderboard and browsing from interests at the program's size.

    cp /tmp/bench/full.sqlite3 /tmp/bench/i12return.sqlite3
    PYTHONPATH=. .venv/bin/python -m bench.sizes_digest /tmp/bench/i12return.sqlite3 [--runs 200]

Writes to the copy once (idempotent): interests, the digest and the leaderboard for 30% of the
volunteers, and 40 opportunities freshly published in mixed categories. The digest's plan is read in
a read session (no write lock, as bot.scheduling runs it) while small writes go on beside it: their
worst wait is printed, to show the plan does not hold SQLite's write lock.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.sizes import percentile, report
from infra.database import (
    create_engine,
    create_read_session_factory,
    create_session_factory,
    migrate,
    transaction,
)
from models.digest import enqueue_digest, plan_digest
from models.interests import browse_interesting, interests_of
from models.leaderboard import Period, center_board, entries_of, write_entries
from models.tables import CATEGORIES

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 09:00 in Riyadh: the digest is due
ZONE_NAME = "Asia/Riyadh"
SHARE = 0.3


async def prepare(engine) -> None:  # type: ignore[no-untyped-def]
    """Interests, digest and leaderboard opt-ins for 30% of volunteers; fresh opportunities."""
    async with engine.begin() as connection:
        done = (await connection.execute(text("SELECT count(*) FROM interest_category"))).scalar_one()
        await connection.execute(text("DELETE FROM digest_run"))
        if done:
            return
        rng = random.Random(12)
        ids = [row[0] for row in await connection.execute(text("SELECT id FROM volunteer ORDER BY id"))]
        centers = [row[0] for row in await connection.execute(text("SELECT id FROM center"))]
        chosen = rng.sample(ids, int(len(ids) * SHARE))
        since = (NOW - timedelta(days=2)).replace(tzinfo=None)
        await connection.execute(
            text("UPDATE volunteer SET digest_opt_in = 1, leaderboard_opt_in = 1, digest_since = :since WHERE id = :id"),
            [{"id": i, "since": since} for i in chosen],
        )
        categories = [{"v": i, "c": c} for i in chosen for c in rng.sample(CATEGORIES, rng.randint(1, 3))]
        await connection.execute(text("INSERT INTO interest_category (volunteer_id, category) VALUES (:v, :c)"), categories)
        some = [{"v": i, "c": rng.choice(centers)} for i in chosen if rng.random() < 0.4]
        await connection.execute(text("INSERT INTO interest_center (volunteer_id, center_id) VALUES (:v, :c)"), some)
        fresh = [
            row[0]
            for row in await connection.execute(
                text("SELECT DISTINCT opportunity_id FROM shift WHERE starts_at > :now LIMIT 40"), {"now": NOW.replace(tzinfo=None)}
            )
        ]
        await connection.execute(
            text("UPDATE opportunity SET published_at = :at, category = :c WHERE id = :id"),
            [{"id": o, "at": (NOW - timedelta(hours=rng.randint(1, 20))).replace(tzinfo=None), "c": rng.choice(CATEGORIES)} for o in fresh],
        )


async def run(path: str, runs: int) -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ZONE_NAME)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await prepare(engine)
    sessions, readers = create_session_factory(engine), create_read_session_factory(engine)
    async with sessions() as session:
        kept = (await session.execute(text("SELECT count(*) FROM leaderboard_entry"))).scalar_one()
    if not kept:  # every opted-in volunteer's sums, as their joining would have kept them
        async with readers() as reader, reader.begin():
            ids = [row[0] for row in await reader.execute(text("SELECT id FROM volunteer WHERE leaderboard_opt_in = 1"))]
            started = time.perf_counter()
            rows = await entries_of(reader, volunteer_ids=ids, now=NOW, zone=zone)
            print(f"leaderboard sums of {len(ids):,} volunteers (read)  {(time.perf_counter() - started) * 1000:8.0f} ms")
        started = time.perf_counter()
        async with transaction(sessions) as session:
            await write_entries(session, rows)
        print(f"leaderboard sums written ({len(rows):,} rows)  {(time.perf_counter() - started) * 1000:8.0f} ms")
    lock = asyncio.Lock()

    # The digest: planned in a read session while writers keep writing beside it.
    waits: list[float] = []
    stop = asyncio.Event()

    async def writer() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            async with transaction(sessions, write_lock=lock) as session:
                await session.execute(text("UPDATE center SET name_en = name_en WHERE id = 1"))
            waits.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.01)

    writing = asyncio.create_task(writer())
    started = time.perf_counter()
    async with readers() as reader, reader.begin():
        plan = await plan_digest(reader, now=NOW, zone=zone)
    planned_ms = (time.perf_counter() - started) * 1000
    stop.set()
    await writing
    assert plan is not None
    print(f"digest plan (read session)          {planned_ms:8.0f} ms for {len(plan.rows):,} messages")
    print(f"  writes beside it: n={len(waits)}  p95 {percentile(waits, 0.95):6.2f}  max {max(waits):6.2f} ms")
    started = time.perf_counter()
    async with sessions() as session:
        queued = await enqueue_digest(session, plan, now=NOW)
        write_ms = (time.perf_counter() - started) * 1000
        await session.rollback()
    print(f"digest write (day row + {queued:,} rows)   {write_ms:8.0f} ms (rolled back)")

    async with sessions() as session:
        rows = (await session.execute(text(
            "SELECT id, center_id FROM volunteer WHERE leaderboard_opt_in = 1 ORDER BY random() LIMIT :n"), {"n": runs})).all()
        subscribers = [row[0] for row in (await session.execute(text(
            "SELECT DISTINCT volunteer_id FROM interest_category ORDER BY random() LIMIT :n"), {"n": runs}))]
        outsiders = (await session.execute(text(
            "SELECT id, center_id FROM volunteer WHERE leaderboard_opt_in = 0 ORDER BY random() LIMIT :n"), {"n": runs})).all()

    for name, people, period in [
        ("leaderboard month (opted in)", rows, Period.MONTH),
        ("leaderboard year (opted in)", rows, Period.YEAR),
        ("leaderboard month (not opted in)", outsiders, Period.MONTH),
        ("leaderboard year (not opted in)", outsiders, Period.YEAR),
    ]:
        samples = []
        for viewer, center in people:
            async with sessions() as session:
                started = time.perf_counter()
                await center_board(session, center_id=center, period=period, now=NOW, zone=zone, viewer_id=viewer)
                samples.append((time.perf_counter() - started) * 1000)
        report(name, samples)

    samples = []
    for volunteer_id in subscribers:
        async with sessions() as session:
            started = time.perf_counter()
            interests = await interests_of(session, volunteer_id=volunteer_id)
            await browse_interesting(session, now=NOW, interests=interests, gender="female", page=0, page_size=6)
            samples.append((time.perf_counter() - started) * 1000)
    report("browse from interests (page 1)", samples)
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.path, args.runs))


if __name__ == "__main__":
    main()
