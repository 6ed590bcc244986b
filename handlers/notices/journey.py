"""Renderers of the notices about a volunteer's shifts (facts from `models.notices.journey`)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import callback_data as cd
from handlers.common import center_name, esc, opportunity_title
from handlers.notices.rendered import Rendered
from handlers.offers import offer_buttons, offer_deadline
from infra.i18n import Translator
from models.notices.journey import AttendanceFacts, HoursAdjustedFacts, SeatFacts
from models.tables import Shift, Signup, SignupStatus


def shift_buttons(t: Translator, signup: Signup, shift: Shift, *, attending: bool = True) -> InlineKeyboardMarkup:
    """Under a reminder: I'll be there, cancel my seat, directions (when the site is known)."""
    assert signup.id is not None and shift.id is not None
    rows = []
    if attending:
        rows.append([InlineKeyboardButton(t.gettext("✅ I'll be there"), callback_data=cd.ReminderAttending(signup.id).data)])
    second = [InlineKeyboardButton(t.gettext("Cancel my seat"), callback_data=cd.Cancel(signup.id).data)]
    if shift.latitude is not None and shift.longitude is not None:
        second.append(InlineKeyboardButton(t.gettext("🗺 Directions"), callback_data=cd.Directions(shift.id).data))
    rows.append(second)
    return InlineKeyboardMarkup(rows)


def render_promoted(t: Translator, facts: SeatFacts) -> Rendered:
    text = t.gettext("🎉 Good news! A seat opened up and it is yours: <b>{title}</b>\n{when}").format(
        title=esc(opportunity_title(facts.opportunity, t.language)), when=t.span(facts.shift.starts_at, facts.shift.ends_at)
    )
    assert facts.signup.id is not None
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("Cancel my seat"), callback_data=cd.Cancel(facts.signup.id).data)]])
    return Rendered(text, markup)


def render_seat_offered(t: Translator, facts: SeatFacts) -> Rendered:
    text = t.gettext(
        "🎟 A seat opened up on <b>{title}</b>\n{when}\n\n{held}\n"
        "If we do not hear from you by then, it goes to the next volunteer in line."
    ).format(
        title=esc(opportunity_title(facts.opportunity, t.language)),
        when=t.span(facts.shift.starts_at, facts.shift.ends_at),
        held=offer_deadline(t, facts.signup.offer_expires_at),
    )
    assert facts.signup.id is not None
    return Rendered(text, InlineKeyboardMarkup([offer_buttons(t, facts.signup.id)]))


def render_offer_expired(t: Translator, facts: SeatFacts) -> Rendered:
    text = t.gettext(
        "⌛ We did not hear from you in time, so the seat on <b>{title}</b> ({when}) went to the next "
        "volunteer in line. Thank you all the same; other opportunities are waiting for you: /opportunities"
    ).format(title=esc(opportunity_title(facts.opportunity, t.language)), when=t.span(facts.shift.starts_at, facts.shift.ends_at))
    return Rendered(text)


def render_reminder(t: Translator, facts: SeatFacts) -> Rendered:
    text = t.gettext(
        "⏰ Reminder: your shift <b>{title}</b>\n🗓 {when}\n📍 {place}\n\n"
        "We are counting on you! If you cannot come, please free your seat for someone on the waitlist."
    ).format(
        title=esc(opportunity_title(facts.opportunity, t.language)),
        when=t.span(facts.shift.starts_at, facts.shift.ends_at),
        place=esc(center_name(facts.center, t.language)),
    )
    return Rendered(text, shift_buttons(t, facts.signup, facts.shift))


def render_auto_checkout(t: Translator, facts: AttendanceFacts) -> Rendered:
    text = t.gettext(
        "🏁 You did not check out of <b>{title}</b> ({when}), so we closed your attendance at the end "
        "of the shift and credited {duration}. A coordinator will review it; if something is not right, "
        "please let your center know."
    ).format(
        title=esc(opportunity_title(facts.opportunity, t.language)),
        when=t.span(facts.shift.starts_at, facts.shift.ends_at),
        duration=t.duration(facts.attendance.credited_minutes),
    )
    return Rendered(text)


