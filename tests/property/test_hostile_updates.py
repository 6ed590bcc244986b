"""Thousands of odd but legal updates through the real Application, on the real database.

Each example is a run of 20 to 60 steps by five people (two newcomers, two registered volunteers,
a coordinator) in a fresh world; every update is checked as it is handled (tests.property.play
lists the invariants). Fixed seed and count, so CI is repeatable and stays under a minute; for a
longer run with other seeds: `PYTHONPATH=. .venv/bin/python -m bench.hostile --updates 10000`.
A failing run is shrunk by hypothesis to the few steps that still break the invariant.
"""

from __future__ import annotations

import asyncio
import os

from hypothesis import HealthCheck, given, seed, settings

from tests.property.actions import Step, runs
from tests.property.play import Tally, play_run
from tests.property.world import Database

SEED = 15  # the number
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "55"))


def test_hostile_updates_break_no_invariant(postgres_url: str | None) -> None:
    total = Tally()
    database = Database(postgres_url)
    with asyncio.Runner() as runner:
        runner.run(database.open())

        @seed(SEED)
        @settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
        @given(runs())
        def run(steps: list[Step]) -> None:
            tally = runner.run(play_run(database, steps))
            total.merge(tally)
            assert tally.clean(), tally.report()

        try:
            run()
        finally:
            runner.run(database.close())
    print("\n" + total.report())
    assert total.updates >= 1_500, total.report()
    assert total.refusals and total.effects  # the runs reached refusals and real effects, not only noise
