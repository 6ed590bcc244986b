"""Renderers of what a coordinator recorded for a volunteer (facts from `models.notices.corrections`)."""

from __future__ import annotations

from handlers.common import esc, opportunity_title
from handlers.notices.rendered import Rendered
from infra.i18n import Translator
from models.notices.corrections import MarkedPresentFacts
from models.notices.journey import AttendanceFacts


def render_checked_in_for(t: Translator, facts: AttendanceFacts) -> Rendered:
    text = t.gettext("🟢 A coordinator checked you in to <b>{title}</b> at {time}. Check out with 🏁 when you leave.").format(
        title=esc(opportunity_title(facts.opportunity, t.language)), time=t.time(facts.attendance.checked_in_at)
    )
    return Rendered(text)


def render_checked_out_for(t: Translator, facts: AttendanceFacts) -> Rendered:
    assert facts.attendance.checked_out_at is not None
    text = t.gettext("🏁 A coordinator checked you out of <b>{title}</b> at {time}: {duration} credited to you. Thank you for your time!").format(
        title=esc(opportunity_title(facts.opportunity, t.language)),
        time=t.time(facts.attendance.checked_out_at),
        duration=t.duration(facts.attendance.credited_minutes),
    )
    return Rendered(text + "\n\n" + t.gettext("Your total is always in /hours."))


def render_marked_present(t: Translator, facts: MarkedPresentFacts) -> Rendered:
    attendance, title = facts.record.attendance, esc(opportunity_title(facts.record.opportunity, t.language))
    if attendance.checked_out_at is None:
        text = t.gettext("✅ A coordinator recorded that you arrived at <b>{title}</b> at {time}: you are checked in. Check out with 🏁 when you leave.").format(
            title=title, time=t.time(attendance.checked_in_at))
    else:
        text = t.gettext("✅ A coordinator recorded you as present at <b>{title}</b>: {span}, {duration} credited to you.").format(
            title=title, span=t.span(attendance.checked_in_at, attendance.checked_out_at), duration=t.duration(attendance.credited_minutes))
    if facts.was_no_show:
        text += "\n" + t.gettext("You are no longer counted as absent from this shift.")
    return Rendered(text + "\n\n" + t.gettext("Your total is always in /hours."))
