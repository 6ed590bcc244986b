"""My schedule: upcoming shifts with cancel buttons, past shifts with the hours credited."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.calendar import calendar_button
from handlers.common import esc, opportunity_title, reply
from handlers.context import BotContext
from handlers.gate import require_registration
from handlers.offers import offer_buttons, offer_deadline
from infra.i18n import Translator
from models.signups import ScheduleEntry, my_schedule
from models.tables import SignupStatus


def render_schedule(t: Translator, upcoming: list[ScheduleEntry], past: list[ScheduleEntry]) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [t.gettext("<b>📅 Your upcoming shifts</b>")]
    rows = []
    if not upcoming:
        lines.append(t.gettext("You have no upcoming shifts. Find one with 🔎 Opportunities."))
    for number, entry in enumerate(upcoming, start=1):
        title = esc(opportunity_title(entry.opportunity, t.language))
        lines.append(f"\n{t.number(number)}. <b>{title}</b>\n{t.span(entry.shift.starts_at, entry.shift.ends_at)}")
        if entry.signup.status == SignupStatus.OFFERED:
            lines.append(offer_deadline(t, entry.signup.offer_expires_at))
            rows.append(offer_buttons(t, entry.signup.id or 0, number=t.number(number)))
            continue
        if entry.signup.status == SignupStatus.WAITLISTED:
            lines.append(t.gettext("⏳ Waitlist, number {n} in line").format(n=t.number(entry.waitlist_position or 1)))
            label = t.gettext("Leave waitlist {number}")
        elif entry.checked_in and not entry.checked_out:
            lines.append(t.gettext("🟢 Checked in"))
            continue
        else:
            lines.append(t.gettext("✅ Confirmed"))
            label = t.gettext("Cancel shift {number}")
        row = [InlineKeyboardButton(label.format(number=t.number(number)), callback_data=cd.Cancel(entry.signup.id or 0).data)]
        if entry.signup.status == SignupStatus.CONFIRMED:  # issue 12: 📅 Add to calendar
            row.append(calendar_button(t, entry.signup.id or 0, number=t.number(number)))
        rows.append(row)
    if past:
        lines.append("\n" + t.gettext("<b>Past shifts</b>"))
        for entry in past:
            title = esc(opportunity_title(entry.opportunity, t.language))
            if entry.credited_minutes:
                credit = t.gettext("{duration} credited").format(duration=t.duration(entry.credited_minutes))
            elif entry.signup.status == SignupStatus.NO_SHOW or not entry.checked_in:
                credit = t.gettext("not attended")
            else:
                credit = t.gettext("no hours credited")
            lines.append(f"• {title} ({t.day(entry.shift.starts_at)}): {credit}")
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


async def show_schedule(update: Update, context: BotContext) -> None:
    """/my and the menu button."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        assert volunteer.id is not None
        upcoming, past = await my_schedule(session, volunteer_id=volunteer.id, now=context.now())
    t = context.translator(volunteer.language)
    text, markup = render_schedule(t, upcoming, past)
    await reply(update, text, markup)
