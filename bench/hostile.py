"""The hostile-update suite, longer: as many updates as asked, with any seed, and the counts.

    PYTHONPATH=. .venv/bin/python -m bench.hostile --updates 10000 [--seed 1] [--database-url postgresql://...]

Runs the property suite's generator (tests/property) in fresh worlds until `--updates` updates
were delivered, and prints, by kind of update, how many were tried and how many broke an
invariant, then the tracebacks, the expected refusals seen and how deep the runs went. Unlike the
test it does not stop at the first failing run: it counts them all (and keeps the first few).
Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from hypothesis import HealthCheck, given, seed, settings

from tests.property.actions import Step, runs
from tests.property.play import Tally, play_run
from tests.property.world import Database

BATCH = 50  # runs per hypothesis batch; each batch has a seed of its own


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=10_000, help="deliver at least this many updates (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first batch; batch n uses seed+n")
    parser.add_argument("--min-steps", type=int, default=20)
    parser.add_argument("--max-steps", type=int, default=60)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database to empty and use (default: SQLite files)")
    args = parser.parse_args(argv)

    total = Tally()
    database = Database(args.database_url)
    started = time.perf_counter()
    with asyncio.Runner() as runner:
        runner.run(database.open())
        batch = 0
        try:
            while total.updates < args.updates:
                _batch(runner, database, total, args, args.seed + batch)
                batch += 1
                print(f"… {total.updates} updates in {total.runs} runs, {sum(total.failed.values())} failed", file=sys.stderr)
        finally:
            runner.run(database.close())
    elapsed = time.perf_counter() - started
    print(total.report())
    print(f"seeds {args.seed}..{args.seed + batch - 1}, {elapsed:.0f} s, {total.updates / elapsed:.0f} updates/s")
    return 0 if total.clean() else 1


def _batch(runner: asyncio.Runner, database: Database, total: Tally, args: argparse.Namespace, batch_seed: int) -> None:
    @seed(batch_seed)
    @settings(max_examples=BATCH, deadline=None, database=None, phases=["generate"],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(runs(args.min_steps, args.max_steps))
    def run(steps: list[Step]) -> None:
        if total.updates < args.updates:
            total.merge(runner.run(play_run(database, steps)))

    run()


if __name__ == "__main__":
    sys.exit(main())
