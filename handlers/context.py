"""The typed context every handler receives: services reached through it, never through globals."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext, ExtBot

from infra.database import transaction
from infra.i18n import Translator
from infra.services import Services
from infra.settings import Settings
from models.tables import Volunteer
from models.updates import claim_update

# A text step of a conversation: (update, context, session, volunteer), inside the update's transaction.
TextFlow = Callable[["Update", "BotContext", AsyncSession, Volunteer], Awaitable[None]]
# A `/start <prefix><rest>` deep link's handler: (update, context, rest); it opens its own transaction.
DeepLink = Callable[["Update", "BotContext", str], Awaitable[None]]


class BotData:
    """`application.bot_data`, typed: what the process hands the handlers (no string keys)."""

    def __init__(self) -> None:
        self._services: Services | None = None
        # Conversation name -> the handler of its text steps (filled by register()).
        self.text_flows: dict[str, TextFlow] = {}
        # `/start` payload prefix (e.g. "v-") -> its handler (filled by the features' register()).
        self.deep_links: dict[str, DeepLink] = {}

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the services are built in post_init; the application is not initialized")
        return self._services

    @services.setter
    def services(self, services: Services) -> None:
        self._services = services

    @property
    def ready(self) -> bool:
        return self._services is not None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """CallbackContext with the bot's services and per-update helpers."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):  # type: ignore[type-arg]
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def now(self) -> datetime:
        return self.services.clock()

    def translator(self, language: str | None) -> Translator:
        return self.services.catalogs.for_language(language)

    # The update being handled (set by `remember_update` in group -1) and whether this context
    # has already claimed it: the first transaction of an update claims it, later ones reuse that.
    update_id: int | None = None
    _claimed: bool = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A short transaction that also claims the current update.

        A redelivered update (getUpdates is at-least-once) stops here, before any reply, read-only
        ones included; the claim commits or rolls back with the handler's own changes.
        """
        async with self._transaction() as session:
            if not await self._claim(session):
                raise ApplicationHandlerStop
            yield session

    @asynccontextmanager
    async def unit_of_work(self, update: Update) -> AsyncIterator[AsyncSession | None]:
        """A transaction that claims the update: yields None when the update was already handled."""
        self.update_id = update.update_id
        async with self._transaction() as session:
            yield session if await self._claim(session) else None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with transaction(self.services.sessions, write_lock=self.services.write_lock) as session:
            yield session

    async def _claim(self, session: AsyncSession) -> bool:
        if self.update_id is None or self._claimed:
            return True
        claimed = await claim_update(session, bot_id=self.settings.bot_id, update_id=self.update_id, now=self.now())
        self._claimed = claimed
        return claimed


async def remember_update(update: Update, context: BotContext) -> None:
    """Group -1: let the context know which update it serves (for the exactly-once claim)."""
    context.update_id = update.update_id
