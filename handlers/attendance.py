"""Check-in (by location or by the on-site code), check-out and hours."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update

from handlers.common import esc, main_menu, opportunity_title, reply
from handlers.context import BotContext
from handlers.gate import require_registration
from infra.i18n import Translator
from models.attendance import (
    CheckInOutcome,
    CheckInResult,
    CheckOutOutcome,
    check_in_by_code,
    check_in_by_location,
    check_out,
    hours_summary,
)
from models.base import year_bounds

CODE_PREFIX = "ci-"


def location_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t.gettext("📍 Share my location"), request_location=True)],
         [KeyboardButton(t.gettext("❓ Help"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def render_check_in(t: Translator, result: CheckInResult) -> str:
    title = esc(opportunity_title(result.opportunity, t.language)) if result.opportunity else ""
    texts = {
        CheckInOutcome.CHECKED_IN: t.gettext("🟢 You are checked in to <b>{title}</b>. Thank you for coming! Check out with 🏁 when you leave."),
        CheckInOutcome.NO_SHIFT: t.gettext("You have no shift to check in to right now. See 📅 My schedule."),
        CheckInOutcome.TOO_EARLY: t.gettext("It is too early to check in to <b>{title}</b>. Check-in opens at {opens}."),
        CheckInOutcome.ALREADY: t.gettext("You are already checked in to <b>{title}</b>."),
        CheckInOutcome.TOO_FAR: t.gettext("You seem to be {distance} away from the site of <b>{title}</b>. Please check in when you are there, or scan the code shown on site."),
        CheckInOutcome.BAD_CODE: t.gettext("This check-in code is not valid. Please scan the code shown on site again."),
        CheckInOutcome.NOT_HOLDER: t.gettext("You are not signed up for <b>{title}</b>, so you cannot check in to it."),
        CheckInOutcome.ENDED: t.gettext("This shift has already ended."),
    }
    opens = ""
    if result.opens_at is not None:
        opens = t.time(result.opens_at)
    distance = ""
    if result.distance_m is not None:
        distance = (
            t.gettext("{n} km").format(n=t.number(round(result.distance_m / 1000, 1)))
            if result.distance_m >= 1000
            else t.gettext("{n} m").format(n=t.number(round(result.distance_m)))
        )
    return texts[result.outcome].format(title=title, opens=opens, distance=distance)


async def ask_check_in(update: Update, context: BotContext) -> None:
    """/checkin: explain the two ways to prove presence and offer the location button."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
    t = context.translator(volunteer.language)
    await reply(
        update,
        t.gettext("To check in, share your location at the site with the button below, or scan the check-in code your coordinator shows on site."),
        location_keyboard(t),
    )


async def check_in_with_location(update: Update, context: BotContext) -> None:
    """A shared location: check in to the shift whose site it is."""
    message = update.effective_message
    assert message is not None and message.location is not None
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        result = await check_in_by_location(
            session,
            volunteer=volunteer,
            latitude=message.location.latitude,
            longitude=message.location.longitude,
            now=context.now(),
            early_minutes=context.settings.checkin_early_minutes,
        )
    t = context.translator(volunteer.language)
    await reply(update, render_check_in(t, result), main_menu(t))


async def check_in_with_code(update: Update, context: BotContext, code: str) -> None:
    """`/start ci-<code>`: the deep link behind the QR code shown on site."""
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        result = await check_in_by_code(
            session, volunteer=volunteer, code=code, now=context.now(), early_minutes=context.settings.checkin_early_minutes
        )
    t = context.translator(volunteer.language)
    await reply(update, render_check_in(t, result), main_menu(t))


async def check_out_now(update: Update, context: BotContext) -> None:
    """/checkout: close the open check-in and credit the time spent."""
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        result = await check_out(session, volunteer=volunteer, now=context.now(), grace_minutes=context.settings.checkout_grace_minutes)
    t = context.translator(volunteer.language)
    if result.outcome == CheckOutOutcome.NOT_CHECKED_IN:
        await reply(update, t.gettext("You are not checked in, so there is nothing to check out of."), main_menu(t))
        return
    assert result.attendance is not None and result.opportunity is not None
    text = t.gettext("🏁 Checked out of <b>{title}</b>. {duration} credited to you. Thank you for your time!").format(
        title=esc(opportunity_title(result.opportunity, t.language)), duration=t.duration(result.attendance.credited_minutes)
    )
    await reply(update, text, main_menu(t))


async def show_hours(update: Update, context: BotContext) -> None:
    """/hours: confirmed total and this year's, hours pending review, shifts completed, the next milestone."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        assert volunteer.id is not None
        zone = context.settings.zone
        this_year, _ = year_bounds(context.now().astimezone(zone).year, zone)
        summary = await hours_summary(
            session,
            volunteer_id=volunteer.id,
            year_start=this_year,
            milestones_hours=context.settings.milestones_hours,
        )
    t = context.translator(volunteer.language)
    lines = [
        t.gettext("<b>⏱ Your volunteer hours</b>"),
        t.gettext("Total: {duration}").format(duration=t.duration(summary.total_minutes)),
        t.gettext("This year: {duration}").format(duration=t.duration(summary.year_minutes)),
    ]
    if summary.pending_minutes:
        lines.append(
            t.gettext("⏳ Pending review: {duration}, not counted until a coordinator confirms it.").format(
                duration=t.duration(summary.pending_minutes)
            )
        )
    lines.append(
        t.ngettext("{n} shift completed", "{n} shifts completed", summary.shifts_completed).format(n=t.number(summary.shifts_completed))
    )
    if summary.next_milestone_hours is not None:
        lines.append(
            t.ngettext(
                "Next milestone: {n} hour, {left} to go. Keep it up!",
                "Next milestone: {n} hours, {left} to go. Keep it up!",
                summary.next_milestone_hours,
            ).format(n=t.number(summary.next_milestone_hours), left=t.duration(summary.minutes_to_next_milestone or 0))
        )
    else:
        lines.append(t.gettext("You have passed every milestone. Thank you for your remarkable dedication!"))
    await reply(update, "\n".join(lines), main_menu(t))
