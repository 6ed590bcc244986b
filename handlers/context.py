"""The typed context every handler receives: services reached through it, never through globals."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.database import transaction
from bot.i18n import Catalogs, Translator
from bot.settings import Settings
from models.base import utcnow
from models.updates import claim_update


@dataclass
class Services:
    """Long-lived resources, created in post_init and closed in post_shutdown."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    catalogs: Catalogs
    clock: Callable[[], datetime] = utcnow
    # Called after a transaction that queued outgoing messages, to wake the sender at once.
    wake_sender: Callable[[], Awaitable[None] | None] | None = None
    extras: dict[str, Any] = field(default_factory=dict)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the bot's services and per-update helpers."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):  # type: ignore[type-arg]
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]  # type: ignore[no-any-return]

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def now(self) -> datetime:
        return self.services.clock()

    def translator(self, language: str | None) -> Translator:
        return self.services.catalogs.for_language(language)

    def transaction(self) -> Any:
        """A short read/write transaction (no update claim)."""
        return transaction(self.services.sessions)

    @asynccontextmanager
    async def unit_of_work(self, update: Update) -> AsyncIterator[AsyncSession | None]:
        """A transaction that claims the update: yields None when the update was already handled."""
        async with transaction(self.services.sessions) as session:
            claimed = await claim_update(
                session, bot_id=self.settings.bot_id, update_id=update.update_id, now=self.now()
            )
            yield session if claimed else None
