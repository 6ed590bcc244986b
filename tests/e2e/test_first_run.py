"""The first run and the day after, as an operator meets them: the real `volunteer-bot` process.

Each start-up that cannot work ends in one sentence naming the fix, a non-zero status, no
traceback and never the token; a bot that runs logs a handful of lines, survives losing Telegram,
can be backed up meanwhile, refuses a restore under it and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from infra.database import create_engine, create_session_factory, migrate
from infra.schema import all_revisions, head_revision
from models import outbox
from models.base import utcnow
from models.tables import Broadcast, OutboxMessage
from sandbox import TelegramStandIn
from tests.e2e.conftest import ROOT, TOKEN
from tests.e2e.first_run_support import RunningBot, assert_one_sentence, free_port, run_command
from tests.e2e.refusing_postgres import RefusingPostgres

pytestmark = pytest.mark.asyncio(loop_scope="module")

REVOKED_TOKEN = "654321:" + "RevokedTokenOfAnotherVolunteerBot" + "zz"
WAIT = 15.0


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'data' / 'bot.sqlite3'}"


async def test_the_example_env_file_is_refused_in_one_sentence(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")

    finished = await run_command("run", cwd=tmp_path)

    sentence = assert_one_sentence(finished, status=2, says="edit .env: TELEGRAM_BOT_TOKEN is still the example")
    assert finished.output.strip() == sentence  # nothing else: not even a database was made
    assert not (tmp_path / "data").exists()


async def test_a_token_telegram_rejects_says_ask_botfather(standin: TelegramStandIn, tmp_path: Path) -> None:
    standin.reject_token(REVOKED_TOKEN)

    finished = await run_command(
        "run", cwd=tmp_path, TELEGRAM_BOT_TOKEN=REVOKED_TOKEN, TELEGRAM_API_BASE_URL=standin.base_url,
        DATABASE_URL=sqlite_url(tmp_path),
    )

    assert_one_sentence(finished, status=2, says="ask @BotFather for the token again", token=REVOKED_TOKEN)
    assert "401 Unauthorized" in finished.output


async def test_an_api_address_nothing_listens_on_is_retried_then_named(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/bot"

    finished = await run_command(
        "run", cwd=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=url, DATABASE_URL=sqlite_url(tmp_path),
        STARTUP_RETRY_SECONDS="2",
    )

    sentence = assert_one_sentence(finished, status=3, says=f"cannot reach the Telegram Bot API at {url}", token=TOKEN)
    assert "gave up after 2 s" in sentence and "connection refused" in sentence
    assert finished.output.count("retrying for up to 2 s") == 1  # said once, not per attempt


async def test_a_postgresql_password_refused_is_one_sentence(tmp_path: Path) -> None:
    async with RefusingPostgres() as server:
        finished = await run_command(
            "run", cwd=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=f"postgresql://volunteer:s3cret@127.0.0.1:{server.port}/volunteer",
        )
    sentence = assert_one_sentence(finished, status=2, says="refused the password of user 'volunteer'", token=TOKEN)
    assert "correct the password in DATABASE_URL" in sentence
    assert "s3cret" not in finished.output
    assert server.refused == 1  # no retry: waiting does not fix a password


async def test_a_postgresql_server_that_is_down_is_retried_then_named(tmp_path: Path) -> None:
    port = free_port()

    finished = await run_command(
        "run", cwd=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=f"postgresql://volunteer:s3cret@127.0.0.1:{port}/volunteer",
        STARTUP_RETRY_SECONDS="1",
    )

    assert_one_sentence(finished, status=3, says=f"cannot reach PostgreSQL at 127.0.0.1:{port} (connection refused)")
    assert "s3cret" not in finished.output
    assert "postgresql+asyncpg://volunteer:***@127.0.0.1" in finished.output  # the start-up line, password hidden


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs a PostgreSQL server (TEST_DATABASE_URL)")
@pytest.mark.parametrize(
    ("change", "says"),
    [({"database": "no_such_volunteer_db"}, "has no database 'no_such_volunteer_db'"),
     ({"username": "no_such_volunteer_role"}, 'role "no_such_volunteer_role" does not exist')],
)
async def test_a_postgresql_server_that_refuses_is_one_sentence(tmp_path: Path, change: dict[str, str], says: str) -> None:
    url = make_url(os.environ["TEST_DATABASE_URL"]).set(**change).render_as_string(hide_password=False)

    finished = await run_command("run", cwd=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=url)

    assert_one_sentence(finished, status=2, says=says, token=TOKEN)


async def test_a_migration_that_fails_names_both_revisions_and_changes_nothing(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with engine.begin() as connection:  # as if someone had added 0003's column by hand
            await connection.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    finally:
        await engine.dispose()

    finished = await run_command("run", cwd=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=url)

    sentence = assert_one_sentence(finished, status=1, says=f"the database migration from 0002 to {head_revision()} failed", token=TOKEN)
    assert "duplicate column name: confirmed_at" in sentence and "left at 0002" in sentence
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one() == "0002"
    finally:
        await engine.dispose()


async def test_doctor_passes_against_the_stand_in(standin: TelegramStandIn, tmp_path: Path) -> None:
    settings = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": standin.base_url, "DATABASE_URL": sqlite_url(tmp_path)}
    assert (await run_command("migrate", cwd=tmp_path, **settings)).status == 0

    finished = await run_command("doctor", cwd=tmp_path, **settings)

    assert finished.status == 0, finished.output
    assert "✗" not in finished.output and finished.output.strip().endswith("all checks passed")
    for line in ("✔ token", "the bot is @sandbox_bot", "✔ migrations", "up to date", "✔ time zone", "✔ translations", "✔ chart fonts"):
        assert line in finished.output, finished.output
    assert TOKEN.split(":")[1] not in finished.output


async def test_doctor_fails_with_the_example_token_and_says_what_to_edit(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")

    finished = await run_command("doctor", cwd=tmp_path)

    assert finished.status == 1, finished.output
    assert "✗ settings" in finished.output and "TELEGRAM_BOT_TOKEN is still the example" in finished.output
    assert "✗ database" in finished.output and "volunteer-bot migrate creates it" in finished.output
    assert "Traceback" not in finished.output


async def _queue_broadcast(url: str, chat_ids: list[int]) -> None:
    """What a coordinator's confirmed broadcast leaves in the outbox, written by another process."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            broadcast = Broadcast(created_by_telegram_id=9001, text="Water is served at gate 3", audience="all", content_hash="e2e", status="queued")
            session.add(broadcast)
            await session.flush()
            for chat_id in chat_ids:
                await outbox.enqueue(
                    session, key=f"e2e:{chat_id}", chat_id=chat_id, kind="broadcast", payload={"broadcast_id": broadcast.id},
                    now=utcnow(), priority=outbox.PRIORITY_BROADCAST, broadcast_id=broadcast.id,
                )
    finally:
        await engine.dispose()