def render_no_show(t: Translator, facts: SeatFacts) -> Rendered:
    text = t.gettext(
        "We missed you at <b>{title}</b> ({when}). We hope all is well with you! "
        "Next time, if you cannot come, please cancel your seat beforehand so someone on the waitlist can take it."
    ).format(title=esc(opportunity_title(facts.opportunity, t.language)), when=t.span(facts.shift.starts_at, facts.shift.ends_at))
    return Rendered(text)


def render_shift_changed(t: Translator, facts: SeatFacts) -> Rendered:
    text = t.gettext(
        "📣 <b>{title}</b> has changed. The shift is now:\n🗓 {when}\n📍 {place}\n\n"
        "Your place is kept. If the new arrangement does not suit you, you can give it up below."
    ).format(
        title=esc(opportunity_title(facts.opportunity, t.language)),
        when=t.span(facts.shift.starts_at, facts.shift.ends_at),
        place=esc(center_name(facts.center, t.language)),
    )
    assert facts.signup.id is not None
    if facts.signup.status == SignupStatus.OFFERED:  # the offer stands: will they still come?
        markup = InlineKeyboardMarkup([offer_buttons(t, facts.signup.id)])
        return Rendered(text + "\n\n" + offer_deadline(t, facts.signup.offer_expires_at), markup)
    label = t.gettext("Cancel my seat") if facts.signup.status == SignupStatus.CONFIRMED else t.gettext("Leave the waitlist")
    return Rendered(text, InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=cd.Cancel(facts.signup.id).data)]]))


def render_shift_cancelled(t: Translator, facts: SeatFacts) -> Rendered:
    text = t.gettext(
        "❌ We are sorry: <b>{title}</b> ({when}) has been cancelled by the organisers, and your place with it. "
        "Thank you for being ready to serve; other opportunities are waiting for you: /opportunities"
    ).format(title=esc(opportunity_title(facts.opportunity, t.language)), when=t.span(facts.shift.starts_at, facts.shift.ends_at))
    return Rendered(text)


def render_hours_adjusted(t: Translator, facts: HoursAdjustedFacts) -> Rendered:
    credited = t.duration(facts.attendance.credited_minutes)
    lines = []
    if facts.shift is None and facts.work is not None:
        place = (opportunity_title(facts.work.opportunity, t.language) if facts.work.opportunity is not None
                 else center_name(facts.work.center, t.language) if facts.work.center is not None else "")
        lines.append(t.gettext("🕒 A coordinator added {duration} to your volunteering record, for <b>{place}</b> on {day}.").format(
            duration=credited, place=esc(place), day=t.day(facts.attendance.checked_in_at)))
    elif facts.shift is None:
        lines.append(t.gettext("🕒 A coordinator added {duration} to your volunteering record.").format(duration=credited))
    else:
        lines.append(t.gettext("🕒 A coordinator corrected your hours for <b>{title}</b> ({when}): it now credits {duration}.").format(
            title=esc(opportunity_title(facts.shift.opportunity, t.language)),
            when=t.span(facts.shift.shift.starts_at, facts.shift.shift.ends_at),
            duration=credited,
        ))
        out = facts.attendance.checked_out_at
        if facts.times and out is not None:
            lines.append(t.gettext("Your time there: {span}.").format(span=t.span(facts.attendance.checked_in_at, out)))
        if facts.before_minutes is not None:
            lines.append(t.gettext("Before the change: {duration}.").format(duration=t.duration(facts.before_minutes)))
    lines.append(t.gettext("Reason: {reason}").format(reason=esc(facts.reason)))
    return Rendered("\n".join(lines) + "\n\n" + t.gettext("Your total is always in /hours."))
