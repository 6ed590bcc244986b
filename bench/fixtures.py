"""Fill a SQLite database at the program's real size: 100k volunteers, 3,000 opportunities,
~6,000 shifts, 2M sign-ups with their attendance (~8M hours).

    .venv/bin/python -m bench.fixtures ./data/bench.sqlite3 [--scale 0.01]

Migrations first (infra.database.migrate), then plain sqlite3 executemany in large transactions:
the ORM would take hours at this size. SQLite only for now (a PostgreSQL URL is refused).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.database import create_engine, migrate

BATCH = 50_000
FMT = "%Y-%m-%d %H:%M:%S.%f"


def _ts(moment: datetime) -> str:
    return moment.strftime(FMT)


async def _migrate(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def auto_closed(record: int) -> tuple[int, str | None]:
    """One record in 50 is a forgotten check-out the sweep closed: flagged, its hours pending review."""
    return (1, "auto_checkout") if record % 50 == 0 else (0, None)


def fill(path: Path, *, volunteers: int, opportunities: int, attendances: int, seed: int = 1446) -> dict[str, int]:
    """Insert the rows; returns counts per table."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(tzinfo=None)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    with db:
        center_ids = [row[0] for row in db.execute("SELECT id FROM center")]
        if not center_ids:
            db.executemany(
                "INSERT INTO center (code, name_ar, name_en, latitude, longitude) VALUES (?,?,?,?,?)",
                [(f"bench-{i}", f"مركز {i}", f"Center {i}", 21.4 + i / 100, 39.8 + i / 100) for i in range(8)],
            )
            center_ids = [row[0] for row in db.execute("SELECT id FROM center")]
        first_volunteer = (db.execute("SELECT COALESCE(MAX(id), 0) FROM volunteer").fetchone()[0]) + 1
        db.executemany(
            "INSERT INTO volunteer (telegram_id, language, display_name, phone, center_id, gender, role,"
            " reminders_muted, reachable, created_at, registered_at) VALUES (?,?,?,?,?,?,?,0,1,?,?)",
            (
                (8_000_000_000 + i, "ar" if i % 3 else "en", f"Volunteer {i}", f"+9665{first_volunteer + i:08d}", rng.choice(center_ids),
                 "female" if i % 2 else "male", "volunteer", _ts(now - timedelta(days=700)), _ts(now - timedelta(days=700)))
                for i in range(volunteers)
            ),
        )
        first_opp = (db.execute("SELECT COALESCE(MAX(id), 0) FROM opportunity").fetchone()[0]) + 1
        db.executemany(
            "INSERT INTO opportunity (ref, center_id, category, title_ar, title_en, description_ar, description_en,"
            " gender, status, created_at, published_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                (f"BENCH-{i:05d}", rng.choice(center_ids), "pilgrims", f"فرصة تطوعية {i}", f"Opportunity {i}",
                 "وصف الفرصة.", "What the volunteers do.", rng.choice(("all", "all", "male", "female")), "published",
                 _ts(now - timedelta(days=730)), _ts(now - timedelta(days=730 - i * 730 // opportunities)))
                for i in range(opportunities)
            ),
        )
        # Two shifts per opportunity; ~95% in the past (they carry the attendance), the rest upcoming.
        shifts = []
        for i in range(opportunities):
            for k in range(2):
                past = rng.random() < 0.95
                start = now - timedelta(days=rng.randint(1, 720)) if past else now + timedelta(days=rng.randint(1, 28))
                start = start.replace(minute=0, second=0, microsecond=0)
                shifts.append((first_opp + i, _ts(start), _ts(start + timedelta(hours=4)), 1000, 0, 21.42, 39.82, 300,
                               f"B{i:05d}{k}{rng.randrange(16**6):06x}", "active", past))
        db.executemany(
            "INSERT INTO shift (opportunity_id, starts_at, ends_at, capacity, seats_taken, latitude, longitude,"
            " radius_m, checkin_code, status) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [row[:-1] for row in shifts],
        )
        shift_rows = db.execute(
            "SELECT id, starts_at FROM shift WHERE opportunity_id >= ? ORDER BY id", (first_opp,)
        ).fetchall()
        past_shifts = [(sid, datetime.strptime(start, FMT)) for (sid, start), row in zip(shift_rows, shifts, strict=True) if row[-1]]
    # Sign-ups and attendance: volunteers sampled without repeats per shift (the unique constraint).
    per_shift = max(1, attendances // len(past_shifts))
    first_signup = (db.execute("SELECT COALESCE(MAX(id), 0) FROM signup").fetchone()[0]) + 1
    signup_id = first_signup
    signups: list[tuple] = []
    attendance: list[tuple] = []
    taken: list[tuple[int, int]] = []
    remaining = attendances

    def flush() -> None:
        with db:
            db.executemany("INSERT INTO signup (id, shift_id, volunteer_id, status, signed_up_at) VALUES (?,?,?,?,?)", signups)
            db.executemany(
                "INSERT INTO attendance (signup_id, shift_id, volunteer_id, checked_in_at, checked_out_at, method,"
                " credited_minutes, flagged, flag_reason) VALUES (?,?,?,?,?,?,?,?,?)",
                attendance,
            )
        signups.clear()
        attendance.clear()

    for shift_id, start in past_shifts:
        count = min(per_shift, remaining, volunteers)
        if count <= 0:
            break
        remaining -= count
        taken.append((shift_id, count))
        for volunteer_offset in rng.sample(range(volunteers), count):
            volunteer_id = first_volunteer + volunteer_offset
            signups.append((signup_id, shift_id, volunteer_id, "confirmed", _ts(start - timedelta(days=3))))
            minutes = 240
            attendance.append((signup_id, shift_id, volunteer_id, _ts(start), _ts(start + timedelta(minutes=minutes)),
                               "location" if signup_id % 2 else "code", minutes, *auto_closed(signup_id)))
            signup_id += 1
        if len(signups) >= BATCH:
            flush()
    flush()
    with db:
        db.executemany("UPDATE shift SET seats_taken = ? WHERE id = ?", [(count, sid) for sid, count in taken])
    db.execute("ANALYZE")
    counts = {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
              for table in ("volunteer", "opportunity", "shift", "signup", "attendance")}
    counts["hours"] = (db.execute("SELECT COALESCE(SUM(credited_minutes), 0) FROM attendance").fetchone()[0]) // 60
    db.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", help="a SQLite file path")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (0.01 for a quick try)")
    args = parser.parse_args()
    if "://" in args.database:
        raise SystemExit("bench/fixtures.py: only a SQLite file path for now")
    path = Path(args.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    asyncio.run(_migrate(path))
    counts = fill(path, volunteers=int(100_000 * args.scale), opportunities=max(1, int(3_000 * args.scale)),
                  attendances=int(2_000_000 * args.scale))
    print(f"filled {path} in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
