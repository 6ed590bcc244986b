"""`volunteer-bot run`: start-up that either works or says why in one sentence, polling, a clean stop.

In order: the settings (read by the caller), the lock on a SQLite file (no restore under a
running bot), the database (connected, migrated), Telegram (getMe), then polling until SIGINT or
SIGTERM. The database and Telegram are retried with backoff for STARTUP_RETRY_SECONDS each when
they do not answer, saying so once; anything waiting cannot fix (a rejected token or password, a
missing database, a failed migration) stops at once. Every failure ends as a StartupError: one
sentence on stderr, no traceback, never the token, and an exit status:

- 2: the configuration is wrong (settings, token, database credentials or name);
- 3: Telegram or the database did not answer within STARTUP_RETRY_SECONDS;
- 1: anything else that stops start-up (a migration failed, a restore holds the database).

Once running, losing Telegram or the database is an Outage (one line when it starts, one when it
ends; see infra.outages), recovered from by the retries that polling, the sender and the sweeps
do anyway. The stop follows run_polling's order (updater, application, shutdown, post_shutdown),
so the sender finishes or gives back its sends before the engine is disposed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from importlib import metadata
from typing import Any, Protocol, TypeVar

import telegram
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update, User
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.logs import OutageFilter, mask_tokens
from bot.telegram_health import (
    HeartbeatRequest,
    api_url,
    describe_telegram_error,
    polling_error,
    telegram_problem,
)
from infra.backup import DatabaseBusy, DatabaseLock
from infra.database import create_engine
from infra.database_health import (
    connection_problem,
    describe_database_error,
    display_url,
    ping,
    sqlite_file,
    watch_engine,
)
from infra.outages import Outage
from infra.schema import MigrationFailed, upgrade
from infra.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

EXIT_FAILED, EXIT_CONFIGURATION, EXIT_UNREACHABLE = 1, 2, 3
FIRST_RETRY_S, MAX_RETRY_S = 1.0, 30.0


class StartupError(Exception):
    """Start-up cannot go on: the sentence for the operator, and the exit status."""

    def __init__(self, sentence: str, status: int) -> None:
        super().__init__(sentence)
        self.sentence, self.status = sentence, status


class Stopped(Exception):
    """A signal came during start-up."""


class Problem(Protocol):
    """A DatabaseProblem or a TelegramProblem."""

    @property
    def what(self) -> str: ...
    @property
    def fix(self) -> str: ...
    @property
    def retryable(self) -> bool: ...
    @property
    def sentence(self) -> str: ...


class Stopper:
    """The one way the process stops: SIGINT or SIGTERM (status 0), or a fatal problem later on."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.status = 0
        self._signals: list[signal.Signals] = []

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._on_signal, sig)
                self._signals.append(sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("%s received: stopping", sig.name)
        self.stop(0)
        # A second Ctrl-C (or SIGTERM) while stopping gets Python's default behaviour: out at once.
        self.uninstall()

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        self._signals.clear()

    def stop(self, status: int = 0) -> None:
        if not self.event.is_set():
            self.status = status
            self.event.set()

    async def sleep(self, seconds: float) -> None:
        """Wait, unless a stop comes first (then Stopped)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.event.wait(), seconds)
        if self.event.is_set():
            raise Stopped


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    describe: Callable[[BaseException], Problem | None],
    *,
    budget: float,
    stopper: Stopper,
) -> T:
    """`attempt()` until it works; backoff 1, 2, 4 … 30 s while the problem is retryable, for `budget` s."""
    deadline = time.monotonic() + budget
    delay = FIRST_RETRY_S
    announced = False
    while True:
        try:
            return await attempt()
        except Exception as error:
            problem = describe(error)
            if problem is None:
                raise
            if not problem.retryable:
                raise StartupError(problem.sentence, EXIT_CONFIGURATION) from None
            left = deadline - time.monotonic()
            if left <= 0:
                sentence = f"{problem.what}; gave up after {budget:g} s: {problem.fix}"
                raise StartupError(sentence, EXIT_UNREACHABLE) from None
            if not announced:
                log.warning("%s; retrying for up to %g s", problem.what, budget)
                announced = True
        await stopper.sleep(min(delay, left))
        delay = min(delay * 2, MAX_RETRY_S)


def version() -> str:
    try:
        return metadata.version("volunteer-bot")
    except metadata.PackageNotFoundError:
        return "unknown"


def run(settings: Settings, log_filter: OutageFilter, *, webhook: bool = False) -> int:
    """The `run` command (polling, or `--webhook`: bot/webhook.py): the process's exit status."""
    try:
        return asyncio.run(_run(settings, log_filter, webhook=webhook))
    except StartupError as error:
        token = settings.telegram_bot_token.get_secret_value()
        print(f"volunteer-bot: {mask_tokens(error.sentence.replace(token, '***'))}", file=sys.stderr)
        return error.status


async def _run(settings: Settings, log_filter: OutageFilter, *, webhook: bool = False) -> int:
    stopper = Stopper()
    stopper.install()
    log.info("volunteer-bot %s (python-telegram-bot %s)", version(), telegram.__version__)
    log.info("database: %s", display_url(settings.database_url))
    log.info("Telegram Bot API: %s", api_url(settings))
    lock: DatabaseLock | None = None
    try:
        lock = _lock(settings)
        engine = await _open_database(settings, stopper)
        try:
            await _migrate(engine)
            return await _start_and_serve(settings, engine, stopper, log_filter, webhook=webhook)
        finally:
            await engine.dispose()
    except Stopped:
        log.info("stopped before start-up had finished")
        return 0
    finally:
        if lock is not None:
            lock.release()
        stopper.uninstall()


def _lock(settings: Settings) -> DatabaseLock | None:
    path = sqlite_file(settings.database_url)
    if path is None:
        return None
    lock = DatabaseLock(path.resolve())
    try:
        lock.hold_shared()
    except DatabaseBusy as busy:
        raise StartupError(str(busy), EXIT_FAILED) from None
    except OSError as error:
        problem = describe_database_error(error, settings.database_url)
        raise StartupError(problem.sentence, EXIT_CONFIGURATION) from None
    return lock


async def _open_database(settings: Settings, stopper: Stopper) -> AsyncEngine:
    url = settings.database_url
    try:
        engine = create_engine(url)
    except Exception as error:  # a malformed URL, an unknown driver, a folder that cannot be made
        raise StartupError(describe_database_error(error, url).sentence, EXIT_CONFIGURATION) from None
    try:
        await with_retries(
            lambda: ping(engine),
            lambda error: describe_database_error(error, url),
            budget=settings.startup_retry_seconds,
            stopper=stopper,
        )
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def _migrate(engine: AsyncEngine) -> None:
    try:
        done = await upgrade(engine)
    except MigrationFailed as failed:
        raise StartupError(str(failed), EXIT_FAILED) from None
    if done.applied:
        log.info("database schema: %d migrations applied, now at %s", len(done.applied), done.after)
    else:
        log.info("database schema: up to date (%s)", done.after)


async def _start_and_serve(
    settings: Settings, engine: AsyncEngine, stopper: Stopper, log_filter: OutageFilter, *, webhook: bool = False
) -> int:
    from bot.app import build_application  # imports every handler: only once the basics are there

    database = Outage("database", logging.getLogger("bot.database"))
    watch_engine(engine, database)
    log_filter.watch(database, connection_problem)
    telegram_outage = Outage("Telegram", logging.getLogger("bot.telegram"))
    conflict = Outage("Telegram polling", logging.getLogger("bot.telegram"), down="refused", up="works again")
    log_filter.watch(telegram_outage, telegram_problem)

    def token_revoked() -> None:
        if not stopper.event.is_set():
            log.error("Telegram no longer accepts the token (401 Unauthorized): ask @BotFather for the token again; stopping")
        stopper.stop(EXIT_CONFIGURATION)

    # Start-up checked the token: a rejection now is a revocation, said once by token_revoked.
    log_filter.ignore(lambda error: "token revoked" if isinstance(error, InvalidToken) else None)

    heartbeat = HeartbeatRequest(telegram_outage, conflict, token_revoked)
    app = build_application(settings, engine=engine, run_migrations=False, get_updates_request=heartbeat)
    try:
        me = await _reach_telegram(app, settings, stopper)
        log.info("Telegram: the bot is @%s", me.username)
        if webhook:
            await _serve_webhook(app, settings, stopper)
        else:
            await _serve(app, settings, stopper, conflict)
    finally:
        await app.bot.shutdown()  # a no-op after a normal stop; closes the sessions after a failed start
    return stopper.status


async def _reach_telegram(app: Application, settings: Settings, stopper: Stopper) -> User:
    url = api_url(settings)

    async def get_me() -> User:
        await app.bot.initialize()  # getMe; requests are set up once, getMe retried
        return app.bot.bot

    def describe(error: BaseException) -> Problem | None:
        return describe_telegram_error(error, url) if isinstance(error, TelegramError) else None

    return await with_retries(get_me, describe, budget=settings.startup_retry_seconds, stopper=stopper)


async def _serve(app: Application, settings: Settings, stopper: Stopper, conflict: Outage) -> None:
    """Run until stopped; the same steps as PTB's run_polling, each undone in reverse."""
    assert app.updater is not None
    await app.initialize()  # the bot is initialized already: no second getMe
    stopping_since: float | None = None
    try:
        try:
            if app.post_init is not None:
                await app.post_init(app)
            await app.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, drop_pending_updates=False, error_callback=polling_error(conflict)
            )
        except TelegramError as error:
            problem = describe_telegram_error(error, api_url(settings))
            raise StartupError(problem.sentence, EXIT_UNREACHABLE if problem.retryable else EXIT_CONFIGURATION) from None
        await app.start()
        log.info("polling for updates")
        await stopper.event.wait()
        stopping_since = time.monotonic()
    finally:
        await _stop(app)
    if stopping_since is not None:
        log.info("stopped in %.1f s", time.monotonic() - stopping_since)


async def _serve_webhook(app: Application, settings: Settings, stopper: Stopper) -> None:
    """Webhook mode instead of polling: the same start-up before it, bot/webhook.py from here on."""
    from bot.webhook import WebhookSetupError, serve

    try:
        await serve(settings, app, stopper.event)
    except WebhookSetupError as error:
        raise StartupError(str(error), EXIT_CONFIGURATION) from None


async def _stop(app: Application) -> None:
    steps: list[tuple[str, Callable[[], Awaitable[Any]] | None]] = [
        ("updater", app.updater.stop if app.updater is not None and app.updater.running else None),
        ("application", app.stop if app.running else None),
        ("shutdown", app.shutdown),
        ("post_shutdown", (lambda: app.post_shutdown(app)) if app.post_shutdown is not None else None),  # type: ignore[misc]
    ]
    for name, step in steps:
        if step is None:
            continue
        try:
            await step()
        except Exception as error:  # keep stopping: what follows still has to be closed
            log.warning("while stopping (%s): %s", name, mask_tokens(f"{type(error).__name__}: {error}"))
