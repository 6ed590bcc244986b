"""The gate in front of every coordinator handler: the presser's role, checked in the database."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from handlers import callback_data as cd
from handlers.common import load_volunteer, reply
from handlers.context import BotContext
from infra.i18n import Translator
from models.audit import record_action
from models.coordination import Actor, Refusal, authorize
from models.volunteers import conversation_of

Kind = TypeVar("Kind", bound=cd.CallbackData)


def refusal_text(t: Translator, reason: Refusal) -> str:
    texts = {
        Refusal.NOT_STAFF: t.gettext("Sorry, this is only for the program's coordinators."),
        Refusal.ADMINS_ONLY: t.gettext("Sorry, only the program's admins can do that."),
        Refusal.OTHER_CENTER: t.gettext("Sorry, you do not manage this center, so you cannot do that."),
        Refusal.UNKNOWN_TARGET: t.gettext("This item no longer exists. Please open the list again."),
    }
    return texts[reason]


async def require_staff(
    update: Update,
    context: BotContext,
    session: AsyncSession,
    *,
    action: str,
    center_id: int | None = None,
    admin_only: bool = False,
    missing_target: bool = False,
    target: str | None = None,
) -> tuple[Actor | None, Translator]:
    """The actor when allowed; otherwise None after telling the presser why (and auditing it)."""
    volunteer = await load_volunteer(session, update, context)  # also grants admin from the settings
    t = context.translator(volunteer.language)
    result = await authorize(
        session,
        telegram_id=volunteer.telegram_id,
        action=action,
        now=context.now(),
        center_id=center_id,
        admin_only=admin_only,
        missing_target=missing_target,
        target=target,
    )
    if isinstance(result, Actor):
        return result, t
    await tell(update, refusal_text(t, result), alert=True)
    return None, t


async def tell(update: Update, text: str, *, alert: bool = False) -> None:
    """Answer a button with a pop-up, or a message with a reply."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=alert)
    else:
        await reply(update, text)


async def parse_or_refuse(update: Update, context: BotContext, kind: type[Kind], *, action: str) -> Kind | None:
    """The button's payload as `kind`, or None after refusing (and auditing) a forged or stale one."""
    query = update.callback_query
    assert query is not None
    try:
        return kind.parse(query.data)
    except cd.BadCallback:
        await refuse_forged(update, context, action=action)
        return None


async def refuse_forged(update: Update, context: BotContext, *, action: str) -> None:
    """Answer a payload we did not make, and keep a line of it."""
    query = update.callback_query
    assert query is not None
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
        await record_action(
            session, actor_telegram_id=volunteer.telegram_id, action=action, target=(query.data or "")[:128],
            allowed=False, detail="forged or stale payload", now=context.now(),
        )
    t = context.translator(volunteer.language)
    await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)


async def peek_conversation(update: Update, context: BotContext) -> dict[str, Any]:
    """The sender's half-done conversation, read without taking SQLite's write lock.

    The coordinator flows look at every location, photo and document first; nearly all of them
    come from volunteers checking in, who must not queue for the writer twice. Reads are ordered
    after the same chat's earlier updates (they have committed), so the flow seen is current.
    """
    user = update.effective_user
    if user is None:
        return {}
    async with context.services.report_sessions() as session:
        return await conversation_of(session, telegram_id=user.id)
