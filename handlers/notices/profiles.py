"""Renderers of the notices about a volunteer's profile (facts from `models.notices.profiles`)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import callback_data as cd
from handlers.common import center_name, esc, opportunity_title
from handlers.notices.rendered import Rendered
from infra.i18n import Translator
from models.gender_requests import ClosedSeat
from models.notices.profiles import GenderRequestFacts, ProfileChangedFacts
from models.tables import Gender


def gender_label(t: Translator, gender: str | None) -> str:
    if gender == Gender.FEMALE:
        return t.gettext("a woman")
    if gender == Gender.MALE:
        return t.gettext("a man")
    return t.gettext("not given")


def seat_lines(t: Translator, seats: list[ClosedSeat]) -> str:
    return "\n".join(
        f"• <b>{esc(opportunity_title(seat.opportunity, t.language))}</b> — {t.span(seat.shift.starts_at, seat.shift.ends_at)}"
        for seat in seats
    )


def render_gender_requested(t: Translator, facts: GenderRequestFacts) -> Rendered:
    person = facts.person
    assert person.id is not None
    text = t.gettext(
        "⚧ <b>{name}</b> (Telegram id {id}, {center}) asks to be recorded as {new} instead of {old}. "
        "Please confirm only what you know to be right."
    ).format(
        name=esc(person.display_name), id=person.telegram_id,
        center=esc(center_name(facts.center, t.language)) if facts.center else "-",
        new=gender_label(t, facts.gender), old=gender_label(t, person.gender),
    )
    if facts.closed:
        text += "\n\n" + t.ngettext(
            "If you confirm, this place no longer fits and is given up (the waitlist moves up):",
            "If you confirm, these {n} places no longer fit and are given up (the waitlist moves up):",
            len(facts.closed),
        ).format(n=t.number(len(facts.closed))) + "\n" + seat_lines(t, facts.closed)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("✅ Confirm"), callback_data=cd.GenderChangeDecide(person.id, facts.gender, "yes").data),
        InlineKeyboardButton(t.gettext("❌ Decline"), callback_data=cd.GenderChangeDecide(person.id, facts.gender, "no").data),
    ]])
    return Rendered(text, markup)


def render_profile_changed(t: Translator, facts: ProfileChangedFacts) -> Rendered:
    person = facts.person
    if facts.field == "center":
        text = t.gettext("🏘 A coordinator moved you to <b>{center}</b>. Its opportunities and coordinators are yours now.").format(
            center=esc(center_name(facts.center, t.language)) if facts.center else "-")
    elif facts.declined:
        text = t.gettext("⚧ A coordinator did not confirm the change of gender you asked for: your profile stays as it was. "
                         "You can ask a coordinator of your center if you have questions.")
    else:
        text = t.gettext("⚧ A coordinator confirmed it: you are now recorded as {gender}.").format(gender=gender_label(t, person.gender))
        if facts.released:
            text += "\n\n" + t.ngettext(
                "This place no longer fitted and was given up:",
                "These {n} places no longer fitted and were given up:",
                len(facts.released),
            ).format(n=t.number(len(facts.released))) + "\n" + seat_lines(t, facts.released)
    return Rendered(text + "\n\n" + t.gettext("Your profile is always in /profile."))
