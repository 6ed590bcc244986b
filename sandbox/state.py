"""Everything the stand-in knows, in one place shared by the Bot API, the users and the page."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from sandbox.faults import Faults
from sandbox.limits import FloodControl
from sandbox.markup import ReplyKeyboard
from sandbox.records import CallbackQueryRecord, ChatMessage, StoredFile, UserProfile
from sandbox.stats import Stats
from sandbox.updates import UpdateQueue
from sandbox.webhook import WebhookDelivery

DEFAULT_BOT_ID = 1234567


class SandboxState:
    """Users, chat logs, files, commands and queues; ``revision`` ticks on every visible change."""

    def __init__(
        self,
        *,
        bot_username: str,
        bot_name: str,
        flood_control: FloodControl,
        faults: Faults,
        duplicate_updates: bool = False,
        max_recorded_calls: int = 100_000,
    ) -> None:
        self.bot_id = DEFAULT_BOT_ID  # replaced by the id in the first token the bot uses
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.flood_control = flood_control
        self.faults = faults
        self.duplicate_updates = duplicate_updates
        self.users: dict[int, UserProfile] = {}
        self.chats: dict[int, list[ChatMessage]] = {}
        self.reply_keyboards: dict[int, ReplyKeyboard | None] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.profile_texts: dict[str, str] = {}  # setMyDescription & co.
        self.updates = UpdateQueue()
        self.webhook_delivery = WebhookDelivery(self.updates)
        self.stats = Stats(max_recorded_calls=max_recorded_calls)
        self.revision = 0
        self._changed = asyncio.Event()
        self._next_message_id: dict[int, int] = {}

    # -- change notification ------------------------------------------------------------------

    def touch(self) -> int:
        """Advance the revision and wake everyone waiting for a change; return the new one."""
        self.revision += 1
        self._changed.set()
        self._changed = asyncio.Event()
        return self.revision

    async def wait_for_change(self, timeout: float) -> bool:
        """Wait until something changes; False if ``timeout`` passed first."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    # -- identities -------------------------------------------------------------------------------

    def bot_user_json(self) -> dict[str, Any]:
        """The bot's own ``User`` object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    # -- chat log ---------------------------------------------------------------------------------

    def add_message(self, chat_id: int, *, from_bot: bool, **fields: Any) -> ChatMessage:
        """Append a message to a chat, with the next message_id of that chat."""
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message = ChatMessage(
            message_id=message_id,
            chat_id=chat_id,
            from_bot=from_bot,
            date=int(time.time()),
            revision=self.touch(),
            **fields,
        )
        self.chats.setdefault(chat_id, []).append(message)
        return message

    def find_message(self, chat_id: int, message_id: int) -> ChatMessage | None:
        """A message of a chat by id, deleted or not."""
        for message in reversed(self.chats.get(chat_id, [])):
            if message.message_id == message_id:
                return message
        return None

    def store_file(
        self,
        content: bytes | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        """Keep an uploaded file and give it Telegram-looking ids."""
        token = uuid.uuid4().hex
        stored = StoredFile(
            file_id=f"BQACAgSANDBOX{token}",
            file_unique_id=f"AgAD{token[:12]}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            url=url,
        )
        self.files[stored.file_id] = stored
        return stored
