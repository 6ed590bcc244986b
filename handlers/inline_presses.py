"""Presses on messages sent through inline mode: this bot sends none, so every such press is stale.

Such a press carries an inline_message_id and no message: there is no chat to answer in, and
editing "the message" would change a message other people see in a chat of theirs. It is answered
as a stale button and goes no further.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from handlers.context import BotContext
from handlers.general import stale_button


class InlinePressHandler(CallbackQueryHandler):
    """Matches a press on an inline message, whatever its payload."""

    def check_update(self, update: object) -> bool | object | None:
        if not isinstance(update, Update) or update.callback_query is None or not update.callback_query.inline_message_id:
            return None
        return super().check_update(update)


async def refuse_inline_press(update: Update, context: BotContext) -> None:
    """A press on an inline message: answered as a stale button, nothing else."""
    await stale_button(update, context)
