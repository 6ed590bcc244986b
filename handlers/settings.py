"""/settings: a volunteer's choices about the messages they get (reminders on or off)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import reply, show
from handlers.context import BotContext
from handlers.gate import require_registration
from infra.i18n import Translator
from models.tables import Volunteer


def render_settings(t: Translator, volunteer: Volunteer) -> tuple[str, InlineKeyboardMarkup]:
    if volunteer.reminders_muted:
        state = t.gettext("🔕 Shift reminders: off")
        button = InlineKeyboardButton(t.gettext("🔔 Turn reminders on"), callback_data=cd.ReminderSetting("unmute").data)
    else:
        state = t.gettext("🔔 Shift reminders: on")
        button = InlineKeyboardButton(t.gettext("🔕 Mute reminders"), callback_data=cd.ReminderSetting("mute").data)
    text = "\n\n".join(
        [t.gettext("⚙️ <b>Settings</b>"), state, t.gettext("Thank-you messages always reach you, whatever you choose.")]
    )
    interests = InlineKeyboardButton(t.gettext("🎯 My interests and the morning digest"), callback_data=cd.InterestsPage().data)
    return text, InlineKeyboardMarkup([[button], [interests]])


async def show_settings(update: Update, context: BotContext) -> None:
    """/settings: reminders on or off."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
    t = context.translator(volunteer.language)
    await reply(update, *render_settings(t, volunteer))


async def toggle_reminders_button(update: Update, context: BotContext) -> None:
    """Mute or unmute shift reminders."""
    query = update.callback_query
    assert query is not None
    value = cd.ReminderSetting.parse(query.data).value
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        volunteer.reminders_muted = value == "mute"
    t = context.translator(volunteer.language)
    await query.answer(t.gettext("Reminders muted.") if volunteer.reminders_muted else t.gettext("Reminders are on again."))
    await show(query, *render_settings(t, volunteer))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """/settings and its buttons."""
    app.add_handler(CommandHandler("settings", show_settings, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(toggle_reminders_button, pattern=cd.ReminderSetting.pattern))
