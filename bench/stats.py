"""Time /stats and the exports on a program of 100k volunteers and 2M attendance records.

    PYTHONPATH=. .venv/bin/python bench/stats.py --url sqlite+aiosqlite:////tmp/bench.sqlite3
    PYTHONPATH=. .venv/bin/python bench/stats.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The database is filled once, in the database itself (INSERT ... SELECT over a generated series),
on SQLite and PostgreSQL alike (bench/fixtures.py is SQLite only); later runs reuse it.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from infra.charts import Bar, progress_chart
from infra.database import create_engine, create_session_factory, migrate
from models.exports import build_export
from models.stats import program_figures_in_parallel, progress

ZONE = ZoneInfo("Asia/Riyadh")
CENTERS = 20
OPPORTUNITIES = 3_000
SHIFTS_PER_OPPORTUNITY = 4


def _series(dialect: str, n: int) -> str:
    """A table expression of the integers 1..n, named g(i)."""
    if dialect == "postgresql":
        return f"generate_series(1, {n}) AS g(i)"
    return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s) AS g"


def _moment(dialect: str, days: str, minutes: str) -> str:
    """2026-01-01 plus a number of days and minutes, in the format UTCDateTime stores."""
    if dialect == "postgresql":
        return f"(TIMESTAMP '2026-01-01' + ({days}) * INTERVAL '1 day' + ({minutes}) * INTERVAL '1 minute')"
    return f"strftime('%Y-%m-%d %H:%M:%S.000000', '2026-01-01', printf('%+d days', {days}), printf('%+d minutes', {minutes}))"


async def fill(engine: AsyncEngine, volunteers: int, records: int) -> None:
    dialect = engine.dialect.name
    shifts = OPPORTUNITIES * SHIFTS_PER_OPPORTUNITY
    statements = [
        f"INSERT INTO center (code, name_ar, name_en) SELECT 'c' || i, 'مركز ' || i, 'Center ' || i FROM {_series(dialect, CENTERS)}",
        ("INSERT INTO volunteer (telegram_id, language, display_name, phone, center_id, gender, role, reminders_muted, reachable, created_at, registered_at) "
        f"SELECT 900000000 + i, CASE WHEN i % 5 = 0 THEN 'en' ELSE 'ar' END, 'Volunteer ' || i, '+9665' || (10000000 + i), "
        f"1 + i % {CENTERS}, CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END, 'volunteer', false, true, "
        f"{_moment(dialect, 'i % 700 - 400', '0')}, {_moment(dialect, 'i % 700 - 400', '0')} FROM {_series(dialect, volunteers)}"),
        ("INSERT INTO opportunity (ref, center_id, category, title_ar, title_en, description_ar, description_en, gender, status, created_at, published_at) "
        f"SELECT 'B-' || i, 1 + i % {CENTERS}, 'community', 'فرصة ' || i, 'Opportunity ' || i, '', '', 'all', 'published', "
        f"{_moment(dialect, 'i % 365 - 30', '0')}, {_moment(dialect, 'i % 365 - 30', '0')} FROM {_series(dialect, OPPORTUNITIES)}"),
        ("INSERT INTO shift (opportunity_id, starts_at, ends_at, capacity, seats_taken, radius_m, checkin_code, status) "
        f"SELECT 1 + i % {OPPORTUNITIES}, {_moment(dialect, 'i % 365', '480')}, {_moment(dialect, 'i % 365', '720')}, 50, 0, 300, 'code' || i, 'active' "
        f"FROM {_series(dialect, shifts)}"),
        # One record in 50 is a forgotten check-out the sweep closed: flagged, its hours pending review.
        ("INSERT INTO attendance (shift_id, volunteer_id, checked_in_at, checked_out_at, method, credited_minutes, flagged) "
        f"SELECT 1 + i % {shifts}, 1 + ({'i::bigint' if dialect == 'postgresql' else 'i'} * 7919) % {volunteers}, {_moment(dialect, 'i % 365', '480 + i % 30')}, "
        f"{_moment(dialect, 'i % 365', '700')}, 'location', 180 + i % 60, i % 50 = 0 FROM {_series(dialect, records)}"),
    ]
    async with engine.begin() as connection:
        for statement in statements:
            started = time.perf_counter()
            await connection.execute(text(statement))
            print(f"  filled {statement.split()[2]:<12} {time.perf_counter() - started:6.1f} s")
    # PostgreSQL: VACUUM as autovacuum soon would in production; it sets the visibility map that
    # index-only scans need (without it the program-wide "hours" export reads 2M heap rows: 7.7 s).
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with autocommit.connect() as connection:
        await connection.execute(text("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE"))


async def timed(label: str, action: Callable[[], Awaitable[Any]], runs: int = 3) -> None:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        result = await action()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:<58} {best * 1000:8.0f} ms   {result}")


async def main(url: str, volunteers: int, records: int) -> None:
    engine = create_engine(url)
    await migrate(engine)
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM attendance"))).scalar_one()
    if count == 0:
        print(f"filling {volunteers:,} volunteers and {records:,} attendance records…")
        await fill(engine, volunteers, records)
    sessions = create_session_factory(engine)
    print(f"{engine.dialect.name}: best of 3")

    async def figures(center_id: int | None) -> str:
        f = await program_figures_in_parallel(sessions, year=2026, zone=ZONE, center_id=center_id)
        return f"registered={f.registered_total:,} active={f.active_total:,} hours={f.hours:,.0f} pending={f.pending_hours:,.0f}"

    def export(kind: str, fmt: str, first: datetime, last: datetime, center_id: int | None) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            async with sessions() as session:
                data, rows = await build_export(session, kind=kind, fmt=fmt, start=first, end=last, zone=ZONE, center_id=center_id)
            return f"{rows:,} rows, {len(data) / 1e6:.1f} MB"
        return run

    year = (datetime(2026, 1, 1, tzinfo=ZONE), datetime(2027, 1, 1, tzinfo=ZONE))
    month = (datetime(2026, 3, 1, tzinfo=ZONE), datetime(2026, 4, 1, tzinfo=ZONE))
    async def answer(center_id: int | None, rtl: bool) -> str:
        """What /stats does before it replies: the figures, then the chart image (in a thread)."""
        f = await program_figures_in_parallel(sessions, year=2026, zone=ZONE, center_id=center_id)
        bars = [Bar("المتطوعون" if rtl else "Volunteers", f"{f.registered_total:,}", progress(f.registered_total, 100_000)),
                Bar("الساعات" if rtl else "Hours", f"{f.hours:,.0f} (+{f.pending_hours:,.0f})", progress(f.hours, 8_000_000),
                    pending_percent=progress(f.pending_hours, 8_000_000))]
        png = await asyncio.to_thread(progress_chart, title="2026", bars=bars, rtl=rtl, target_caption="%")
        return f"chart {len(png) / 1e3:.0f} kB"

    await timed("/stats 2026, every center (figures)", lambda: figures(None))
    await timed("/stats 2026, one center (figures)", lambda: figures(3))
    await timed("/stats 2026, every center, figures + Arabic chart", lambda: answer(None, True))
    await timed("/stats 2026, one center, figures + English chart", lambda: answer(3, False))
    await timed("export hours xlsx, 2026, one center", export("hours", "xlsx", *year, 3))
    await timed("export hours csv, 2026, one center", export("hours", "csv", *year, 3))
    await timed("export volunteers csv, 2026, one center", export("volunteers", "csv", *year, 3))
    await timed("export attendance csv, March 2026, one center", export("attendance", "csv", *month, 3))
    await timed("export attendance xlsx, March 2026, one center", export("attendance", "xlsx", *month, 3))
    await timed("export hours csv, 2026, every center", export("hours", "csv", *year, None), runs=1)
    await timed("export attendance csv, March 2026, every center", export("attendance", "csv", *month, None), runs=1)
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="sqlite+aiosqlite:////tmp/bench-stats.sqlite3")
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=2_000_000)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.volunteers, args.records))
