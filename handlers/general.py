"""/start, /help, /language, the text router, unknown input, stale buttons and errors."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from handlers import callback_data as cd
from handlers.attendance import (
    CODE_PREFIX,
    ask_check_in,
    check_in_with_code,
    check_in_with_digits,
    show_hours,
)
from handlers.browse import list_opportunities
from handlers.checkout import ask_check_out
from handlers.common import load_volunteer, main_menu, menu_action_for, reply
from handlers.context import BotContext
from handlers.onboarding import language_keyboard, onboarding_text, prompt_step, welcome_registered
from handlers.schedule import show_schedule
from infra.i18n import N_
from models.checkin_codes import typed_digits
from models.volunteers import is_registered

log = logging.getLogger(__name__)

# Command -> description, for setMyCommands and /help (translated when used).
COMMANDS = (
    ("opportunities", N_("Find volunteer opportunities")),
    ("my", N_("My schedule")),
    ("checkin", N_("Check in at the site")),
    ("checkout", N_("Check out when you leave")),
    ("hours", N_("My volunteer hours")),
    ("pass", N_("My volunteer pass: a QR code for the coordinator on site")),
    ("calendar", N_("My upcoming shifts as a calendar file")),
    ("language", N_("Change language")),
    ("settings", N_("Reminder settings")),
    ("consent", N_("A guardian's consent (volunteers under 18)")),
    ("interests", N_("My interests and the morning digest")),
    ("leaderboard", N_("My center's leaderboard")),
    ("help", N_("What can this bot do?")),
    ("start", N_("Start or go to the main menu")),
    ("card", N_("My year card: a picture of my volunteering year to share")),
    ("profile", N_("My profile: name, center, phone, emergency contact")),
    ("privacy", N_("What the bot keeps about you, and why")),
    ("mydata", N_("A copy of all my data")),
    ("deleteme", N_("Erase my data")),
    ("team", N_("My neighborhood team")),
    ("swap", N_("Give my seat to a teammate")),
    ("qualifications", N_("My qualifications and when they expire")),
    ("certificate", N_("My volunteer certificate (PDF)")),
    ("letter", N_("A volunteer experience letter for a job or university")),
)


async def start(update: Update, context: BotContext) -> None:
    """/start: onboarding for newcomers, the main menu for the registered, or a deep link's action."""
    payload = context.args[0] if context.args else ""
    if payload.startswith(CODE_PREFIX):
        await check_in_with_code(update, context, payload[len(CODE_PREFIX):])
        return
    for prefix, open_link in context.bot_data.deep_links.items():
        if payload.startswith(prefix):
            await open_link(update, context, payload[len(prefix):])
            return
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
        if is_registered(volunteer):
            await welcome_registered(update, context, volunteer, first_time=False)
        else:
            await prompt_step(update, context, session, volunteer)


async def show_help(update: Update, context: BotContext) -> None:
    """/help: what the volunteer can do, in their language."""
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
    t = context.translator(volunteer.language)
    lines = [t.gettext("<b>Here is what I can do for you:</b>"), ""]
    lines += [f"/{name} — {t.gettext(description)}" for name, description in COMMANDS]
    lines += ["", t.gettext("You can also use the buttons of the menu below.")]
    await reply(update, "\n".join(lines), main_menu(t) if is_registered(volunteer) else None)


async def ask_language(update: Update, context: BotContext) -> None:
    """/language: offer both languages."""
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
    t = context.translator(volunteer.language)
    await reply(update, t.gettext("Choose your language:"), language_keyboard())


MENU_ACTIONS = {
    "browse": list_opportunities,
    "schedule": show_schedule,
    "checkin": ask_check_in,
    "checkout": ask_check_out,
    "hours": show_hours,
    "language": ask_language,
    "help": show_help,
}


async def route_text(update: Update, context: BotContext) -> None:
    """Plain text: an onboarding answer, a menu button, a coordinator flow, or something we explain."""
    message = update.effective_message
    assert message is not None
    translators = [context.translator("ar"), context.translator("en")]
    action = menu_action_for(message.text or "", translators)
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await load_volunteer(session, update, context)
        if not is_registered(volunteer):
            await onboarding_text(update, context, session, volunteer)
            return
        flows = context.bot_data.text_flows
        flow_handler = flows.get(_flow_name(volunteer.conversation)) if action is None else None
        if flow_handler is not None:
            await flow_handler(update, context, session, volunteer)
            return
    if action is not None:
        await MENU_ACTIONS[action](update, context)
        return
    if typed_digits(message.text or "") is not None:  # the code under the QR, typed after /checkin
        await check_in_with_digits(update, context, message.text or "")
        return
    t = context.translator(volunteer.language)
    await reply(
        update,
        t.gettext("Sorry, I did not understand that. Please use the menu buttons below, or send /help to see what I can do."),
        main_menu(t),
    )


def _flow_name(conversation: str | None) -> str | None:
    from models.tables import Volunteer
    from models.volunteers import read_conversation

    return read_conversation(Volunteer(telegram_id=0, conversation=conversation)).get("flow")


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command we do not have."""
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
    t = context.translator(volunteer.language)
    await reply(update, t.gettext("I do not know that command. Send /help to see what I can do."))


async def other_message(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes...: say what we understand."""
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
    t = context.translator(volunteer.language)
    await reply(update, t.gettext("I can only read text, buttons, your contact and your location. Send /help to see what I can do."))


async def stale_button(update: Update, context: BotContext) -> None:
    """Any button we no longer recognise (old or forged): answered, never trusted."""
    query = update.callback_query
    assert query is not None
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
    t = context.translator(volunteer.language)
    await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)


async def handle_error(update: object, context: BotContext) -> None:
    """Log every error; tell the user something went wrong instead of leaving them in silence."""
    error = context.error
    if isinstance(error, cd.BadCallback) and isinstance(update, Update) and update.callback_query:
        log.warning("refused a forged or stale callback payload")
        # The error handler gets a context of its own: claim the update here too, or a redelivered
        # forgery would be answered twice.
        context.update_id = update.update_id
        await stale_button(update, context)
        return
    if isinstance(error, Forbidden):
        log.info("user blocked the bot; reply dropped")
        return
    log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        language = context.services.catalogs.pick_language(None, update.effective_user.language_code if update.effective_user else None)
        t = context.translator(language)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError:
                pass  # already answered before the error
        await update.effective_chat.send_message(t.gettext("Sorry, something went wrong on our side. Please try again in a moment."))
    except TelegramError:
        log.warning("could not tell the user about the error")
