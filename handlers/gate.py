"""The one check in front of every volunteer command: registration first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from handlers.common import load_volunteer
from handlers.context import BotContext
from infra.i18n import Translator
from models.tables import Volunteer
from models.volunteers import is_registered


async def require_registration(update: Update, context: BotContext, session: AsyncSession) -> Volunteer | None:
    """The registered volunteer, or None after asking the pending onboarding question."""
    from handlers.onboarding import prompt_step  # onboarding imports gate's neighbours

    volunteer = await load_volunteer(session, update, context)
    if is_registered(volunteer):
        return volunteer
    t = context.translator(volunteer.language)
    if update.callback_query is not None:
        await update.callback_query.answer(t.gettext("Please finish your registration first."), show_alert=True)
    else:
        from handlers.common import reply

        await reply(update, t.gettext("Let us finish your registration first."))
    await prompt_step(update, context, session, volunteer)
    return None


@asynccontextmanager
async def registered_unit(update: Update, context: BotContext) -> AsyncIterator[tuple[AsyncSession, Volunteer, Translator] | None]:
    """The update's unit of work for a registered volunteer: (session, volunteer, translator), or
    None when the update was already handled or the person must finish registering first (they
    have been told). The opening every volunteer button and command shares."""
    async with context.unit_of_work(update) as session:
        if session is None:
            yield None
            return
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            yield None
            return
        yield session, volunteer, context.translator(volunteer.language)
