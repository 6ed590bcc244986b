"""The long-lived resources of one bot process, typed: what handlers and background work reach.

Built once at start-up (`bot.app`), closed at shutdown; never a module-level global. Nothing here
knows Telegram: a WhatsApp channel would build the same Services.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from infra.i18n import Catalogs
from infra.outbox_bell import OutboxBell
from infra.reports import ReportRunner
from infra.settings import Settings
from models.base import utcnow


@dataclass
class Services:
    """Long-lived resources, created in post_init and closed in post_shutdown."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    catalogs: Catalogs
    clock: Callable[[], datetime] = utcnow
    # Rung by every commit that queued outgoing messages: the sender waits on it.
    outbox_bell: OutboxBell = field(default_factory=OutboxBell)
    # Long reports built off the update loop, one at a time.
    reports: ReportRunner = field(default_factory=ReportRunner)
    # Certificates and letters, built off the update loop (two at a time) and drawn in
    # `certificate_executor` (a worker process in production; None: a thread).
    certificates: ReportRunner = field(default_factory=lambda: ReportRunner(concurrency=2))
    certificate_executor: Executor | None = None
    # For long reports: they read without taking SQLite's write lock (see infra.database).
    read_sessions: async_sessionmaker[AsyncSession] | None = None
    # Held around each handler transaction when the database has a single writer (SQLite).
    write_lock: asyncio.Lock | None = None
    # Set after the process's first full sweep: later sweeps look back only a little way.
    sweeps_caught_up: bool = False

    @property
    def report_sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.read_sessions or self.sessions