async def _outbox_statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            return {status: count for status, count in (await connection.execute(query)).all()}
    finally:
        await engine.dispose()


async def test_a_running_bot_logs_little_outlives_telegram_is_backed_up_and_stops_cleanly(tmp_path: Path) -> None:
    standin = TelegramStandIn(personas=[], global_per_second=None, chat_burst=None, chat_per_second=None)
    await standin.start()
    url = sqlite_url(tmp_path)
    bot = RunningBot.start(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=standin.base_url, DATABASE_URL=url)
    try:
        await bot.wait_for_log("polling for updates")
        start_lines = bot.log().splitlines()
        assert len(start_lines) <= 7, start_lines
        for expected in ("volunteer-bot 0.1.0", f"database: {url}", f"Telegram Bot API: {standin.base_url}",
                         f"database schema: {len(all_revisions())} migrations applied, now at {head_revision()}",
                         "the bot is @sandbox_bot"):
            assert any(expected in line for line in start_lines), (expected, start_lines)
        assert "alembic" not in bot.log() and "plugin" not in bot.log()

        # A backup while it runs; a restore is refused while it runs.
        backup = await run_command("backup", str(tmp_path / "copy.sqlite3"), cwd=tmp_path, DATABASE_URL=url)
        assert backup.status == 0 and (tmp_path / "copy.sqlite3").is_file(), backup.output
        refused = await run_command("restore", "--yes", str(tmp_path / "copy.sqlite3"), cwd=tmp_path, DATABASE_URL=url)
        assert_one_sentence(refused, status=1, says="a volunteer-bot is running on")

        # Telegram goes away for a few seconds, then comes back on the same address.
        port = standin.port
        await standin.stop()
        await bot.wait_for_log("Telegram unreachable", timeout=WAIT)
        await asyncio.sleep(3)
        await standin.start(port=port)
        huda = standin.user(7101, first_name="Huda", language_code="en")
        huda.send_command("/start")
        assert await huda.wait_for_message(timeout=WAIT + 30)  # answered without a restart
        await bot.wait_for_log("Telegram reachable again", timeout=WAIT)
        assert bot.log().count("Telegram unreachable") == 1, bot.log()
        assert "Traceback" not in bot.log(), bot.log()

        # SIGTERM with broadcast sends held up at Telegram: they are given back, none stays "sending".
        people = [standin.user(7200 + n, first_name=f"P{n}", language_code="en").profile.user_id for n in range(4)]
        standin.faults.slow(30, method="sendMessage")
        await _queue_broadcast(url, people)
        for _ in range(int(WAIT / 0.2)):
            if (await _outbox_statuses(url)).get("sending") == len(people):
                break
            await asyncio.sleep(0.2)
        assert (await _outbox_statuses(url)).get("sending") == len(people), "the sends never started"
        seconds = await bot.stop()
        assert bot.process.returncode == 0, bot.log()
        assert seconds < 10, f"{seconds:.1f} s to stop"
        statuses = await _outbox_statuses(url)
        assert "sending" not in statuses and statuses.get("pending") == len(people), statuses
        log = bot.log()
        assert "Unclosed" not in log and "Traceback" not in log, log
        assert "stopped in" in log and TOKEN.split(":")[1] not in log
    finally:
        bot.kill()
        await standin.stop()
        print(bot.log()[-4000:])


async def test_a_token_revoked_while_the_bot_runs_stops_it_with_one_line(standin: TelegramStandIn, tmp_path: Path) -> None:
    token = "777777:" + "TokenRevokedWhileTheBotIsRunning" + "xyz"
    bot = RunningBot.start(tmp_path, TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=standin.base_url, DATABASE_URL=sqlite_url(tmp_path))
    try:
        await bot.wait_for_log("polling for updates")
        standin.reject_token(token)  # revoked with @BotFather
        standin.user(7401, first_name="Sami", language_code="en").send_command("/start")  # ends the open poll

        for _ in range(int(WAIT / 0.1)):
            if bot.process.poll() is not None:
                break
            await asyncio.sleep(0.1)
        log = bot.log()
        assert bot.process.returncode == 2, log
        assert log.count("Telegram no longer accepts the token (401 Unauthorized)") == 1, log
        assert "Traceback" not in log and "Unclosed" not in log and token.split(":")[1] not in log, log
    finally:
        bot.kill()
        print(bot.log()[-4000:])
