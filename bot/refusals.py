"""Telegram's expected refusals, handled where they arise: at the Bot API call itself.

Telegram refuses some requests although nothing is wrong. Every such refusal a handler can meet,
and what happens to it:

- "query is too old" (answerCallbackQuery): the answer came after Telegram's window closed (the
  bot was down or slow, or a press is handled again after a first attempt failed). The volunteer's
  spinner has long stopped; the press itself must still count (the sign-up, the edit, the reply),
  so the refusal is dropped here with one INFO line and the handler goes on.
- "message is not modified" (editMessageText/ReplyMarkup/Caption): the message already shows
  exactly this (a button pressed twice, a progress report that has not moved). Nothing to do:
  dropped here with a DEBUG line.
- 403 "bot was blocked by the user": not here, because the outbox sender must see it to mark the
  volunteer unreachable. In a handler it ends the update: the user is gone, and
  `handlers.general.handle_error` writes one INFO line.
- a message the bot can no longer access (deleted, or too old: the press carries it with date 0):
  never edited; `handlers.common.show` sends a fresh message instead.
- a payload the bot did not make: `handlers.general.handle_error` answers it as a stale button.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Message
from telegram.error import BadRequest
from telegram.ext import ExtBot

log = logging.getLogger(__name__)


def is_late_answer(error: BadRequest) -> bool:
    return "query is too old" in error.message.lower()


def is_unchanged(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


class RefusalTolerantBot(ExtBot[Any]):
    """The application's bot: late answers and edits to the same content are not errors."""

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except BadRequest as error:
            if not is_late_answer(error):
                raise
            log.info("a callback query was answered too late for Telegram; the press is still handled")
            return False

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Message | bool:
        return await _unless_unchanged(super().edit_message_text(*args, **kwargs))

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Message | bool:
        return await _unless_unchanged(super().edit_message_reply_markup(*args, **kwargs))

    async def edit_message_caption(self, *args: Any, **kwargs: Any) -> Message | bool:
        return await _unless_unchanged(super().edit_message_caption(*args, **kwargs))


async def _unless_unchanged(edit: Awaitable[Message | bool]) -> Message | bool:
    try:
        return await edit
    except BadRequest as error:
        if not is_unchanged(error):
            raise
        log.debug("edit skipped by Telegram: the message already shows this")
        return True
