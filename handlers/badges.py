"""The badges shown in /hours (computed by models.badges)."""

from __future__ import annotations

from infra.i18n import Translator
from models.badges import BadgeBoard, BadgeKind


def render_badges(t: Translator, board: BadgeBoard) -> list[str]:
    """A heading and one line per badge earned, or how far the first one is."""
    lines = ["", t.gettext("🎖 <b>Your badges</b>")]
    for badge in board.earned:
        if badge.kind == BadgeKind.HOURS:
            lines.append(t.ngettext("🏅 {n} hour of giving", "🏅 {n} hours of giving", badge.level).format(n=t.number(badge.level)))
        elif badge.kind == BadgeKind.STREAK:
            lines.append(
                t.ngettext("🔥 Streak: a shift every month, {n} month in a row", "🔥 Streak: a shift every month, {n} months in a row", badge.level)
                .format(n=t.number(badge.level))
            )
        elif badge.kind == BadgeKind.COURSES:
            lines.append(t.ngettext("🎓 {n} training attended", "🎓 {n} trainings attended", badge.level).format(n=t.number(badge.level)))
        elif badge.kind == BadgeKind.TEAM_FOUNDER:
            lines.append(t.gettext("🤝 Team founder"))
    if not board.earned:
        lines.append(t.gettext("No badges yet: your first comes with {n} confirmed hours.").format(n=t.number(board.next_hours or 0)))
    elif board.next_hours is not None:
        lines.append(
            t.ngettext("Next hours badge: {n} hour, {left} to go.", "Next hours badge: {n} hours, {left} to go.", board.next_hours)
            .format(n=t.number(board.next_hours), left=t.duration(board.minutes_to_next))
        )
    return lines
