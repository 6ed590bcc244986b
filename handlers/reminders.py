"""The buttons under a reminder: "I'll be there" and directions to the site."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import callback_data as cd
from handlers.common import show_buttons
from handlers.context import BotContext
from handlers.gate import require_registration
from handlers.notices.journey import shift_buttons
from models.notices.journey import seat_facts
from models.signups import confirm_coming
from models.tables import Shift


async def confirm_attendance_button(update: Update, context: BotContext) -> None:
    """"I'll be there": noted for the coordinator's roster; thank them, and leave the other buttons in place."""
    query = update.callback_query
    assert query is not None
    signup_id = cd.ReminderAttending.parse(query.data).signup_id
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        found = await seat_facts(session, signup_id)
        mine = found is not None and found.signup.volunteer_id == volunteer.id
        confirmed = found is not None and mine and await confirm_coming(session, signup=found.signup, now=context.now())
    t = context.translator(volunteer.language)
    if found is None or not confirmed:
        await query.answer(t.gettext("This seat is no longer yours."), show_alert=True)
        return
    signup, shift = found.signup, found.shift
    await query.answer(t.gettext("Thank you! See you there."))
    await show_buttons(query, shift_buttons(t, signup, shift, attending=False))


async def send_directions_button(update: Update, context: BotContext) -> None:
    """"Directions": the site as a map pin, which opens in the phone's maps app."""
    query = update.callback_query
    assert query is not None
    shift_id = cd.Directions.parse(query.data).shift_id
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        shift = await session.get(Shift, shift_id)
    t = context.translator(volunteer.language)
    if shift is None or shift.latitude is None or shift.longitude is None:
        await query.answer(t.gettext("The site's location is not available."), show_alert=True)
        return
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    await chat.send_location(latitude=shift.latitude, longitude=shift.longitude)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The buttons under a reminder."""
    app.add_handler(CallbackQueryHandler(confirm_attendance_button, pattern=cd.ReminderAttending.pattern))
    app.add_handler(CallbackQueryHandler(send_directions_button, pattern=cd.Directions.pattern))
