"""What the operator reads when something is wrong: one sentence with the fix, no secret, once."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from pydantic import ValidationError
from telegram.error import InvalidToken, NetworkError

from bot.logs import OutageFilter, mask_tokens
from bot.startup import StartupError, Stopper, with_retries
from bot.telegram_health import REJECTED, describe_telegram_error, telegram_problem
from infra.database_health import connection_problem, describe_database_error, display_url
from infra.outages import Outage
from infra.settings import EXAMPLE_TOKEN, Settings, settings_problems

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:" + "S" * 35


def test_the_example_token_is_the_one_in_env_example_and_is_refused() -> None:
    assert f"TELEGRAM_BOT_TOKEN={EXAMPLE_TOKEN}" in (ROOT / ".env.example").read_text()
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, telegram_bot_token=EXAMPLE_TOKEN)  # type: ignore[call-arg,arg-type]
    assert settings_problems(refused.value) == [
        "edit .env: TELEGRAM_BOT_TOKEN is still the example (put the token @BotFather gave you there)"
    ]


def test_settings_problems_name_the_variable_and_not_the_value() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, telegram_bot_token="hunter2", backup_keep=0, telegram_api_base_url="api.telegram.org")  # type: ignore[call-arg,arg-type]
    problems = settings_problems(refused.value)
    assert any(p.startswith("TELEGRAM_BOT_TOKEN does not look like a bot token") for p in problems)
    assert any(p.startswith("BACKUP_KEEP: ") for p in problems)
    assert any(p.startswith("TELEGRAM_API_BASE_URL must start with http://") for p in problems)
    assert not any("hunter2" in p for p in problems)


def test_tokens_are_masked_wherever_they_appear() -> None:
    assert mask_tokens(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed") == "POST https://api.telegram.org/bot123456:***/getMe failed"


def test_the_database_url_is_shown_without_its_password() -> None:
    assert display_url("postgresql://volunteer:s3cret@db:5432/program") == "postgresql+asyncpg://volunteer:***@db:5432/program"


def test_postgresql_refusals_are_told_apart_and_not_retried() -> None:
    url = "postgresql://volunteer:s3cret@db:5432/program"
    password = describe_database_error(asyncpg.InvalidPasswordError("password authentication failed"), url)
    missing = describe_database_error(asyncpg.InvalidCatalogNameError('database "program" does not exist'), url)
    down = describe_database_error(ConnectionRefusedError(111, "Connect call failed"), url)
    assert (password.retryable, password.sentence) == (
        False, "PostgreSQL at db:5432 refused the password of user 'volunteer': correct the password in DATABASE_URL"
    )
    assert not missing.retryable and "createdb program" in missing.fix
    assert down.retryable and down.what == "cannot reach PostgreSQL at db:5432 (connection refused)"
    assert "s3cret" not in password.sentence + missing.sentence + down.sentence


def test_a_sqlite_file_that_cannot_be_opened_names_the_path(tmp_path: Path) -> None:
    import sqlite3

    problem = describe_database_error(sqlite3.OperationalError("unable to open database file"), f"sqlite:///{tmp_path}/no/such/x.db")
    assert not problem.retryable and str(tmp_path / "no/such/x.db") in problem.what


def test_telegram_answers_are_told_apart() -> None:
    url = "https://api.telegram.org/bot"
    rejected = InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
    rejected.__cause__ = InvalidToken("Unauthorized")
    not_found = InvalidToken("The token was rejected")
    not_found.__cause__ = InvalidToken("Not Found")
    unreachable = NetworkError("aiohttp.ClientConnectorDNSError")
    unreachable.__cause__ = aiohttp.ClientConnectorDNSError(aiohttp.client_reqrep.ConnectionKey("api.telegram.org", 443, True, True, None, None, None), OSError(-2, "Name or service not known"))  # type: ignore[arg-type]

    assert describe_telegram_error(rejected, url).what == REJECTED
    assert "must end in /bot" in describe_telegram_error(not_found, url).fix
    problem = describe_telegram_error(unreachable, url)
    assert problem.retryable and problem.what == f"cannot reach the Telegram Bot API at {url} (host name not found)"
    assert TOKEN not in describe_telegram_error(rejected, url).sentence


def test_an_outage_is_logged_when_it_starts_and_when_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    moments = iter([100.0, 142.0])
    outage = Outage("database", logging.getLogger("bot.database"), clock=lambda: next(moments))
    with caplog.at_level(logging.INFO, logger="bot.database"):
        assert outage.failed("connection refused") is True
        for _ in range(20):
            assert outage.failed("connection refused") is False
        outage.recovered()
        outage.recovered()  # nothing more to say
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == [
        "database unreachable (connection refused); retrying until it is back",
        "database reachable again after 42 s (21 failed attempts)",
    ]


def _record_of(error: BaseException) -> logging.LogRecord:
    return logging.LogRecord("bot.sender", logging.ERROR, __file__, 1, "outbox drain failed", None, (type(error), error, None))


def test_errors_an_outage_explains_are_dropped_unless_verbose() -> None:
    outage = Outage("Telegram", logging.getLogger("test.outage"))
    quiet, verbose = OutageFilter(), OutageFilter(verbose=True)
    for log_filter in (quiet, verbose):
        log_filter.watch(outage, telegram_problem)
    lost = NetworkError("Bad Gateway")

    assert quiet.filter(_record_of(lost)) is False and outage.active
    assert verbose.filter(_record_of(lost)) is True
    assert quiet.filter(_record_of(ValueError("a bug is never hidden"))) is True


def test_a_database_connection_lost_in_the_driver_counts_as_an_outage() -> None:
    def raised_in_asyncpg() -> BaseException:
        code = compile("raise ConnectionRefusedError(111, 'Connect call failed')", "/site-packages/asyncpg/connect_utils.py", "exec")
        try:
            exec(code)
        except ConnectionRefusedError as error:
            return error
        raise AssertionError

    assert connection_problem(raised_in_asyncpg()) == "connection refused"
    assert connection_problem(ConnectionRefusedError(111, "elsewhere")) is None  # not raised by a database driver
    assert connection_problem(asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"))


async def test_start_up_retries_what_may_come_back_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    attempts = 0

    async def refused() -> None:
        nonlocal attempts
        attempts += 1
        raise ConnectionRefusedError(111, "Connect call failed")

    stopper = Stopper()
    with caplog.at_level(logging.WARNING, logger="bot.startup"), pytest.raises(StartupError) as gave_up:
        await with_retries(refused, lambda e: describe_database_error(e, "postgresql://u@db/p"), budget=1.5, stopper=stopper)
    assert gave_up.value.status == 3 and attempts == 3  # at once, after 1 s, and when the 1.5 s are up
    assert "(connection refused); gave up after 1.5 s: start PostgreSQL" in gave_up.value.sentence
    assert len([r for r in caplog.records if "retrying for up to" in r.getMessage()]) == 1


async def test_a_stop_during_start_up_ends_the_wait() -> None:
    stopper = Stopper()

    async def refused() -> None:
        raise ConnectionRefusedError(111, "Connect call failed")

    asyncio.get_running_loop().call_later(0.1, stopper.stop)
    from bot.startup import Stopped

    with pytest.raises(Stopped):
        await with_retries(refused, lambda e: describe_database_error(e, "postgresql://u@db/p"), budget=60, stopper=stopper)
