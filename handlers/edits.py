"""Edited messages: Telegram delivers an edit as a new update, and it must never act again.

One mechanism for every handler: `hold_back_edits` runs before anything else and stops an edited
message there. A fixed typo in `/addhours 7100000001 3 …` would otherwise credit the hours twice,
an edited flow step would run the step again, an edited location would check in again. The person
is told once (a translated hint to send it as a new message); a live location's position updates,
which arrive as edits too, pass silently to the handler that follows them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from handlers.common import load_volunteer, reply
from handlers.context import BotContext

LiveLocationHandler = Callable[[Update, BotContext], Awaitable[None]]


def is_live_location_update(update: Update) -> bool:
    """A position update of a live location (Telegram sends them as edits of the first message)."""
    message = update.edited_message
    return message is not None and message.location is not None and message.location.live_period is not None


def make_edit_guard(on_live_location: LiveLocationHandler | None = None) -> Callable[[Update, BotContext], Awaitable[None]]:
    """The group -2 handler: stops every edited message; live locations go to `on_live_location`."""

    async def hold_back_edits(update: Update, context: BotContext) -> None:
        """Edited messages never run a command, a flow step or a check-in again."""
        if update.edited_message is None and update.edited_channel_post is None:
            return
        if is_live_location_update(update):
            if on_live_location is not None:
                context.update_id = update.update_id
                await on_live_location(update, context)
            raise ApplicationHandlerStop
        message = update.edited_message
        if message is not None and message.chat.type == ChatType.PRIVATE and (message.text or message.caption):
            await _tell_edit_not_applied(update, context)
        raise ApplicationHandlerStop

    return hold_back_edits


async def _tell_edit_not_applied(update: Update, context: BotContext) -> None:
    async with context.unit_of_work(update) as session:
        if session is None:
            return  # the same edit delivered twice: told once
        volunteer = await load_volunteer(session, update, context)
    t = context.translator(volunteer.language)
    await reply(
        update,
        t.gettext("✏️ I do not act on edited messages, so nothing was changed. Please send it again as a new message."),
    )
