"""Builds the Application: services in post_init, handlers from handlers.register, commands menu."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest

import handlers
from bot.aiohttp_request import AiohttpRequest
from bot.background import start_background, stop_background
from bot.leader import Leadership
from bot.metrics import BotMetrics, count_error
from bot.process import ProcessData
from bot.ratelimit import PriorityRateLimiter
from bot.refusals import RefusalTolerantBot
from bot.sender import OutboxSender
from handlers.context import BotContext
from handlers.coordinator.roles import set_staff_menu
from handlers.general import COMMANDS
from handlers.notices import render_notice
from infra.database import (
    create_engine,
    create_read_session_factory,
    create_session_factory,
    migrate,
)
from infra.i18n import Catalogs
from infra.outbox_bell import OutboxBell
from infra.services import Services
from infra.settings import Settings
from models.base import utcnow
from models.coordination import list_staff, reconcile_admins
from models.tables import LANGUAGES

log = logging.getLogger(__name__)
# Telegram's own Bot API (python-telegram-bot's defaults), unless the settings name another server.
TELEGRAM_BOT_API = "https://api.telegram.org/bot"
TELEGRAM_FILE_API = "https://api.telegram.org/file/bot"
# Updates handled at the same time (those of one chat still one after the other).
CONCURRENT_UPDATES = 64


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats at the same time; those of one chat, and of one user, in order.

    An update waits for the updates that came before it from the same chat or the same user (a
    volunteer's "sign up" is handled before their "/my"). Waits only ever point at earlier
    updates, so they cannot deadlock. Updates reach this method in the order getUpdates gave them:
    PTB starts one task per update in that order, and asyncio's semaphore in front of this method
    lets waiters in first come, first served.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._latest: dict[tuple[str, int], asyncio.Event] = {}
        self.metrics: BotMetrics | None = None  # set once the application exists

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = _ordering_keys(update)
        earlier = [self._latest[key] for key in keys if key in self._latest]
        done = asyncio.Event()
        for key in keys:
            self._latest[key] = done
        started = False
        try:
            for event in earlier:
                await event.wait()
            started = True
            began = time.perf_counter()
            await coroutine
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting its turn
            elif self.metrics is not None:
                self.metrics.update_handled(update, time.perf_counter() - began)
            done.set()
            for key in keys:
                if self._latest.get(key) is done:
                    del self._latest[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _ordering_keys(update: object) -> list[tuple[str, int]]:
    """The chat and the user an update comes from; anything else shares one queue."""
    if not isinstance(update, Update):
        return [("other", 0)]
    keys = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return keys or [("other", 0)]



async def register_commands(app: Application, catalogs: Catalogs, default_language: str) -> None:  # type: ignore[type-arg]
    """The "/" menu in Arabic and English (and the default language for everyone else)."""
    scope = BotCommandScopeAllPrivateChats()
    for language in LANGUAGES:
        t = catalogs.for_language(language)
        commands = [BotCommand(name, t.gettext(description)) for name, description in COMMANDS]
        await app.bot.set_my_commands(commands, scope=scope, language_code=language)
    t = catalogs.for_language(default_language)
    await app.bot.set_my_commands([BotCommand(n, t.gettext(d)) for n, d in COMMANDS], scope=scope)


async def register_staff_menus(app: Application, services: Services, *, former_staff: dict[int, str] | None = None) -> None:  # type: ignore[type-arg]
    """Coordinators and admins see their tools in the "/" menu of their own chat; those who lost
    their role at this start (former_staff: telegram id -> language) see the common menu again."""
    async with services.sessions() as session:
        staff = {v.telegram_id: v.language for v, _ in await list_staff(session)}
    for telegram_id in services.settings.coordinator_ids:
        staff.setdefault(telegram_id, services.settings.default_language)
    for telegram_id, language in staff.items():
        await set_staff_menu(app.bot, services.catalogs.for_language(language), chat_id=telegram_id, staff=True)
    for telegram_id, language in (former_staff or {}).items():
        if telegram_id not in staff:
            await set_staff_menu(app.bot, services.catalogs.for_language(language), chat_id=telegram_id, staff=False)


async def follow_admin_setting(services: Services) -> dict[int, str]:
    """Admin powers follow COORDINATOR_IDS at every start; the people who lost them (id -> language)."""
    async with services.sessions() as session, session.begin():
        changes = await reconcile_admins(session, admin_ids=services.settings.coordinator_ids, now=services.clock())
        revoked = {person.telegram_id: person.language for person in changes.revoked}
    if revoked:
        log.info("%d admin(s) no longer in COORDINATOR_IDS lost their admin role", len(revoked))
    return revoked


def build_application(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    clock: Callable[[], datetime] = utcnow,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    run_migrations: bool = True,
    register_menu: bool = True,
    start_background_work: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The bot, ready for run_polling() or, in tests, initialize() and process_update()."""
    processor = PerChatUpdateProcessor(CONCURRENT_UPDATES)
    if request is not None:
        calls = updates = request
    else:
        # PTB's defaults (a large pool for calls, one connection for getUpdates), over aiohttp.
        calls, updates = AiohttpRequest(), get_updates_request or AiohttpRequest(connection_pool_size=1)
    bot = RefusalTolerantBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url or TELEGRAM_BOT_API, base_file_url=settings.telegram_api_file_url or TELEGRAM_FILE_API,
        request=calls, get_updates_request=updates,
        defaults=Defaults(tzinfo=settings.zone),
        # Every call is paced here (global rate; replies to volunteers before outbox sends).
        rate_limiter=PriorityRateLimiter(
            rate=settings.send_rate_per_second, interactive_share=settings.interactive_share, clock=clock
        ),
    )
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=BotContext, bot_data=ProcessData))
        .concurrent_updates(processor)
    )
    owns_engine = engine is None

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        nonlocal engine
        if engine is None:
            engine = create_engine(settings.database_url)
        if run_migrations:
            await migrate(engine)
        catalogs = Catalogs(settings.zone, settings.default_language)
        bell = OutboxBell()
        services = app.bot_data.services = Services(
            settings=settings,
            sessions=create_session_factory(engine, bell=bell),
            outbox_bell=bell,
            read_sessions=create_read_session_factory(engine),
            catalogs=catalogs,
            clock=clock,
            # SQLite has one writer at a time: updates queue for it here, in order, rather than
            # in SQLite's busy handler, which sleeps (1, 2, 5, 10... ms) between attempts.
            write_lock=asyncio.Lock() if engine.dialect.name == "sqlite" else None,
        )
        revoked = await follow_admin_setting(services)
        if register_menu:
            await register_commands(app, catalogs, settings.default_language)
            await register_staff_menus(app, services, former_staff=revoked)
        app.bot_data.sender = OutboxSender(app, render_notice)
        app.bot_data.leader = Leadership(engine, on_change=app.bot_data.metrics.leader.set)
        if start_background_work:
            await start_background(app)

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        if start_background_work:
            await stop_background(app)
        if owns_engine and engine is not None:
            await engine.dispose()

    app = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    processor.metrics = app.bot_data.metrics
    app.bot_data.metrics.watch_rate_limiter(app.bot.rate_limiter)
    app.add_error_handler(count_error)  # before the handlers' own: every error is counted
    handlers.register(app)
    return app
