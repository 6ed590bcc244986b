"""Which instance runs the periodic sweeps: one leader, chosen through PostgreSQL.

Several instances on one PostgreSQL must run each sweep (bot/scheduling.py) once per period, not
once each. Every instance asks for one session-level advisory lock (`pg_try_advisory_lock`) on a
connection of its own, kept open; the one that gets it leads, the others ask again every RETRY_S.
A lock, not a row: no table to migrate, and it is gone the moment its holder's session ends.

How leadership is lost, and what follows:
- the leader stops or dies (a clean stop, a crash, kill -9): its connection closes, PostgreSQL
  releases the lock at once, another instance takes it within RETRY_S;
- the leader's machine or network vanishes without closing the connection: the server notices
  through TCP keepalives (set on that connection, about KEEPALIVE_S) and releases the lock, so
  another instance leads within a minute;
- the leader's connection breaks while it lives (database restart, network blip): its next check
  fails, it stops leading at once and asks again like the others;
- a sweep that was already running when the lock changed hands may overlap the new leader's
  first one: harmless, since every sweep reads the database afresh and queues messages under
  unique keys (a reminder is never queued twice).

SQLite is one process by construction (its database is a local file): the instance always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# Advisory lock keys are per database; this one means "runs the sweeps" (ASCII "vbsweeps" would
# not fit in a bigint's positive half with room to spare, so: a fixed number, written once).
SWEEP_LOCK_KEY = 7_362_401_001
RETRY_S = 10.0
CHECK_TIMEOUT_S = 5.0
# Server side: idle 10 s, then a probe every 5 s, 3 unanswered probes: a dead client is noticed
# in about 25 s. Ignored on Unix-socket connections, which cannot vanish that way.
KEEPALIVE_S = 25
KEEPALIVE_SETTINGS = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}


class Leadership:
    """Holds (or keeps asking for) the sweeps' lock; `check()` says whether we lead right now."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        key: int = SWEEP_LOCK_KEY,
        retry_s: float = RETRY_S,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self._url = engine.url
        self.shared = engine.dialect.name == "postgresql"
        self.key = key
        self.retry_s = retry_s
        self._on_change = on_change
        self.is_leader = not self.shared
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._checking = asyncio.Lock()
        if on_change is not None:
            on_change(self.is_leader)

    async def start(self) -> None:
        """Ask once at once (a lone instance leads from its first sweep), then every retry_s."""
        if not self.shared:
            return
        await self.check()
        self._task = asyncio.get_running_loop().create_task(self._keep_checking(), name="sweep-leadership")

    async def stop(self) -> None:
        """Give the lock up (closing the session releases it) so another instance leads at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        async with self._checking:
            await self._close()
            self._set(not self.shared)
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def check(self) -> bool:
        """Confirm the lock is still ours, or try to take it: whether this instance leads now."""
        if not self.shared:
            return True
        async with self._checking:
            try:
                async with asyncio.timeout(CHECK_TIMEOUT_S):
                    leads = await self._confirm_or_take()
            except Exception as error:  # the connection broke: we no longer hold anything
                if self.is_leader:
                    log.warning("lost the sweeps' lock (%s); asking again in %gs", type(error).__name__, self.retry_s)
                await self._close(broken=True)
                leads = False
            self._set(leads)
            return leads

    async def _confirm_or_take(self) -> bool:
        if self._connection is None:
            self._connection = await self._connect()
        if self.is_leader:
            # The lock lives as long as this session: a connection that still answers still holds it.
            await self._connection.execute(text("SELECT 1"))
            return True
        taken = await self._connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        return bool(taken)

    async def _connect(self) -> AsyncConnection:
        if self._engine is None:
            # A connection of its own, outside the pool, in autocommit: no transaction stays open.
            self._engine = create_async_engine(self._url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        connection = await self._engine.connect()
        for name, value in KEEPALIVE_SETTINGS.items():
            await connection.exec_driver_sql(f"SET {name} = {int(value)}")
        return connection

    async def _close(self, *, broken: bool = False) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                if broken:
                    await connection.invalidate()  # no polite goodbye on a dead socket
                    return
                if self.is_leader:
                    await connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                await connection.close()

    async def _keep_checking(self) -> None:
        while True:
            await asyncio.sleep(self.retry_s)
            await self.check()

    def _set(self, leads: bool) -> None:
        if leads == self.is_leader:
            return
        self.is_leader = leads
        if leads:
            log.info("this instance now runs the periodic sweeps")
        if self._on_change is not None:
            self._on_change(leads)
