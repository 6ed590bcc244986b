"""Fixtures: a fresh migrated database per test (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel import SQLModel

from bot.app import build_application
from infra.database import create_engine, create_session_factory, migrate, normalize_url
from infra.settings import Settings
from tests.harness import BotHarness
from tests.telegram_double import TOKEN, TelegramDouble

COORDINATOR_ID = 5_000_000_001


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A database of this test run's own on the TEST_DATABASE_URL server (parallel runs stay apart)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    url = make_url(normalize_url(base))
    name = f"{url.database}_run_{os.getpid()}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def engine(tmp_path, postgres_url) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    url = postgres_url
    if url:
        engine = create_engine(url)
        await migrate(engine)
        async with engine.begin() as connection:
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}")
        await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def settings() -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        database_url="sqlite+aiosqlite:///unused.sqlite3",
        coordinator_ids=frozenset({COORDINATOR_ID}),
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def harness(engine: AsyncEngine, settings: Settings) -> AsyncIterator[BotHarness]:
    telegram = TelegramDouble()
    holder: dict[str, BotHarness] = {}
    app = build_application(
        settings, engine=engine, clock=lambda: holder["h"].now, request=telegram, run_migrations=False,
        start_background_work=False,
    )
    harness = BotHarness(app=app, telegram=telegram)
    holder["h"] = harness
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    yield harness
    await app.shutdown()


__all__ = ["COORDINATOR_ID", "timedelta"]
