"""Check-in (by location, live location, the on-site code or its digits) and hours; check-out is in
handlers.checkout."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import KeyboardButton, Message, ReplyKeyboardMarkup, Update

from handlers.badges import render_badges
from handlers.common import esc, load_volunteer, main_menu, opportunity_title, reply
from handlers.context import BotContext
from handlers.gate import registered_unit, require_registration
from infra.i18n import Translator
from models.attendance import (
    CheckInOutcome,
    CheckInResult,
    SharedLocation,
    check_in_by_location,
    hours_summary,
)
from models.badges import badges_of
from models.base import year_bounds
from models.checkin_codes import (
    check_in_after_onboarding,
    check_in_by_code,
    check_in_by_digits,
    check_link,
    typed_digits,
)
from models.tables import Volunteer
from models.volunteers import is_registered, read_conversation, write_conversation

CODE_PREFIX = "ci-"
# A newcomer's scan, kept in their conversation until onboarding ends (then checked in with it).
PENDING_SCAN = "pending_checkin"


def location_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t.gettext("📍 Share my location"), request_location=True)],
         [KeyboardButton(t.gettext("❓ Help"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def shared_location(message: Message) -> SharedLocation:
    """What a location message proves: Telegram marks forwards, inline-bot posts and venues."""
    location = message.location
    assert location is not None
    return SharedLocation(
        latitude=location.latitude,
        longitude=location.longitude,
        accuracy_m=location.horizontal_accuracy,
        live=location.live_period is not None,
        forwarded=message.forward_origin is not None or message.via_bot is not None,
        venue=message.venue is not None,
    )


def _distance(t: Translator, metres: float) -> str:
    if metres >= 1000:
        return t.gettext("{n} km").format(n=t.number(round(metres / 1000, 1)))
    return t.gettext("{n} m").format(n=t.number(round(metres)))


def render_check_in(t: Translator, result: CheckInResult, *, live: bool = False) -> str:
    title = esc(opportunity_title(result.opportunity, t.language)) if result.opportunity else ""
    own_location = t.gettext("Please share your own location at the site (best: your live location, from 📎 → Location), or scan the code your coordinator shows.")
    texts = {
        CheckInOutcome.CHECKED_IN: t.gettext("🟢 You are checked in to <b>{title}</b>. Thank you for coming! Check out with 🏁 when you leave."),
        CheckInOutcome.NO_SHIFT: t.gettext("You have no shift to check in to right now. See 📅 My schedule."),
        CheckInOutcome.TOO_EARLY: t.gettext("It is too early to check in to <b>{title}</b>. Check-in opens at {opens}."),
        CheckInOutcome.ALREADY: t.gettext("You are already checked in to <b>{title}</b>."),
        CheckInOutcome.TOO_FAR: t.gettext("You seem to be {distance} away from the site of <b>{title}</b>. Please check in when you are there, or scan the code shown on site."),
        CheckInOutcome.BAD_CODE: t.gettext("This check-in code is not valid. Please scan the code shown on site again."),
        CheckInOutcome.NOT_HOLDER: t.gettext("You are not signed up for <b>{title}</b>, so you cannot check in to it."),
        CheckInOutcome.ENDED: t.gettext("This shift has already ended."),
        CheckInOutcome.FORWARDED: t.gettext("This location was forwarded or sent through another bot, so it does not show where you are.") + " " + own_location,
        CheckInOutcome.VENUE: t.gettext("This is a place picked from a list: it shows where the place is, not where you are.") + " " + own_location,
        CheckInOutcome.POOR_ACCURACY: t.gettext("Your phone can place you only within {accuracy}, which is not precise enough to tell whether you are at the site of <b>{title}</b>. Please step into the open, away from tall buildings, wait a few seconds and share your location again, or scan the code shown on site."),
        CheckInOutcome.CODE_EXPIRED: t.gettext("This check-in code has expired: the code on site changes every few minutes, so a photo or a forwarded link stops working. Please scan the code on the coordinator's screen now, or type the 6 digits shown under it."),
        CheckInOutcome.BAD_DIGITS: t.gettext("These digits do not match the code of any of your shifts right now. Please type the 6 digits shown under the QR code on the coordinator's screen, or scan the code."),
        CheckInOutcome.WAIT: t.ngettext(
            "Too many wrong codes. Please wait {n} minute before trying again, or ask the coordinator on site to check you in.",
            "Too many wrong codes. Please wait {n} minutes before trying again, or ask the coordinator on site to check you in.",
            result.wait_minutes or 1,
        ),
    }
    text = texts[result.outcome].format(
        title=title,
        opens=t.time(result.opens_at) if result.opens_at is not None else "",
        distance=_distance(t, result.distance_m) if result.distance_m is not None else "",
        accuracy=_distance(t, result.accuracy_m) if result.accuracy_m is not None else "",
        n=t.number(result.wait_minutes or 1),
    )
    if live and result.outcome == CheckInOutcome.CHECKED_IN:
        text += "\n" + t.gettext("📡 Keep sharing your live location: if you seem to leave the site, I will ask whether to check you out.")
    elif live and result.outcome in (CheckInOutcome.TOO_FAR, CheckInOutcome.TOO_EARLY):
        text += "\n" + t.gettext("📡 Keep sharing your live location: I will check you in as soon as you are at the site and check-in is open.")
    return text


async def ask_check_in(update: Update, context: BotContext) -> None:
    """/checkin: the ways to prove presence, live location first; `/checkin 123456` checks in."""
    if context.args:
        await check_in_with_digits(update, context, " ".join(context.args))
        return
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
    t = context.translator(volunteer.language)
    text = "\n".join([
        t.gettext("To check in, at the site:"),
        t.gettext("📡 Best: share your live location. Tap 📎, then Location, then Share My Live Location (the button below can send only your current location)."),
        t.gettext("📍 Or send your current location with the button below."),
        t.gettext("🔳 Or scan the QR code your coordinator shows, or type the 6 digits shown under it here."),
    ])
    await reply(update, text, location_keyboard(t))


async def check_in_with_location(update: Update, context: BotContext) -> None:
    """A shared location: check in to the shift whose site it is."""
    message = update.effective_message
    assert message is not None and message.location is not None
    location = shared_location(message)
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await check_in_by_location(
            session,
            volunteer=volunteer,
            location=location,
            now=context.now(),
            early_minutes=context.settings.checkin_early_minutes,
        )
    await reply(update, render_check_in(t, result, live=location.live), main_menu(t))


async def check_in_with_code(update: Update, context: BotContext, code: str) -> None:
    """`/start ci-<code>`: the deep link behind the QR code shown on site. A newcomer is
    onboarded first and checked in at the end, without scanning again."""
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await load_volunteer(session, update, context)
        if not is_registered(volunteer):
            await _remember_scan(update, context, session, volunteer, code)
            return
        result = await check_in_by_code(
            session, volunteer=volunteer, code=code, now=context.now(), early_minutes=context.settings.checkin_early_minutes
        )
    t = context.translator(volunteer.language)
    await reply(update, render_check_in(t, result), main_menu(t))


async def check_in_with_digits(update: Update, context: BotContext, text: str) -> None:
    """The six digits under the QR code, typed (`/checkin 123456`, or the digits alone)."""
    digits = typed_digits(text)
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        if digits is None:  # not a code at all (a typo in its shape is not a guess: not counted)
            result = CheckInResult(CheckInOutcome.BAD_DIGITS)
        else:
            result = await check_in_by_digits(
                session, volunteer=volunteer, digits=digits, now=context.now(), early_minutes=context.settings.checkin_early_minutes
            )
    await reply(update, render_check_in(t, result), main_menu(t))


async def _remember_scan(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer, code: str) -> None:
    from handlers.onboarding import prompt_step  # onboarding calls back into this module at its end

    t = context.translator(volunteer.language)
    checked = await check_link(session, volunteer=volunteer, code=code, now=context.now())
    if checked.refusal is None and checked.shift is not None:
        conversation = read_conversation(volunteer)
        conversation[PENDING_SCAN] = {"shift_id": checked.shift.id, "scanned_at": context.now().isoformat()}
        write_conversation(volunteer, conversation)
        await reply(update, t.gettext("Welcome! Let us register you first: it takes a minute. Right after, I will check you in with the code you scanned, with no need to scan it again."))
    else:
        assert checked.refusal is not None
        await reply(update, render_check_in(t, checked.refusal))
    await prompt_step(update, context, session, volunteer)


async def check_in_pending_scan(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """At the end of onboarding: the check-in the newcomer's scan asked for, if there was one."""
    conversation = read_conversation(volunteer)
    pending: Any = conversation.pop(PENDING_SCAN, None)
    if not isinstance(pending, dict):
        return
    write_conversation(volunteer, conversation)
    try:
        shift_id, scanned_at = int(pending["shift_id"]), datetime.fromisoformat(pending["scanned_at"])
    except (KeyError, TypeError, ValueError):
        return
    result = await check_in_after_onboarding(
        session, volunteer=volunteer, shift_id=shift_id, scanned_at=scanned_at, now=context.now(),
        early_minutes=context.settings.checkin_early_minutes,
    )
    t = context.translator(volunteer.language)
    if result.outcome == CheckInOutcome.NOT_HOLDER:
        text = t.gettext("You do not hold a seat on <b>{title}</b>, so I could not check you in. Please ask the coordinator on site to add you.").format(
            title=esc(opportunity_title(result.opportunity, t.language)) if result.opportunity else ""
        )
    else:
        text = render_check_in(t, result)
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
        badges = await badges_of(session, volunteer_id=volunteer.id, zone=zone)
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
    lines += render_badges(t, badges)
    await reply(update, "\n".join(lines), main_menu(t))
