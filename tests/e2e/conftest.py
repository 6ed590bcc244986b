"""A seeded SQLite database, a Telegram stand-in and the real `volunteer-bot run` process.

The e2e tests always use a SQLite file of their own (they ignore TEST_DATABASE_URL): what they
exercise is the process, the HTTP and the handlers, which the database-level suites already cover
on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from infra.database import create_engine, create_session_factory, migrate
from models.base import utcnow
from models.checkin_codes import link_code, window_of
from models.tables import Shift
from sandbox import TelegramStandIn
from tests.factories import make_center, make_opportunity

ROOT = Path(__file__).resolve().parents[2]
BOT_ID = 123456
TOKEN = f"{BOT_ID}:" + "E2eSandboxTokenForTheVolunteerBot" + "xy"  # 35 characters after the colon
COORDINATOR_ID = 9001
SITE_TITLE_EN = "E2E tree planting"
SITE_TITLE_AR = "تشجير تجريبي"
STARTUP_TIMEOUT = 30.0


@dataclass(frozen=True)
class SeededDatabase:
    """Where the database is, and the shift that starts soon (so check-in is open now)."""

    url: str
    shift_id: int
    checkin_code: str


async def _seed(url: str) -> SeededDatabase:
    engine = create_engine(url)
    try:
        await migrate(engine)
        factory = create_session_factory(engine)
        center = await make_center(factory, code="e2e-site", name_ar="مركز الاختبار", name_en="E2E Center")
        now = utcnow()
        _, [shift] = await make_opportunity(
            factory,
            center=center,
            starts=[now + timedelta(minutes=10)],
            hours=3,
            capacity=10,
            title_ar=SITE_TITLE_AR,
            title_en=SITE_TITLE_EN,
            published_at=now + timedelta(days=1),  # the newest: first in the list
        )
        return SeededDatabase(url=url, shift_id=shift.id, checkin_code=shift.checkin_code)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


def bot_command() -> list[str]:
    """`volunteer-bot` from the virtualenv, or the same module run by this interpreter."""
    return [sys.executable, "-m", "bot.cli"]


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> SeededDatabase:
    """The demo data set (through `volunteer-bot seed-demo`) plus one shift starting in 10 min."""
    path = tmp_path_factory.mktemp("e2e") / "bot.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": url, "TIMEZONE": "Asia/Riyadh"}
    subprocess.run([*bot_command(), "seed-demo"], env=env, cwd=ROOT, check=True, timeout=60, capture_output=True)
    return asyncio.run(_seed(url))


async def shift_checkin_code(url: str, shift_id: int) -> str:
    """The shift's check-in code valid now, as the coordinator's card would show it."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            shift = (await session.execute(select(Shift).where(Shift.id == shift_id))).scalar_one()
            return link_code(shift, window_of(utcnow()))
    finally:
        await engine.dispose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def standin() -> AsyncIterator[TelegramStandIn]:
    """The stand-in, rate limits off (tests that want them turn them on)."""
    async with TelegramStandIn(
        personas=[], global_per_second=None, chat_burst=None, chat_per_second=None
    ) as running:
        yield running


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot_process(
    standin: TelegramStandIn, seeded_database: SeededDatabase, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BotProcess]:
    """`volunteer-bot run` pointed at the stand-in; killed at the end of the module."""
    log_path = tmp_path_factory.mktemp("e2e-log") / "bot.log"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": standin.base_url,
        "DATABASE_URL": seeded_database.url,
        "COORDINATOR_IDS": str(COORDINATOR_ID),
        "TIMEZONE": "Asia/Riyadh",
        "DEFAULT_LANGUAGE": "ar",
        "PYTHONUNBUFFERED": "1",
    }
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [*bot_command(), "run"], env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
        )
    running = BotProcess(process, log_path)
    try:
        await _wait_until_polling(standin, running)
        yield running
    finally:
        process.terminate()
        # Wait without blocking the loop: the stopping bot still talks to the stand-in on it.
        for _ in range(200):
            if process.poll() is not None:
                break
            await asyncio.sleep(0.05)
        else:
            process.kill()
            process.wait(timeout=5)


async def _wait_until_polling(standin: TelegramStandIn, bot: BotProcess) -> None:
    """The bot is ready once it has set its commands menu and asked for updates."""
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        if bot.process.poll() is not None:
            raise RuntimeError(f"the bot exited with {bot.process.returncode}:\n{bot.log()[-3000:]}")
        if standin.calls("getUpdates"):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the bot did not start polling within {STARTUP_TIMEOUT}s:\n{bot.log()[-3000:]}")


@pytest.fixture
def bot_log(bot_process: BotProcess) -> Iterator[BotProcess]:
    """The running bot; its log is printed when a test fails (pytest shows captured output)."""
    yield bot_process
    print(bot_process.log()[-4000:])
