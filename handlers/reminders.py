"""Reminders, thank-you messages and shift notices (rendered when sent), their buttons and /settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.i18n import Translator
from handlers import callback_data as cd
from handlers.common import center_name, esc, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.gate import require_registration
from handlers.notices import register_renderers
from models.milestones import year_figures
from models.signups import HELD, confirm_coming
from models.tables import (
    Attendance,
    Center,
    Opportunity,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Volunteer,
)

Rendered = tuple[str, Any] | None


# -- Rendering helpers ------------------------------------------------------------------------------
async def _signup_context(session: AsyncSession, signup_id: int) -> tuple[Signup, Shift, Opportunity, Center] | None:
    signup = await session.get(Signup, signup_id)
    if signup is None:
        return None
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    center = await session.get(Center, opportunity.center_id)
    assert center is not None
    return signup, shift, opportunity, center


def _name(t: Translator, volunteer: Volunteer | None) -> str:
    """The volunteer's name as they gave it, or a warm form of address."""
    if volunteer is not None and volunteer.display_name:
        return esc(volunteer.display_name)
    return t.gettext("Dear volunteer")


def shift_buttons(t: Translator, signup: Signup, shift: Shift, *, attending: bool = True) -> InlineKeyboardMarkup:
    """Under a reminder: I'll be there, cancel my seat, directions (when the site is known)."""
    assert signup.id is not None and shift.id is not None
    rows = []
    if attending:
        rows.append([InlineKeyboardButton(t.gettext("✅ I'll be there"), callback_data=cd.reminder_attending(signup.id))])
    second = [InlineKeyboardButton(t.gettext("Cancel my seat"), callback_data=cd.cancel(signup.id))]
    if shift.latitude is not None and shift.longitude is not None:
        second.append(InlineKeyboardButton(t.gettext("🗺 Directions"), callback_data=cd.directions(shift.id)))
    rows.append(second)
    return InlineKeyboardMarkup(rows)


# -- Renderers (payloads hold ids; the text is made at send time, in the recipient's language) ----
async def render_reminder(session: AsyncSession, t: Translator, payload: dict[str, Any]) -> Rendered:
    found = await _signup_context(session, int(payload["signup_id"]))
    if found is None:
        return None
    signup, shift, opportunity, center = found
    volunteer = await session.get(Volunteer, signup.volunteer_id)
    if signup.status != SignupStatus.CONFIRMED or shift.status != ShiftStatus.ACTIVE or (volunteer and volunteer.reminders_muted):
        return None
    text = t.gettext(
        "⏰ Reminder: your shift <b>{title}</b>\n🗓 {when}\n📍 {place}\n\n"
        "We are counting on you! If you cannot come, please free your seat for someone on the waitlist."
    ).format(
        title=esc(opportunity_title(opportunity, t.language)),
        when=t.span(shift.starts_at, shift.ends_at),
        place=esc(center_name(center, t.language)),
    )
    return text, shift_buttons(t, signup, shift)


async def render_auto_checkout(session: AsyncSession, t: Translator, payload: dict[str, Any]) -> Rendered:
    attendance = await session.get(Attendance, int(payload["attendance_id"]))
    if attendance is None or attendance.shift_id is None:
        return None
    shift = await session.get(Shift, attendance.shift_id)
    assert shift is not None
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    text = t.gettext(
        "🏁 You did not check out of <b>{title}</b> ({when}), so we closed your attendance at the end "
        "of the shift and credited {duration}. A coordinator will review it; if something is not right, "
        "please let your center know."
    ).format(
        title=esc(opportunity_title(opportunity, t.language)),
        when=t.span(shift.starts_at, shift.ends_at),
        duration=t.duration(attendance.credited_minutes),
    )
    return text, None


