"""A live location's position updates (edits of its first message), and 🏁 when one left the site.

The first message of a live location is an ordinary location (handlers.attendance); what its later
positions mean is decided in models.live_presence: silence, except one check-in on arrival and one
"you seem to have left" per check-in.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.attendance import render_check_in, shared_location
from handlers.common import esc, load_volunteer, main_menu, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.gate import registered_unit
from models.live_presence import LiveOutcome, check_out_after_leaving, follow_live_location
from models.volunteers import is_registered


async def follow_live_position(update: Update, context: BotContext) -> None:
    """A live location moved: keep the position; speak only on arrival or on leaving the site."""
    message = update.edited_message
    assert message is not None and message.location is not None
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await load_volunteer(session, update, context)
        if not is_registered(volunteer):
            return  # the first message already asked them to register
        result = await follow_live_location(
            session, volunteer=volunteer, location=shared_location(message), now=context.now(),
            early_minutes=context.settings.checkin_early_minutes,
        )
    t = context.translator(volunteer.language)
    if result.outcome == LiveOutcome.CHECKED_IN:
        assert result.check_in is not None
        await reply(update, render_check_in(t, result.check_in, live=True), main_menu(t))
    elif result.outcome == LiveOutcome.LEFT_SITE:
        assert result.attendance is not None and result.attendance.id is not None and result.opportunity is not None
        text = t.gettext("📡 You seem to have left the site of <b>{title}</b>. Check out now? If you are still there, ignore this: you stay checked in.").format(
            title=esc(opportunity_title(result.opportunity, t.language))
        )
        button = InlineKeyboardButton(t.gettext("🏁 Check out"), callback_data=cd.LeftSiteCheckOut(result.attendance.id).data)
        await reply(update, text, InlineKeyboardMarkup([[button]]))


async def check_out_left_site_button(update: Update, context: BotContext) -> None:
    """🏁 Check out, under "You seem to have left …"."""
    query = update.callback_query
    assert query is not None
    attendance_id = cd.LeftSiteCheckOut.parse(query.data).attendance_id
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await check_out_after_leaving(
            session, volunteer=volunteer, attendance_id=attendance_id, now=context.now(),
            grace_minutes=context.settings.checkout_grace_minutes,
        )
    if result is None or result.attendance is None or result.opportunity is None:
        await query.answer(t.gettext("You have already checked out of this shift."), show_alert=True)
        return
    await query.answer()
    await show(query, t.gettext("🏁 Checked out of <b>{title}</b>. {duration} credited to you. Thank you for your time!").format(
        title=esc(opportunity_title(result.opportunity, t.language)), duration=t.duration(result.attendance.credited_minutes)
    ))
