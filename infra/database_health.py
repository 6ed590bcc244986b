"""Is the database there: its URL as the log shows it, what a failure to reach it means, outages.

Every way of not getting a working connection, and what the operator should do about it:

- the server does not answer (connection refused, unknown host, timeout) or is still starting
  (57P03): it may come back, so start-up retries and a running bot waits for it (an outage);
- PostgreSQL refuses the password (28P01) or the user (28000), or has no such database (3D000):
  nothing changes by waiting, so start-up stops with a sentence naming the fix;
- a SQLite file that cannot be opened (missing folder, no permission, not a database): the same;
- a connection lost while the bot runs (server restarted, network cut, sqlstate class 08, a disk
  that fails or fills): an outage, logged once, over at the first transaction that commits again.

Sentences never contain the password: URLs are shown through `display_url`, and driver messages
(which name the user and the database, never the password) are the only other text used.
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from sqlalchemy import event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from infra.database import normalize_url
from infra.outages import Outage

RETRYABLE_SQLSTATES = {"57P01", "57P02", "57P03"}  # admin shutdown, crash shutdown, starting up
SQLITE_OUTAGES = ("disk i/o error", "unable to open database file", "database or disk is full", "readonly database")
DRIVER_PATHS = ("/sqlalchemy/", "/asyncpg/", "/aiosqlite/")


@dataclass(frozen=True)
class DatabaseProblem:
    """Why there is no connection, what to do about it, and whether waiting may fix it."""

    what: str
    fix: str
    retryable: bool

    @property
    def sentence(self) -> str:
        return f"{self.what}: {self.fix}"


def display_url(url: str) -> str:
    """The URL as it may be logged: the password replaced by ***."""
    try:
        return make_url(normalize_url(url)).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "(not a database URL)"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL, or an in-memory database)."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _chain(error: BaseException) -> list[BaseException]:
    """The error, what it wraps (SQLAlchemy's .orig) and what caused it."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def _network_reason(error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return "host name not found"
    if isinstance(error, TimeoutError):
        return "timed out"
    if error.errno == errno.ECONNREFUSED or isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return error.strerror or type(error).__name__


def _where(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def describe_database_error(error: BaseException, url: str) -> DatabaseProblem:
    """What a failure to connect (or to open the file) means, for start-up and `doctor`."""
    try:
        parsed = make_url(normalize_url(url))
    except exc.ArgumentError:
        parsed = None
    if parsed is None or isinstance(error, exc.ArgumentError):
        return DatabaseProblem(
            "DATABASE_URL is not a database URL this bot understands",
            "use sqlite+aiosqlite:///./data/volunteer-bot.sqlite3 or postgresql+asyncpg://user:password@host:5432/database",
            retryable=False,
        )
    chain = _chain(error)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "").resolve()
        reason = next((str(e) for e in chain if isinstance(e, sqlite3.Error | OSError)), str(error))
        if "not a database" in reason:
            return DatabaseProblem(f"{path} is not a SQLite database ({reason})", "point DATABASE_URL at the bot's database file", False)
        return DatabaseProblem(
            f"cannot open the SQLite database {path} ({reason})",
            "check that its folder exists and that this user may write to it",
            retryable=False,
        )
    where, user, database = _where(parsed), parsed.username, parsed.database
    for cause in chain:
        state = getattr(cause, "sqlstate", None)
        message = str(cause)
        if state == "28P01":
            return DatabaseProblem(
                f"PostgreSQL at {where} refused the password of user {user!r}", "correct the password in DATABASE_URL", False
            )
        if state == "28000":
            return DatabaseProblem(f"PostgreSQL at {where} refused the connection ({message})", "check the user name in DATABASE_URL", False)
        if state == "3D000":
            return DatabaseProblem(
                f"PostgreSQL at {where} has no database {database!r}", f"create it (createdb {database}) or correct DATABASE_URL", False
            )
        if state in RETRYABLE_SQLSTATES:
            return DatabaseProblem(f"PostgreSQL at {where} is not accepting connections ({message})", "wait for it to start", True)
        if isinstance(cause, OSError):
            return DatabaseProblem(
                f"cannot reach PostgreSQL at {where} ({_network_reason(cause)})",
                "start PostgreSQL, or correct the host and port in DATABASE_URL",
                retryable=True,
            )
        if isinstance(cause, asyncpg.PostgresError):
            return DatabaseProblem(f"PostgreSQL at {where} refused the connection ({message})", "check DATABASE_URL", False)
    return DatabaseProblem(f"cannot use the database at {where} ({type(error).__name__}: {error})", "check DATABASE_URL", False)


def _raised_in_driver(error: BaseException) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        if any(part in traceback.tb_frame.f_code.co_filename for part in DRIVER_PATHS):
            return True
        traceback = traceback.tb_next
    return False


def connection_problem(error: BaseException) -> str | None:
    """A short reason when `error` means the database is away (an outage), else None."""
    for cause in _chain(error):
        if isinstance(cause, exc.DBAPIError) and cause.connection_invalidated:
            return "connection lost"
        state = getattr(cause, "sqlstate", None)
        if isinstance(state, str) and (state.startswith("08") or state in RETRYABLE_SQLSTATES):
            return f"{type(cause).__name__}: {cause}"
        if isinstance(cause, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError):
            return f"{type(cause).__name__}: {cause}"
        if isinstance(cause, sqlite3.OperationalError) and any(text in str(cause).lower() for text in SQLITE_OUTAGES):
            return str(cause)
        if isinstance(cause, OSError) and _raised_in_driver(cause):
            return _network_reason(cause)
    return None


async def ping(engine: AsyncEngine) -> None:
    """One round trip (opens the SQLite file, logs in to PostgreSQL); raises what the driver raised."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def watch_engine(engine: AsyncEngine, outage: Outage) -> None:
    """Feed `outage` from the engine: a lost connection starts one, the next commit ends it."""

    def on_error(context: Any) -> None:
        reason = connection_problem(context.original_exception)
        if reason is not None or context.is_disconnect:
            outage.failed(reason or "connection lost")

    def on_commit(_connection: Any) -> None:
        if outage.active:
            outage.recovered()

    event.listen(engine.sync_engine, "handle_error", on_error)
    event.listen(engine.sync_engine, "commit", on_commit)
