"""📅 Add to calendar: a confirmed shift (or all upcoming ones, /calendar) as an .ics file."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from icalendar import Alarm, Calendar, Event, vGeo
from telegram import InlineKeyboardButton, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import center_name, localized, opportunity_title, reply
from handlers.context import BotContext
from handlers.gate import require_registration
from infra.i18n import Translator
from models.calendar import CalendarEntry, confirmed_upcoming

ALARM_BEFORE = timedelta(hours=2)
PRODUCT = "-//Volunteer bot//Makkah region//AR"


def maps_link(latitude: float, longitude: float) -> str:
    return f"https://maps.google.com/?q={latitude:.6f},{longitude:.6f}"


def build_ics(t: Translator, entries: list[CalendarEntry], *, now: datetime, zone: tzinfo) -> bytes:
    """An iCalendar file (RFC 5545) of these shifts in the volunteer's language: times in the
    program's zone (with its VTIMEZONE), the site (GEO and a maps link) and an alarm 2 h before."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", t.gettext("My volunteer shifts"))
    for entry in entries:
        shift, opportunity = entry.shift, entry.opportunity
        title = opportunity_title(opportunity, t.language)
        event = Event()
        event.add("uid", f"shift-{shift.id}-signup-{entry.signup.id}@volunteer-bot")
        event.add("dtstamp", now)
        event.add("dtstart", shift.starts_at.astimezone(zone))
        event.add("dtend", shift.ends_at.astimezone(zone))
        event.add("summary", title)
        description = [localized(opportunity, "description", t.language)]
        place = center_name(entry.center, t.language)
        if shift.latitude is not None and shift.longitude is not None:
            link = maps_link(shift.latitude, shift.longitude)
            event.add("geo", vGeo((shift.latitude, shift.longitude)))
            event.add("location", f"{place} ({link})")
            event.add("url", link)
            description.append(t.gettext("Directions: {link}").format(link=link))
        else:
            event.add("location", place)
        description.append(t.gettext("Check in on site with /checkin."))
        event.add("description", "\n\n".join(part for part in description if part))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        alarm.add("description", t.gettext("In 2 hours: {title}").format(title=title))
        event.add_component(alarm)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


async def _send_calendar(update: Update, context: BotContext, t: Translator, entries: list[CalendarEntry], filename: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    data = build_ics(t, entries, now=context.now(), zone=context.settings.zone)
    caption = t.ngettext(
        "📅 {n} shift for your calendar: open the file to add it.", "📅 {n} shifts for your calendar: open the file to add them.", len(entries)
    ).format(n=t.number(len(entries)))
    await chat.send_document(InputFile(data, filename=filename), caption=caption)


async def add_to_calendar_button(update: Update, context: BotContext) -> None:
    """📅 Add to calendar under a confirmed seat."""
    query = update.callback_query
    assert query is not None
    signup_id = cd.AddToCalendar.parse(query.data).signup_id
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        assert volunteer.id is not None
        entries = await confirmed_upcoming(session, volunteer_id=volunteer.id, now=context.now(), signup_id=signup_id)
    t = context.translator(volunteer.language)
    if not entries:  # cancelled, over, or not theirs (a forged button): nothing to add
        await query.answer(t.gettext("This seat is no longer confirmed or the shift is over."), show_alert=True)
        return
    await query.answer()
    await _send_calendar(update, context, t, entries, f"shift-{entries[0].shift.id}.ics")


async def show_calendar(update: Update, context: BotContext) -> None:
    """/calendar: every upcoming confirmed shift in one .ics file."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        assert volunteer.id is not None
        entries = await confirmed_upcoming(session, volunteer_id=volunteer.id, now=context.now())
    t = context.translator(volunteer.language)
    if not entries:
        await reply(update, t.gettext("You have no upcoming confirmed shifts. Find one with 🔎 Opportunities."))
        return
    await _send_calendar(update, context, t, entries, "volunteer-shifts.ics")


def calendar_button(t: Translator, signup_id: int, *, number: str | None = None) -> InlineKeyboardButton:
    """The inline button itself: under the sign-up confirmation, and numbered in /my."""
    label = t.gettext("📅 Add to calendar") if number is None else t.gettext("📅 Calendar {number}").format(number=number)
    return InlineKeyboardButton(label, callback_data=cd.AddToCalendar(signup_id).data)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """/calendar and 📅 Add to calendar."""
    app.add_handler(CommandHandler("calendar", show_calendar, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(add_to_calendar_button, pattern=cd.AddToCalendar.pattern))
