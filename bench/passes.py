"""Time station mode (a coordinator scanning a volunteer's pass) at the program's real size.

    PYTHONPATH=. .venv/bin/python -m bench.passes /tmp/bench/full.sqlite3 [--runs 200]

Run it on a database filled by bench/fixtures.py. Each run builds, inside a transaction that is
rolled back (outside the timed part), a shift open now and a pass for one of the volunteers with
the most attendance; then it times the two updates of the station: the scan (`/start pass-…`:
find the holder, list what the coordinator may do) and the tap (check in; a walk-in takes a seat).
The coordinator is an admin, who is offered the shifts of every center: the widest scan.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import col

from bench.sizes import SITE, report, timed
from infra.database import create_engine, create_session_factory, migrate
from models.base import utcnow
from models.coordination import Actor
from models.passes import (
    PassCheckInOutcome,
    ScanOutcome,
    check_in_by_pass,
    new_pass_token,
    pass_holder,
    scan_pass,
)
from models.tables import Attendance, Opportunity, Role, Shift, Signup, Volunteer

EARLY_MINUTES = 30


async def run(path: str, runs: int) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    factory = create_session_factory(engine)
    now = utcnow()
    serial = itertools.count()
    try:
        async with factory() as session:
            open_now = col(Attendance.checked_out_at).is_(None)
            busy = set((await session.execute(select(col(Attendance.volunteer_id)).where(open_now))).scalars())
            heavy = [
                v for v in (await session.execute(
                    select(col(Attendance.volunteer_id)).group_by(Attendance.volunteer_id)  # type: ignore[arg-type]
                    .order_by(func.count().desc()).limit(runs * 2)
                )).scalars() if v not in busy
            ][:runs]
            opportunity_ids = list((await session.execute(
                select(col(Opportunity.id)).where(Opportunity.gender == "all", Opportunity.status == "published").limit(runs)
            )).scalars())
            admin = (await session.execute(select(Volunteer).limit(1))).scalar_one()
            session.expunge_all()
        actor = Actor(volunteer=admin, role=Role.ADMIN.value, center_ids=frozenset())
        tokens: dict[int, tuple[str, int]] = {}

        async def a_pass_and_a_shift(s, i: int, *, seat: bool) -> None:  # type: ignore[no-untyped-def]
            shift = Shift(
                opportunity_id=opportunity_ids[i % len(opportunity_ids)], starts_at=now + timedelta(minutes=10),
                ends_at=now + timedelta(hours=3), capacity=10, seats_taken=int(seat), latitude=SITE[0], longitude=SITE[1],
                checkin_code=f"bench-pass-{next(serial)}",
            )
            s.add(shift)
            await s.flush()
            if seat:
                s.add(Signup(shift_id=shift.id, volunteer_id=heavy[i % len(heavy)], status="confirmed", signed_up_at=now))  # type: ignore[arg-type]
            holder = await s.get(Volunteer, heavy[i % len(heavy)])
            holder.pass_token = new_pass_token()
            await s.flush()
            tokens[i] = (holder.pass_token, shift.id)  # type: ignore[assignment]

        async def do_scan(s, i: int) -> None:  # type: ignore[no-untyped-def]
            holder = await pass_holder(s, token=tokens[i][0])
            assert holder is not None
            scan = await scan_pass(s, actor=actor, holder=holder, now=now, early_minutes=EARLY_MINUTES)
            assert scan.outcome == ScanOutcome.CHECK_IN, scan.outcome

        async def do_check_in(s, i: int) -> None:  # type: ignore[no-untyped-def]
            token, shift_id = tokens[i]
            holder = await pass_holder(s, token=token)
            assert holder is not None
            result = await check_in_by_pass(s, actor=actor, holder=holder, shift_id=shift_id, now=now, early_minutes=EARLY_MINUTES)
            assert result.outcome == PassCheckInOutcome.CHECKED_IN, result.outcome

        async def seated(s, i: int) -> None:  # type: ignore[no-untyped-def]
            await a_pass_and_a_shift(s, i, seat=True)

        async def walking_in(s, i: int) -> None:  # type: ignore[no-untyped-def]
            await a_pass_and_a_shift(s, i, seat=False)

        results = [
            ("pass: scan (admin: every center's open shifts)", await timed(factory, runs, do_scan, seated)),
            ("pass: check-in of a seat holder", await timed(factory, runs, do_check_in, seated)),
            ("pass: walk-in (seat taken, then check-in)", await timed(factory, runs, do_check_in, walking_in)),
        ]
        for name, samples in results:
            report(name, samples)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", help="a SQLite file filled by bench/fixtures.py")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.database, args.runs))


if __name__ == "__main__":
    main()
