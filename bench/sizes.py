"""Time the model functions behind a volunteer's commands, at the program's real size.

    .venv/bin/python -m bench.sizes /tmp/bench/full.sqlite3 [--runs 200] [--explain] [--tracks]

Run it on a database filled by bench/fixtures.py. Every write (sign-up, check-in, check-out) happens
in a transaction that is rolled back, so the file is left as it was. Prints p50/p95/max in ms per
operation; `--explain` also prints SQLite's plan for the statements behind the slow ones.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.scheduling import STEADY_MILESTONE_LOOKBACK, STEADY_NO_SHOW_LOOKBACK
from infra.database import create_engine, create_session_factory, migrate
from models.attendance import SharedLocation, check_in_by_location, check_out, hours_summary
from models.base import utcnow, year_bounds
from models.checkin_codes import (
    check_in_by_code,
    check_in_by_digits,
    digits_code,
    link_code,
    window_of,
)
from models.live_presence import follow_live_location
from models.lookup import find_volunteers, volunteer_records
from models.milestones import (
    enqueue_milestone_thanks,
    plan_milestone_thanks,
    queue_milestone_thanks,
    queue_volunteer_day,
)
from models.offers import answer_offer, expire_offers
from models.opportunities import BrowseFilter, browse_opportunities, opportunity_detail
from models.reminders import (
    close_forgotten_checkouts,
    mark_no_shows,
    no_show_candidates,
    queue_due_reminders,
)
from models.signups import OfferRules, my_schedule, sign_up
from models.tables import Attendance, Opportunity, Shift, Signup, Volunteer

PAGE_SIZE = 6  # infra.settings.Settings.page_size
SLOW_MS = 20.0
SITE = (21.4225, 39.8262)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(name: str, samples: list[float]) -> float:
    """One line per operation; returns p95."""
    p95 = percentile(samples, 0.95)
    flag = "  <-- slow" if p95 > SLOW_MS else ""
    print(
        f"{name:<34} n={len(samples):>4}  p50 {statistics.median(samples):8.2f}  p95 {p95:8.2f}"
        f"  max {max(samples):8.2f} ms{flag}"
    )
    return p95


async def timed(
    factory: async_sessionmaker[AsyncSession],
    runs: int,
    call: Callable[[AsyncSession, int], Awaitable[object]],
    prepare: Callable[[AsyncSession, int], Awaitable[object]] | None = None,
) -> list[float]:
    """Time `call` alone (not `prepare`), each run in its own session, rolled back afterwards."""
    samples = []
    for i in range(runs):
        async with factory() as session:
            if prepare is not None:
                await prepare(session, i)
            started = time.perf_counter()
            await call(session, i)
            samples.append((time.perf_counter() - started) * 1000)
            await session.rollback()
    return samples


async def run(path: str, runs: int, explain: bool) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)  # a fixture made by an older version gets the newer columns and indexes
    factory = create_session_factory(engine)
    rng = random.Random(7)
    now = utcnow()
    try:
        async with factory() as session:
            counts = {
                t.__tablename__: (
                    await session.execute(select(func.count()).select_from(t))
                ).scalar_one()
                for t in (Volunteer, Opportunity, Shift, Signup, Attendance)
            }
            print("database:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
            volunteers = list(
                (
                    await session.execute(
                        select(Volunteer)
                        .where(col(Volunteer.registered_at).is_not(None))
                        .limit(5000)
                    )
                ).scalars()
            )
            opportunity_ids = list(
                (
                    await session.execute(
                        select(col(Shift.opportunity_id)).where(Shift.starts_at > now).distinct()  # type: ignore[arg-type]
                    )
                ).scalars()
            )
            open_shifts = list(
                (
                    await session.execute(
                        select(col(Shift.id))
                        .join(Opportunity, Opportunity.id == Shift.opportunity_id)  # type: ignore[arg-type]
                        .where(
                            Shift.starts_at > now,  # type: ignore[arg-type]
                            Opportunity.gender == "all",  # type: ignore[arg-type]
                            Shift.seats_taken < Shift.capacity,  # type: ignore[arg-type]
                        )
                    )
                ).scalars()
            )
            heavy = list(
                (
                    await session.execute(
                        select(col(Attendance.volunteer_id))
                        .group_by(Attendance.volunteer_id)  # type: ignore[arg-type]
                        .order_by(func.count().desc())
                        .limit(runs)
                    )
                ).scalars()
            )
            center_id = volunteers[0].center_id
            session.expunge_all()

        pages = []
        pages.append(
            (
                "browse: first page",
                await timed(
                    factory,
                    runs,
                    lambda s, i: browse_opportunities(
                        s,
                        now=now,
                        filters=BrowseFilter(gender=volunteers[i % len(volunteers)].gender),
                        page=0,
                        page_size=PAGE_SIZE,
                    ),
                ),
            )
        )
        pages.append(
            (
                "browse: center filter, page 2",
                await timed(
                    factory,
                    runs,
                    lambda s, i: browse_opportunities(
                        s,
                        now=now,
                        filters=BrowseFilter(center_id=center_id, gender="female"),
                        page=1,
                        page_size=PAGE_SIZE,
                    ),
                ),
            )
        )
        pages.append(
            (
                "browse: last page",
                await timed(
                    factory,
                    runs,
                    lambda s, i: browse_opportunities(
                        s,
                        now=now,
                        filters=BrowseFilter(gender="male"),
                        page=10**6,
                        page_size=PAGE_SIZE,
                    ),
                ),
            )
        )
        pages.append(
            (
                "opportunity_detail",
                await timed(
                    factory,
                    runs,
                    lambda s, i: opportunity_detail(
                        s,
                        opportunity_id=rng.choice(opportunity_ids),
                        now=now,
                        volunteer_id=volunteers[i % len(volunteers)].id,
                    ),
                ),
            )
        )

        async def do_sign_up(s: AsyncSession, i: int) -> None:
            volunteer = await s.get(Volunteer, volunteers[i % len(volunteers)].id)
            assert volunteer is not None
            result = await sign_up(
                s,
                volunteer=volunteer,
                shift_id=rng.choice(open_shifts),  # type: ignore[arg-type]
                now=now,
            )
            assert result.outcome.name in {"CONFIRMED", "OVERLAP", "FULL"}, result.outcome

        pages.append(("sign_up (fresh future shift)", await timed(factory, runs, do_sign_up)))

        # A shift open right now on the site, held by a heavy volunteer: created inside the rolled-back
        # transaction, outside the timed part.
        made: dict[int, Shift] = {}  # run -> the shift hold_a_shift_now made for it

        async def hold_a_shift_now(s: AsyncSession, i: int) -> None:
            opportunity_id = opportunity_ids[i % len(opportunity_ids)]
            shift = Shift(
                opportunity_id=opportunity_id,
                starts_at=now - timedelta(minutes=5),
                ends_at=now + timedelta(hours=3),
                capacity=10,
                seats_taken=1,
                latitude=SITE[0],
                longitude=SITE[1],
                checkin_code=f"bench-{i}-{rng.random()}",
            )
            s.add(shift)
            await s.flush()
            made[i] = shift
            s.add(
                Signup(
                    shift_id=shift.id,  # type: ignore[arg-type]
                    volunteer_id=heavy[i % len(heavy)],
                    status="confirmed",
                    signed_up_at=now,
                )
            )  # type: ignore[arg-type]
            await s.flush()

        async def do_check_in(s: AsyncSession, i: int) -> None:
            volunteer = await s.get(Volunteer, heavy[i % len(heavy)])
            assert volunteer is not None
            result = await check_in_by_location(
                s,
                volunteer=volunteer,
                location=SharedLocation(SITE[0], SITE[1], accuracy_m=12, live=True),
                now=now,
                early_minutes=30,
            )
            assert result.outcome.name == "CHECKED_IN", result.outcome

        pages.append(
            ("check_in_by_location", await timed(factory, runs, do_check_in, hold_a_shift_now))
        )

        # The code on the coordinator's card: the QR link (rotating, with the wrong-code limit
        # read first) and its six digits typed (matched against the volunteer's shifts).
        async def do_check_in_by_code(s: AsyncSession, i: int) -> None:
            volunteer = await s.get(Volunteer, heavy[i % len(heavy)])
            assert volunteer is not None
            code = link_code(made[i], window_of(now))
            result = await check_in_by_code(s, volunteer=volunteer, code=code, now=now, early_minutes=30)
            assert result.outcome.name == "CHECKED_IN", result.outcome

        async def do_check_in_by_digits(s: AsyncSession, i: int) -> None:
            volunteer = await s.get(Volunteer, heavy[i % len(heavy)])
            assert volunteer is not None
            digits = digits_code(made[i], window_of(now))
            result = await check_in_by_digits(s, volunteer=volunteer, digits=digits, now=now, early_minutes=30)
            assert result.outcome.name == "CHECKED_IN", result.outcome

        pages.append(
            ("check_in_by_code (rotating QR link)", await timed(factory, runs, do_check_in_by_code, hold_a_shift_now))
        )
        pages.append(
            ("check_in_by_digits (typed code)", await timed(factory, runs, do_check_in_by_digits, hold_a_shift_now))
        )

        async def do_wrong_digits(s: AsyncSession, i: int) -> None:
            volunteer = await s.get(Volunteer, heavy[i % len(heavy)])
            assert volunteer is not None
            digits = f"{(int(digits_code(made[i], window_of(now))) + 1) % 10**6:06d}"
            result = await check_in_by_digits(s, volunteer=volunteer, digits=digits, now=now, early_minutes=30)
            assert result.outcome.name == "BAD_DIGITS", result.outcome

        pages.append(("check_in_by_digits (wrong, counted)", await timed(factory, runs, do_wrong_digits, hold_a_shift_now)))

        async def do_follow_live(s: AsyncSession, i: int) -> None:
            volunteer = await s.get(Volunteer, heavy[i % len(heavy)])
            assert volunteer is not None
            moved = SharedLocation(SITE[0] + 0.0005, SITE[1], accuracy_m=12, live=True)
            result = await follow_live_location(s, volunteer=volunteer, location=moved, now=now, early_minutes=30)
            assert result.outcome.name == "QUIET", result.outcome

        async def checked_in(s: AsyncSession, i: int) -> None:
            await hold_a_shift_now(s, i)
            await do_check_in(s, i)

        async def do_check_out(s: AsyncSession, i: int) -> None:
            volunteer = await s.get(Volunteer, heavy[i % len(heavy)])
            assert volunteer is not None
            result = await check_out(
                s, volunteer=volunteer, now=now + timedelta(hours=1), grace_minutes=30
            )  # type: ignore[arg-type]
            assert result.outcome.name == "CHECKED_OUT", result.outcome

        pages.append(("check_out", await timed(factory, runs, do_check_out, checked_in)))
        pages.append(("live location update (checked in)", await timed(factory, runs, do_follow_live, checked_in)))
        year_start, _ = year_bounds(now.year, UTC)  # the bench's program runs in UTC
        pages.append(
            (
                "hours_summary (heaviest volunteers)",
                await timed(
                    factory,
                    runs,
                    lambda s, i: hours_summary(
                        s,
                        volunteer_id=heavy[i % len(heavy)],
                        year_start=year_start,
                        milestones_hours=(10, 25, 50, 100, 250),
                    ),
                ),
            )
        )
        pages.append(
            (
                "my_schedule (heaviest volunteers)",
                await timed(
                    factory,
                    runs,
                    lambda s, i: my_schedule(s, volunteer_id=heavy[i % len(heavy)], now=now),
                ),
            )
        )

        # The record lookup (/records): a phone as typed locally, a Telegram id, a part of a name (a
        # scan of the names: the admin's reads every volunteer, a coordinator's only those of the
        # centers they run), then one volunteer's page of records.
        sample = [v for v in volunteers if v.phone][:runs] or volunteers[:1]
        scope = frozenset({center_id}) if center_id is not None else None
        lookups = {
            "find_volunteers by phone (05… form)": lambda s, i: find_volunteers(
                s, text="0" + (sample[i % len(sample)].phone or "+9665")[4:], center_ids=scope),
            "find_volunteers by telegram id": lambda s, i: find_volunteers(
                s, text=str(sample[i % len(sample)].telegram_id), center_ids=scope),
            "find_volunteers by name (admin)": lambda s, i: find_volunteers(
                s, text=f"teer {rng.randrange(100_000)}", center_ids=None),
            "find_volunteers by name (coordinator)": lambda s, i: find_volunteers(
                s, text=f"teer {rng.randrange(100_000)}", center_ids=scope),
        }
        for name, call in lookups.items():
            pages.append((name, await timed(factory, runs, call)))

        async def records_page(s: AsyncSession, i: int) -> None:
            volunteer = await s.get(Volunteer, heavy[i % len(heavy)])
            assert volunteer is not None
            await volunteer_records(s, volunteer=volunteer, center_ids=None, now=now, early_minutes=30)

        pages.append(("volunteer_records (heaviest volunteers)", await timed(factory, runs, records_page)))

        # The minute sweeps (bot/scheduling.py) share the one SQLite writer with the volunteers' updates:
        # while one runs, every reply waits. A few runs each are enough to see which one holds it.
        async with factory() as session:
            catch_up = await plan_milestone_thanks(session, now=now, milestones_hours=(10, 25, 50, 100, 250))
            no_shows = await no_show_candidates(session, now=now)
        sweeps = {
            "sweep: reminders": lambda s, i: queue_due_reminders(s, now=now, hours_before=(24, 2)),
            "sweep: auto_checkouts": lambda s, i: close_forgotten_checkouts(
                s, now=now, grace_minutes=30
            ),
            "sweep: no_shows (catch-up, first run): scan, no write lock": lambda s, i: no_show_candidates(s, now=now),
            "sweep: no_shows (catch-up, first run): marking, write lock": lambda s, i: mark_no_shows(
                s, now=now, signup_ids=no_shows
            ),
            "sweep: no_shows (every minute)": lambda s, i: mark_no_shows(
                s, now=now, lookback=STEADY_NO_SHOW_LOOKBACK
            ),
            # The bot runs the catch-up's scan in a read session (no write lock), then the inserts.
            "sweep: milestones (catch-up, first run): scan, no write lock": lambda s, i: plan_milestone_thanks(
                s, now=now, milestones_hours=(10, 25, 50, 100, 250)
            ),
            "sweep: milestones (catch-up, first run): inserts, write lock": lambda s, i: enqueue_milestone_thanks(
                s, [dict(row) for row in catch_up]
            ),
            "sweep: milestones (every minute)": lambda s, i: queue_milestone_thanks(
                s, now=now, milestones_hours=(10, 25, 50, 100, 250), lookback=STEADY_MILESTONE_LOOKBACK
            ),
            "sweep: volunteer_day": lambda s, i: queue_volunteer_day(s, now=now, zone=UTC),
        }
        for name, call in sweeps.items():
            pages.append((name, await timed(factory, max(3, runs // 50), call)))
        pages += await offer_timings(factory, runs, now=now, opportunity_ids=opportunity_ids, volunteers=heavy)

        slow = [name for name, samples in pages if report(name, samples) > SLOW_MS]
        if explain:
            await print_plans(factory, heavy[0], now)
        if slow:
            print("slow (p95 > 20 ms):", ", ".join(slow))
    finally:
        await engine.dispose()


async def offer_timings(
    factory: async_sessionmaker[AsyncSession], runs: int, *, now: datetime, opportunity_ids: list[int], volunteers: list[int]
) -> list[tuple[str, list[float]]]:
    """A seat offered two hours before the start: accepting it, and the sweep that passes on an
    unanswered one (the next in line gets their own offer). Set up in the rolled-back transaction."""
    rules = OfferRules()

    async def seat_offered(s: AsyncSession, i: int) -> None:
        shift = Shift(opportunity_id=opportunity_ids[i % len(opportunity_ids)], starts_at=now + timedelta(hours=2),
                      ends_at=now + timedelta(hours=5), capacity=1, seats_taken=1, checkin_code=f"offer-{i}-{rng_id()}")
        s.add(shift)
        await s.flush()
        first, second = volunteers[i % len(volunteers)], volunteers[(i + 1) % len(volunteers)]
        s.add(Signup(shift_id=shift.id, volunteer_id=first, status="offered", signed_up_at=now - timedelta(days=1),  # type: ignore[arg-type]
                     promoted_at=now, offer_expires_at=now + timedelta(minutes=30)))
        s.add(Signup(shift_id=shift.id, volunteer_id=second, status="waitlisted", signed_up_at=now - timedelta(hours=20)))  # type: ignore[arg-type]
        await s.flush()

    async def accept(s: AsyncSession, i: int) -> None:
        signup = (await s.execute(select(Signup).where(Signup.status == "offered").limit(1))).scalar_one()
        volunteer = await s.get(Volunteer, signup.volunteer_id)
        assert volunteer is not None
        result = await answer_offer(s, volunteer=volunteer, signup_id=signup.id, accept=True, now=now, offers=rules)  # type: ignore[arg-type]
        assert result.outcome.name == "ACCEPTED", result.outcome

    async def expire(s: AsyncSession, i: int) -> None:
        assert await expire_offers(s, now=now + timedelta(minutes=31), offers=rules) >= 1

    return [
        ("answer_offer (accept)", await timed(factory, runs, accept, seat_offered)),
        ("sweep: expired offers, none due", await timed(factory, max(3, runs // 50), lambda s, i: expire_offers(s, now=now, offers=rules))),
        ("sweep: expired offers, one passed on", await timed(factory, max(3, runs // 10), expire, seat_offered)),
    ]


def rng_id() -> str:
    return f"{random.random():.12f}"


async def print_plans(
    factory: async_sessionmaker[AsyncSession], volunteer_id: int, now: datetime
) -> None:
    """EXPLAIN QUERY PLAN for the statements the commands run most."""
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    statements = {
        "browse count": "SELECT count(*) FROM opportunity WHERE status='published' AND EXISTS (SELECT 1 FROM shift"
        " WHERE shift.opportunity_id = opportunity.id AND shift.status='active' AND shift.starts_at > :now)"
        " AND gender IN ('all','male')",
        "browse page": "SELECT * FROM opportunity WHERE status='published' AND EXISTS (SELECT 1 FROM shift"
        " WHERE shift.opportunity_id = opportunity.id AND shift.status='active' AND shift.starts_at > :now)"
        " AND gender IN ('all','male') ORDER BY published_at DESC, id DESC LIMIT 6 OFFSET 60",
        "hours total": "SELECT coalesce(sum(credited_minutes),0), count(shift_id) FROM attendance"
        " WHERE volunteer_id = :v AND checked_out_at IS NOT NULL",
        "my_schedule past": "SELECT * FROM signup JOIN shift ON shift.id = signup.shift_id JOIN opportunity ON"
        " opportunity.id = shift.opportunity_id LEFT OUTER JOIN attendance ON attendance.signup_id = signup.id"
        " WHERE signup.volunteer_id = :v AND shift.ends_at <= :now AND signup.status IN ('confirmed','no_show')"
        " ORDER BY shift.starts_at DESC LIMIT 10",
        "overlap": "SELECT shift.* FROM shift JOIN signup ON signup.shift_id = shift.id WHERE signup.volunteer_id = :v"
        " AND signup.status='confirmed' AND shift.id != 1 AND shift.status='active' AND shift.starts_at < :now"
        " AND shift.ends_at > :now LIMIT 1",
    }
    async with factory() as session:
        for name, sql in statements.items():
            rows = (
                await session.execute(
                    text("EXPLAIN QUERY PLAN " + sql), {"now": stamp, "v": volunteer_id}
                )
            ).all()
            print(f"-- {name}")
            for row in rows:
                print("   ", row[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", help="a SQLite file filled by bench/fixtures.py")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--explain", action="store_true", help="print the query plans too")
    parser.add_argument(
        "--tracks", action="store_true",
        help="then the features of issues 11-13 (teams, courses, digest, ratings, minors, own data, year card); "
        "they grow the file with teams, qualifications, interests and ratings: use a copy",
    )
    args = parser.parse_args()
    if "://" in args.database:
        raise SystemExit(
            "bench/sizes.py: a SQLite file path (bench/fixtures.py cannot fill PostgreSQL yet)"
        )
    asyncio.run(run(args.database, args.runs, args.explain))
    if args.tracks:
        asyncio.run(run_tracks(args.database, args.runs))


async def run_tracks(path: str, runs: int) -> None:
    """Each feature's own timings (bench/sizes_<topic>.py), one after the other on the same file."""
    from bench import (
        sizes_courses,
        sizes_digest,
        sizes_i13profile,
        sizes_minors,
        sizes_quality,
        sizes_teams,
        sizes_year_card,
    )

    for name, module in (("teams", sizes_teams), ("courses and qualifications", sizes_courses),
                         ("interests, digest and leaderboard", sizes_digest), ("ratings and comments", sizes_quality),
                         ("minors", sizes_minors), ("a volunteer's own data", sizes_i13profile),
                         ("year card", sizes_year_card)):
        print(f"\n== {name} ==")
        await module.run(path, runs)


if __name__ == "__main__":
    main()