async def render_no_show(session: AsyncSession, t: Translator, payload: dict[str, Any]) -> Rendered:
    found = await _signup_context(session, int(payload["signup_id"]))
    if found is None or found[0].status != SignupStatus.NO_SHOW:
        return None  # a coordinator corrected it meanwhile
    _, shift, opportunity, _ = found
    text = t.gettext(
        "We missed you at <b>{title}</b> ({when}). We hope all is well with you! "
        "Next time, if you cannot come, please cancel your seat beforehand so someone on the waitlist can take it."
    ).format(title=esc(opportunity_title(opportunity, t.language)), when=t.span(shift.starts_at, shift.ends_at))
    return text, None


async def render_first_shift(session: AsyncSession, t: Translator, payload: dict[str, Any]) -> Rendered:
    volunteer = await session.get(Volunteer, int(payload["volunteer_id"]))
    attendance = await session.get(Attendance, int(payload["attendance_id"]))
    if volunteer is None or attendance is None or attendance.shift_id is None:
        return None
    shift = await session.get(Shift, attendance.shift_id)
    assert shift is not None
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    text = t.gettext(
        "🌟 {name}, thank you for your first shift with us! You gave {duration} to <b>{title}</b>, "
        "and it made a real difference. We are so glad to have you with us."
    ).format(
        name=_name(t, volunteer),
        duration=t.duration(attendance.credited_minutes),
        title=esc(opportunity_title(opportunity, t.language)),
    )
    return text, None


async def render_milestone(session: AsyncSession, t: Translator, payload: dict[str, Any]) -> Rendered:
    volunteer = await session.get(Volunteer, int(payload["volunteer_id"]))
    if volunteer is None:
        return None
    text = t.gettext(
        "🏅 {name}, you have just passed {hours} of volunteering! Every one of those hours helped "
        "someone in our city. Thank you from all of us: it is an honour to serve beside you."
    ).format(name=_name(t, volunteer), hours=t.duration(int(payload["hours"]) * 60))
    return text, None


async def render_volunteer_day(session: AsyncSession, t: Translator, payload: dict[str, Any]) -> Rendered:
    volunteer = await session.get(Volunteer, int(payload["volunteer_id"]))
    if volunteer is None:
        return None
    figures = await year_figures(session, volunteer_id=int(payload["volunteer_id"]), year=int(payload["year"]), zone=t.zone)
    name = _name(t, volunteer)
    if figures.shifts == 0:
        text = t.gettext(
            "💚 Happy International Volunteer Day, {name}!\n\nThank you for being part of our volunteer "
            "family this year. We look forward to seeing you on a shift soon: /opportunities"
        ).format(name=name)
        return text, None
    text = t.gettext(
        "💚 Happy International Volunteer Day, {name}!\n\nThis year you gave {hours} in {shifts} with {centers}. "
        "Thank you for every one of them: our city is kinder because of you."
    ).format(
        name=name,
        hours=t.duration(figures.minutes),
        shifts=t.ngettext("{n} shift", "{n} shifts", figures.shifts).format(n=t.number(figures.shifts)),
        centers=t.ngettext("{n} center", "{n} centers", figures.centers).format(n=t.number(figures.centers)),
    )
    return text, None


async def render_shift_changed(session: AsyncSession, t: Translator, payload: dict[str, Any]) -> Rendered:
    found = await _signup_context(session, int(payload["signup_id"]))
    if found is None:
        return None
    signup, shift, opportunity, center = found
    if signup.status not in HELD or shift.status != ShiftStatus.ACTIVE:
        return None  # they left it, or it was cancelled since (that notice says it all)
    text = t.gettext(
        "📣 <b>{title}</b> has changed. The shift is now:\n🗓 {when}\n📍 {place}\n\n"
        "Your place is kept. If the new arrangement does not suit you, you can give it up below."
    ).format(
        title=esc(opportunity_title(opportunity, t.language)),
        when=t.span(shift.starts_at, shift.ends_at),
        place=esc(center_name(center, t.language)),
    )
    assert signup.id is not None
    label = t.gettext("Cancel my seat") if signup.status == SignupStatus.CONFIRMED else t.gettext("Leave the waitlist")
    return text, InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=cd.cancel(signup.id))]])


