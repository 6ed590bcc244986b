"""Renderers of the thank-you messages (facts from `models.notices.thanks`)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import callback_data as cd
from handlers.common import esc, opportunity_title
from handlers.notices.rendered import Rendered
from handlers.year_card import card_keyboard
from infra.i18n import Translator
from models.notices.thanks import FirstShiftFacts, MilestoneFacts, VolunteerDayFacts
from models.tables import Volunteer


def _name(t: Translator, volunteer: Volunteer) -> str:
    """The volunteer's name as they gave it, or a warm form of address."""
    if volunteer.display_name:
        return esc(volunteer.display_name)
    return t.gettext("Dear volunteer")


def certificate_button(t: Translator) -> InlineKeyboardMarkup:
    """One tap from a thank-you to the /certificate menu."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("🎓 Get my certificate"), callback_data=cd.CertificateMenu().data)]])


def thanks_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """Under a milestone or Volunteer Day thank-you: something to show for it, one tap each."""
    return InlineKeyboardMarkup([*certificate_button(t).inline_keyboard, *card_keyboard(t).inline_keyboard])


def render_first_shift(t: Translator, facts: FirstShiftFacts) -> Rendered:
    text = t.gettext(
        "🌟 {name}, thank you for your first shift with us! You gave {duration} to <b>{title}</b>, "
        "and it made a real difference. We are so glad to have you with us."
    ).format(
        name=_name(t, facts.volunteer),
        duration=t.duration(facts.shift.attendance.credited_minutes),
        title=esc(opportunity_title(facts.shift.opportunity, t.language)),
    )
    return Rendered(text)


def render_milestone(t: Translator, facts: MilestoneFacts) -> Rendered:
    text = t.gettext(
        "🏅 {name}, you have just passed {hours} of volunteering! Every one of those hours helped "
        "someone in our city. Thank you from all of us: it is an honour to serve beside you."
    ).format(name=_name(t, facts.volunteer), hours=t.duration(facts.hours * 60))
    return Rendered(text, thanks_keyboard(t))


def render_volunteer_day(t: Translator, facts: VolunteerDayFacts) -> Rendered:
    name, figures = _name(t, facts.volunteer), facts.figures
    if figures.shifts == 0:
        text = t.gettext(
            "💚 Happy International Volunteer Day, {name}!\n\nThank you for being part of our volunteer "
            "family this year. We look forward to seeing you on a shift soon: /opportunities"
        ).format(name=name)
        return Rendered(text)
    text = t.gettext(
        "💚 Happy International Volunteer Day, {name}!\n\nThis year you gave {hours} in {shifts} with {centers}. "
        "Thank you for every one of them: our city is kinder because of you."
    ).format(
        name=name,
        hours=t.duration(figures.minutes),
        shifts=t.ngettext("{n} shift", "{n} shifts", figures.shifts).format(n=t.number(figures.shifts)),
        centers=t.ngettext("{n} center", "{n} centers", figures.centers).format(n=t.number(figures.centers)),
    )
    return Rendered(text, thanks_keyboard(t))
