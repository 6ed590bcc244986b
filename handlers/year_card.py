"""/card and the 🖼 button: the volunteer's year as a picture to share, in their language."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import load_volunteer, reply
from handlers.context import BotContext
from handlers.gate import require_registration
from infra.cards import CardTexts, year_card_png
from infra.i18n import Translator
from models.tables import Volunteer
from models.year_card import YearCard, year_card


def card_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """The one-tap button under a thank-you."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("🖼 My year card"), callback_data=cd.YearCardShow().data)]])


def _hours(t: Translator, minutes: int) -> tuple[str, int]:
    """The big number (whole hours, or one decimal under ten) and the count its words agree with."""
    hours = minutes / 60
    shown = round(hours, 1) if hours < 10 else round(hours)
    return t.number(shown), round(hours)


def card_texts(t: Translator, card: YearCard, volunteer: Volunteer) -> CardTexts:
    value, count = _hours(t, card.confirmed_minutes)
    return CardTexts(
        program=t.gettext("Be of the Million"),
        heading=t.gettext("My volunteering year {year}").format(year=card.year),
        name=volunteer.display_name or t.gettext("Volunteer"),
        hours_value=value,
        hours_label=t.ngettext("confirmed volunteer hour", "confirmed volunteer hours", count),
        tiles=(
            (t.number(card.shifts), t.ngettext("shift", "shifts", card.shifts)),
            (t.number(card.centers), t.ngettext("center", "centers", card.centers)),
        ),
        footer=t.gettext("Thank you for every hour you gave our city. Together we make the difference."),
    )


def card_caption(t: Translator, card: YearCard) -> str:
    caption = t.gettext("🖼 Your volunteering year {year}: {hours} confirmed. Share it and invite a friend to be of the million!").format(
        year=card.year, hours=t.duration(card.confirmed_minutes)
    )
    if card.pending_minutes:
        caption += "\n" + t.gettext("⏳ {duration} more wait for a coordinator's review; the card counts them once confirmed.").format(
            duration=t.duration(card.pending_minutes)
        )
    return caption


def nothing_yet_text(t: Translator, card: YearCard) -> str:
    text = t.gettext(
        "🌱 Your {year} card is still blank: it fills up with your confirmed hours. "
        "Find a shift you like in /opportunities, and come back for your card after it."
    ).format(year=card.year)
    if card.pending_minutes:
        text += "\n" + t.gettext("⏳ {duration} wait for a coordinator's review; they join your card once confirmed.").format(
            duration=t.duration(card.pending_minutes)
        )
    return text


async def _send_card(update: Update, context: BotContext) -> None:
    """Send the card, or the friendly word when there is none yet (a press is answered first)."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return  # the registration gate answered (a press too)
        assert volunteer.id is not None
        zone = context.settings.zone
        card = await year_card(session, volunteer_id=volunteer.id, year=context.now().astimezone(zone).year, zone=zone)
    t = context.translator(volunteer.language)
    if update.callback_query is not None:
        await update.callback_query.answer()
    if card.empty:
        await reply(update, nothing_yet_text(t, card))
        return
    # About 0.2 s of drawing: off the event loop, so other updates keep flowing meanwhile.
    picture = await asyncio.to_thread(year_card_png, texts=card_texts(t, card, volunteer), rtl=t.rtl)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_photo(InputFile(picture, filename=f"year-{card.year}.png"), caption=card_caption(t, card))


async def show_year_card(update: Update, context: BotContext) -> None:
    """/card: this year's card."""
    await _send_card(update, context)


async def year_card_button(update: Update, context: BotContext) -> None:
    """🖼 My year card, under a thank-you."""
    query = update.callback_query
    assert query is not None
    try:
        cd.YearCardShow.parse(query.data)
    except cd.BadCallback:
        async with context.transaction() as session:
            volunteer = await load_volunteer(session, update, context)
        t = context.translator(volunteer.language)
        await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)
        return
    await _send_card(update, context)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """/card and its button."""
    app.add_handler(CommandHandler("card", show_year_card, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(year_card_button, pattern=cd.YearCardShow.pattern))
