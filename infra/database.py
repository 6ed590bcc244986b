"""The async engine, the session factory and migrations."""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, text
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

import models  # noqa: F401  (tables on the metadata)
from infra.outbox_bell import OutboxBell
from models.outbox import QUEUED_INFO_KEY

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_OPTION = "volunteer_bot_read_only"
# PostgreSQL advisory lock held while migrating (per database; bot/leader.py uses another key).
MIGRATION_LOCK_KEY = 7_362_401_000


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


class _StatementOutcome:
    """What SQLAlchemy reads from a DB-API cursor once a statement has run."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, description: Any = None, rowcount: int = -1, lastrowid: int | None = None) -> None:
        self.description, self.rowcount, self.lastrowid, self.arraysize = description, rowcount, lastrowid, 1

    def close(self) -> None:
        pass


def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool, begin: str | None = None
) -> tuple[_StatementOutcome, list[Any] | None]:
    """In aiosqlite's thread: (begin,) execute, fetch every row and close, all in one go."""
    if begin is not None:
        connection.execute(begin).close()
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        return _StatementOutcome(cursor.description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor makes four trips to the driver's thread per SELECT (open a
    cursor, execute, fetch, close), each a queue put, a thread wake-up and an event-loop wake-up:
    for the bot's short statements that costs more CPU than the statements. This one makes one."""

    __slots__ = ()
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _StatementOutcome()  # type: ignore[assignment]  # SQLAlchemy's private adapter attributes, typed as its own classes
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]  # SQLAlchemy's private adapter attributes, typed as its own classes
        adapted: _OneHopConnection = self._adapt_connection  # type: ignore[assignment]  # SQLAlchemy's private adapter attributes, typed as its own classes
        async with adapted._execute_mutex:
            begin, adapted.pending_begin = adapted.pending_begin, None
            outcome, rows = await connection._execute(
                _run_statement, connection._conn, operation, parameters, many, begin
            )
        self._cursor = outcome
        if rows is not None:
            self._rows = collections.deque(rows)


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The BEGIN that SQLAlchemy asks for (see _on_begin) travels with the transaction's first
    statement, in the same trip; a transaction that ran no statement needs no trip at all."""

    __slots__ = ("pending_begin",)
    _cursor_cls = _OneHopCursor  # type: ignore[assignment]  # SQLAlchemy types it as its own cursor class; ours subclasses it

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.pending_begin: str | None = None

    def cursor(self, server_side: bool = False) -> Any:
        if server_side and self.pending_begin is not None:
            # Streamed results use aiosqlite's own cursor: begin before it opens.
            begin, self.pending_begin = self.pending_begin, None
            try:
                await_(self._connection._execute(_run_statement, self._connection._conn, "SELECT 1", None, False, begin))
            except Exception as error:
                self._handle_exception(error)
        return super().cursor(server_side)

    def commit(self) -> None:
        if self.pending_begin is not None:
            self.pending_begin = None  # nothing ran: nothing to commit
            return
        super().commit()

    def rollback(self) -> None:
        self.pending_begin = None
        # The pool rolls back every connection it gets back, committed or not: when SQLite has no
        # transaction open that is a no-op in the driver, so skip the trip to its thread.
        driver: sqlite3.Connection | None = self._connection._connection
        if driver is not None and driver.in_transaction:
            super().rollback()


class _OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy adapts it, with one trip to the driver's thread per statement."""

    def connect(self, *arg: Any, **kw: Any) -> _OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return _OneHopConnection(self, adapted._connection)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine with SQLite made fit for concurrent writers (WAL, busy timeout, BEGIN IMMEDIATE)."""
    url = normalize_url(url)
    parsed = make_url(url)
    # A failed statement's error would print its parameters: phone numbers, names, conversations.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        return create_async_engine(url, pool_pre_ping=True, **kwargs)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_driver_name() == "aiosqlite":
        kwargs.setdefault("module", _OneHopDBAPI(aiosqlite, sqlite3))
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock up front: a deferred transaction that reads then writes can fail
        # with "database is locked" when another writer got in between; IMMEDIATE waits instead.
        # Long reports read in a deferred transaction: in WAL mode it never blocks the writers.
        begin = "BEGIN" if conn.get_execution_options().get(READ_ONLY_OPTION) else "BEGIN IMMEDIATE"
        dbapi_connection = conn.connection.dbapi_connection
        if isinstance(dbapi_connection, _OneHopConnection):
            dbapi_connection.pending_begin = begin  # sent with the first statement
        else:
            conn.exec_driver_sql(begin)

    return engine


def create_session_factory(engine: AsyncEngine, *, bell: OutboxBell | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions for the bot's transactions; a commit that queued outgoing messages rings `bell`."""
    if bell is None:
        return async_sessionmaker(engine, expire_on_commit=False)

    class BellSession(Session):
        """A Session whose commits wake the outbox sender when they queued a message."""

    def ring_after_commit(session: Session) -> None:
        if session.info.pop(QUEUED_INFO_KEY, False):
            bell.ring()

    def forget_after_rollback(session: Session) -> None:
        session.info.pop(QUEUED_INFO_KEY, None)

    event.listen(BellSession, "after_commit", ring_after_commit)
    event.listen(BellSession, "after_soft_rollback", lambda session, _previous: forget_after_rollback(session))
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=BellSession)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for long reports (figures, exports) that must not hold SQLite's write lock.

    They must not write: on SQLite a write inside them could fail with "database is locked".
    """
    return async_sessionmaker(engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False)


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession], *, write_lock: asyncio.Lock | None = None
) -> AsyncIterator[AsyncSession]:
    """One short session and transaction: committed on success, rolled back on error.

    write_lock: the process's lock when the database has a single writer (SQLite), held around the
    transaction. It is waited for as long as SQLite's busy timeout would have, and a timeout fails
    the same way SQLite's would.
    """
    if write_lock is None:
        async with factory() as session:
            async with session.begin():
                yield session
        return
    try:
        async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_MS / 1000):
            await write_lock.acquire()
    except TimeoutError:
        raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked")) from None
    try:
        async with factory() as session:
            async with session.begin():
                yield session
    finally:
        write_lock.release()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection) -> str | None:
    """Upgrade to head; the revision the database was at when this began (None: empty)."""
    started_at = MigrationContext.configure(connection).get_current_revision()
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    return started_at


async def migrate(engine: AsyncEngine) -> str | None:
    """Bring the schema to the newest migration (run on every start; a no-op when current); the
    revision it started from, read under the lock (None: an empty database).

    On PostgreSQL several instances may start together: the first to take the transaction's
    advisory lock migrates, the others wait for its commit, then find the schema current. SQLite
    serialises the migration with its own write lock.
    """
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        return await connection.run_sync(_upgrade)


def migrate_sync(url: str) -> None:
    """Blocking variant for the command line."""

    async def _run() -> None:
        engine = create_engine(url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(_run())