async def render_shift_cancelled(session: AsyncSession, t: Translator, payload: dict[str, Any]) -> Rendered:
    found = await _signup_context(session, int(payload["signup_id"]))
    if found is None:
        return None
    _, shift, opportunity, _ = found
    text = t.gettext(
        "❌ We are sorry: <b>{title}</b> ({when}) has been cancelled by the organisers, and your place with it. "
        "Thank you for being ready to serve; other opportunities are waiting for you: /opportunities"
    ).format(title=esc(opportunity_title(opportunity, t.language)), when=t.span(shift.starts_at, shift.ends_at))
    return text, None


RENDERERS = {
    "reminder": render_reminder,
    "auto_checkout": render_auto_checkout,
    "no_show": render_no_show,
    "first_shift": render_first_shift,
    "milestone": render_milestone,
    "volunteer_day": render_volunteer_day,
    "shift_changed": render_shift_changed,
    "shift_cancelled": render_shift_cancelled,
}


# -- Buttons under a reminder --------------------------------------------------------------------
async def confirm_attendance_button(update: Update, context: BotContext) -> None:
    """"I'll be there": noted for the coordinator's roster; thank them, and leave the other buttons in place."""
    query = update.callback_query
    assert query is not None
    signup_id = cd.parse(query.data).int_at(0)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        found = await _signup_context(session, signup_id)
        mine = found is not None and found[0].volunteer_id == volunteer.id
        confirmed = mine and await confirm_coming(session, signup=found[0], now=context.now())  # type: ignore[index]
    t = context.translator(volunteer.language)
    if found is None or not confirmed:
        await query.answer(t.gettext("This seat is no longer yours."), show_alert=True)
        return
    signup, shift, _, _ = found
    await query.answer(t.gettext("Thank you! See you there."))
    await query.edit_message_reply_markup(shift_buttons(t, signup, shift, attending=False))


async def send_directions_button(update: Update, context: BotContext) -> None:
    """"Directions": the site as a map pin, which opens in the phone's maps app."""
    query = update.callback_query
    assert query is not None
    shift_id = cd.parse(query.data).int_at(0)
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


# -- /settings -----------------------------------------------------------------------------------
def render_settings(t: Translator, volunteer: Volunteer) -> tuple[str, InlineKeyboardMarkup]:
    if volunteer.reminders_muted:
        state = t.gettext("🔕 Shift reminders: off")
        button = InlineKeyboardButton(t.gettext("🔔 Turn reminders on"), callback_data=cd.reminder_setting("unmute"))
    else:
        state = t.gettext("🔔 Shift reminders: on")
        button = InlineKeyboardButton(t.gettext("🔕 Mute reminders"), callback_data=cd.reminder_setting("mute"))
    text = "\n\n".join(
        [t.gettext("⚙️ <b>Settings</b>"), state, t.gettext("Thank-you messages always reach you, whatever you choose.")]
    )
    return text, InlineKeyboardMarkup([[button]])


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
    value = cd.parse(query.data).fields[0]
    if value not in cd.REMINDER_SETTINGS:
        raise cd.BadCallback(query.data)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        volunteer.reminders_muted = value == "mute"
    t = context.translator(volunteer.language)
    await query.answer(t.gettext("Reminders muted.") if volunteer.reminders_muted else t.gettext("Reminders are on again."))
    await show(query, *render_settings(t, volunteer))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Handlers and notice renderers of reminders, thanks and settings."""
    register_renderers(app, RENDERERS)
    app.add_handler(CommandHandler("settings", show_settings, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(confirm_attendance_button, pattern=cd.pattern("rmok")))
    app.add_handler(CallbackQueryHandler(send_directions_button, pattern=cd.pattern("rmdir")))
    app.add_handler(CallbackQueryHandler(toggle_reminders_button, pattern=cd.pattern("set")))
