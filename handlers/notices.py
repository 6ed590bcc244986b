"""Messages the bot sends on its own: queued in the outbox, rendered when they are sent."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application

from bot.i18n import Translator
from handlers import callback_data as cd
from handlers.common import esc, opportunity_title
from handlers.context import BotContext
from models.opportunities import shift_with_opportunity
from models.outbox import PRIORITY_NOTICE, enqueue
from models.tables import OutboxMessage, Signup, Volunteer


async def queue_promotion_notices(session: AsyncSession, context: BotContext, promoted: list[Signup]) -> None:
    """Tell each promoted volunteer that a seat is now theirs (once per promotion)."""
    for signup in promoted:
        volunteer = await session.get(Volunteer, signup.volunteer_id)
        assert volunteer is not None and signup.promoted_at is not None
        await enqueue(
            session,
            key=f"promoted:{signup.id}:{signup.promoted_at.isoformat()}",
            chat_id=volunteer.telegram_id,
            volunteer_id=volunteer.id,
            kind="promoted",
            payload={"signup_id": signup.id},
            now=context.now(),
            priority=PRIORITY_NOTICE,
        )


async def render_promoted(session: AsyncSession, t: Translator, payload: dict[str, Any]) -> tuple[str, Any] | None:
    signup = await session.get(Signup, int(payload["signup_id"]))
    if signup is None or signup.status != "confirmed":
        return None  # cancelled again before we could tell them: nothing to say
    found = await shift_with_opportunity(session, shift_id=signup.shift_id)
    assert found is not None
    shift, opportunity = found
    text = t.gettext("🎉 Good news! A seat opened up and it is yours: <b>{title}</b>\n{when}").format(
        title=esc(opportunity_title(opportunity, t.language)), when=t.span(shift.starts_at, shift.ends_at)
    )
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("Cancel my seat"), callback_data=cd.cancel(signup.id or 0))]])
    return text, markup


Renderer = Callable[[AsyncSession, Translator, dict[str, Any]], Awaitable["tuple[str, Any] | None"]]


def register_renderers(app: Application, renderers: dict[str, Renderer]) -> None:  # type: ignore[type-arg]
    """Each feature adds the renderers of the message kinds it queues (called from register())."""
    app.bot_data.setdefault("notice_renderers", {}).update(renderers)


async def render_notice(
    session: AsyncSession, t: Translator, message: OutboxMessage, renderers: dict[str, Renderer]
) -> tuple[str, Any] | None:
    """Text and keyboard (and, for a photo message, the photo's file_id) for a queued message in
    the recipient's language (None: drop it)."""
    renderer = renderers.get(message.kind)
    if renderer is None:
        return None
    return await renderer(session, t, json.loads(message.payload))


def register(app: Application) -> None:  # type: ignore[type-arg]
    register_renderers(app, {"promoted": render_promoted})
