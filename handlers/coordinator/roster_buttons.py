"""The buttons under a shift's roster: check in or out on someone's behalf, record a no-show, or
record as present someone who was there without checking in."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import callback_data as cd
from infra.i18n import N_, Translator
from models.attendance_review import Roster
from models.tables import Volunteer

CHECK_IN = N_("🟢 Check in: {name}")
CHECK_OUT = N_("🏁 Check out: {name}")
NO_SHOW = N_("🚫 No-show: {name}")
PRESENT = N_("✅ Present: {name}")
# Two buttons a row: well inside Telegram's 100 buttons; past that the records lookup reaches anyone.
MAX_ROWS = 30


def _name(volunteer: Volunteer) -> str:
    return (volunteer.display_name or "—")[:30]


def roster_markup(t: Translator, roster: Roster, *, check_in_open: bool) -> InlineKeyboardMarkup | None:
    """Those who need something first: the late (check in, or no-show), those here (check out),
    the missing (present with the times, or no-show), no-shows (present), then the expected once
    check-in has opened."""
    def button(label: str, volunteer: Volunteer, data: cd.CallbackData) -> InlineKeyboardButton:
        return InlineKeyboardButton(t.gettext(label).format(name=_name(volunteer)), callback_data=data.data)

    rows: list[list[InlineKeyboardButton]] = []
    for volunteer, signup in roster.late:
        rows.append([button(CHECK_IN, volunteer, cd.CheckInFor(signup.id or 0, "shift")),
                     button(NO_SHOW, volunteer, cd.MarkNoShow(signup.id or 0))])
    for volunteer, attendance in roster.here:
        rows.append([button(CHECK_OUT, volunteer, cd.CheckOutFor(attendance.id or 0, "shift"))])
    for volunteer, signup in roster.missing:
        rows.append([button(PRESENT, volunteer, cd.MarkPresent(signup.id or 0, "shift")),
                     button(NO_SHOW, volunteer, cd.MarkNoShow(signup.id or 0))])
    for volunteer, signup in roster.no_shows:
        rows.append([button(PRESENT, volunteer, cd.MarkPresent(signup.id or 0, "shift"))])
    if check_in_open:
        for volunteer, signup in roster.expected:
            rows.append([button(CHECK_IN, volunteer, cd.CheckInFor(signup.id or 0, "shift"))])
    return InlineKeyboardMarkup(rows[:MAX_ROWS]) if rows else None
