"""Several instances on one PostgreSQL: one runs the sweeps, another takes over when it goes;
migrations started together run once. On SQLite the one process always leads."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.leader import Leadership
from bot.scheduling import sweep_job
from infra.database import alembic_config, create_engine, migrate
from tests.harness import BotHarness

KEY = 4_242_000_001  # not the bot's own key: a running bot on the same server cannot interfere


def postgres_only(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("leadership is shared through PostgreSQL; on SQLite the one process leads")


async def sweep_once(*candidates: Leadership) -> list[int]:
    """Every instance's sweep job fires: which of them ran the sweeps."""
    return [number for number, candidate in enumerate(candidates) if await candidate.check()]


async def lock_holder_pid(engine: AsyncEngine, key: int) -> int | None:
    async with engine.connect() as connection:
        return await connection.scalar(
            text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = :low AND classid = :high"),
            {"low": key & 0xFFFFFFFF, "high": key >> 32},
        )


async def test_on_sqlite_the_one_instance_always_leads(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    changes: list[bool] = []
    alone = Leadership(engine, key=KEY, on_change=changes.append)
    await alone.start()
    assert alone.is_leader and await alone.check() and changes == [True]
    await alone.stop()


async def test_exactly_one_of_two_instances_runs_the_sweeps_and_the_other_takes_over_after_a_clean_stop(
    engine: AsyncEngine,
) -> None:
    postgres_only(engine)
    first, second = Leadership(engine, key=KEY, retry_s=0.2), Leadership(engine, key=KEY, retry_s=0.2)
    await first.start()
    await second.start()
    try:
        for _ in range(3):
            assert await sweep_once(first, second) == [0]
        await first.stop()  # a clean stop gives the lock up at once
        async with asyncio.timeout(5):
            while not second.is_leader:  # its own timer asks again
                await asyncio.sleep(0.05)
        assert await sweep_once(first, second) == [1]
    finally:
        await first.stop()
        await second.stop()


async def test_when_the_leader_dies_another_instance_takes_over_and_the_dead_one_stops_leading(
    engine: AsyncEngine,
) -> None:
    postgres_only(engine)
    first, second = Leadership(engine, key=KEY, retry_s=0.2), Leadership(engine, key=KEY, retry_s=60)
    await first.start()
    await second.start()
    try:
        assert await sweep_once(first, second) == [0]
        pid = await lock_holder_pid(engine, KEY)
        assert pid is not None
        async with engine.connect() as admin:  # the leader's session ends as if its process died
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await admin.commit()
        async with asyncio.timeout(5):  # the server ends the session (and frees its lock) at once
            while not await second.check():
                await asyncio.sleep(0.05)
        assert not await first.check()  # the old leader notices before its next sweep
        assert await sweep_once(first, second) == [1]
    finally:
        await first.stop()
        await second.stop()


async def test_a_sweep_job_runs_only_on_the_leader(harness: BotHarness) -> None:
    class Follower:
        is_leader = False

        async def check(self) -> bool:
            return False

    data = harness.app.bot_data
    context = SimpleNamespace(application=harness.app)
    data.leader = Follower()
    await sweep_job(context)  # type: ignore[arg-type]
    data.leader = None  # no leadership decided: a lone process leads
    await sweep_job(context)  # type: ignore[arg-type]
    assert data.metrics.sweeps._value.get() == 1


async def test_two_instances_migrating_an_empty_database_together_both_succeed(postgres_url: str | None) -> None:
    if not postgres_url:
        pytest.skip("the migration lock is PostgreSQL's")
    url = make_url(postgres_url)
    fresh = url.set(database=f"{url.database}_migrate_race")
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh.database}"'))
        await connection.execute(text(f'CREATE DATABASE "{fresh.database}"'))
    engines = [create_engine(fresh.render_as_string(hide_password=False)) for _ in range(2)]
    try:
        async with asyncio.timeout(120):  # without the lock the two can wait on each other for ever
            await asyncio.gather(*(migrate(engine) for engine in engines))
        async with engines[0].connect() as connection:
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    finally:
        for engine in engines:
            await engine.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)'))
        await admin.dispose()
