"""/pass: the volunteer's personal pass, a QR code the coordinator scans on site; and renewing it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode

from handlers import callback_data as cd
from handlers.common import esc, reply, show
from handlers.context import BotContext
from handlers.coordinator.onsite import qr_png
from handlers.coordinator.station import pass_link
from handlers.gate import registered_unit
from infra.i18n import Translator
from models.passes import ensure_pass, renew_pass
from models.tables import Volunteer


async def send_pass(update: Update, context: BotContext, t: Translator, volunteer: Volunteer, token: str) -> None:
    """The pass itself: the QR code of its deep link, what it is for, and 🔄 Renew."""
    link = pass_link(context.bot.username, token)
    caption = t.gettext(
        "🪪 <b>Your volunteer pass</b> · {name}\n\n"
        "Show this code to the coordinator on site: they scan it to check you in or out, even if you came without a seat.\n\n"
        "Keep it to yourself: whoever has it can be checked in as you. If someone else got it, renew it, "
        "and the old one stops working at once.\n\n"
        "The same pass as a link, for a coordinator who cannot scan: {link}"
    ).format(name=esc(volunteer.display_name), link=link)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("🔄 Renew my pass"), callback_data=cd.PassRenew("ask").data)]])
    chat = update.effective_chat
    assert chat is not None
    await chat.send_photo(InputFile(qr_png(link), filename="pass.png"), caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup)


async def show_pass(update: Update, context: BotContext) -> None:
    """/pass: the volunteer's pass (issued the first time)."""
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, _t = unit
        token = ensure_pass(volunteer)
    await send_pass(update, context, context.translator(volunteer.language), volunteer, token)


async def renew_pass_button(update: Update, context: BotContext) -> None:
    """🔄 Renew my pass: asks first; "yes" replaces the token, so the old pass stops working."""
    query = update.callback_query
    assert query is not None
    step = cd.PassRenew.parse(query.data).step
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        token = await renew_pass(session, volunteer=volunteer, now=context.now()) if step == "yes" else None
    await query.answer()
    if step == "ask":
        await reply(update, t.gettext("Renew your pass? The code you have now, and any copy of it, will stop working."), InlineKeyboardMarkup([[
            InlineKeyboardButton(t.gettext("🔄 Yes, renew"), callback_data=cd.PassRenew("yes").data),
            InlineKeyboardButton(t.gettext("Keep my pass"), callback_data=cd.PassRenew("no").data),
        ]]))
    elif step == "no":
        await show(query, t.gettext("Your pass is unchanged."))
    else:
        assert token is not None
        await show(query, t.gettext("✅ Your pass is renewed: the old one no longer works. Here is the new one."))
        await send_pass(update, context, t, volunteer, token)
