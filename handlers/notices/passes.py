"""Renderer of the pass notice (facts from `models.notices.passes`)."""

from __future__ import annotations

from handlers.common import esc, opportunity_title
from handlers.notices.rendered import Rendered
from infra.i18n import Translator
from models.notices.passes import PassAttendanceFacts


def render_pass_attendance(t: Translator, facts: PassAttendanceFacts) -> Rendered:
    record = facts.record
    title = esc(opportunity_title(record.opportunity, t.language))
    if facts.event == "out":
        assert record.attendance.checked_out_at is not None
        return Rendered(
            t.gettext(
                "🏁 A coordinator checked you out of <b>{title}</b> with your pass at {time}. "
                "{duration} credited to you. Thank you for your time!"
            ).format(title=title, time=t.time(record.attendance.checked_out_at), duration=t.duration(record.attendance.credited_minutes))
        )
    lines = [
        t.gettext("🟢 A coordinator checked you in to <b>{title}</b> ({when}) with your pass at {time}.").format(
            title=title, when=t.span(record.shift.starts_at, record.shift.ends_at), time=t.time(record.attendance.checked_in_at)
        )
    ]
    if facts.walk_in:
        lines.append(t.gettext("You came without a seat, so you were added to this shift as a walk-in. Thank you for coming!"))
    lines.append(t.gettext("When you leave, check out with 🏁, or show your pass to the coordinator again."))
    return Rendered("\n".join(lines))
