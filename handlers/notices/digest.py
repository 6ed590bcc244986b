"""Renderer of the morning digest (facts from `models.notices.digest`)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import callback_data as cd
from handlers.common import center_name, esc, opportunity_title
from handlers.notices.rendered import Rendered
from infra.i18n import Translator
from models.notices.digest import DigestFacts


def render_digest(t: Translator, facts: DigestFacts) -> Rendered:
    """Good morning, the new opportunities (soonest shift first), one button each, and a way out."""
    total = len(facts.items) + facts.more
    name = esc(facts.volunteer.display_name) if facts.volunteer.display_name else t.gettext("Dear volunteer")
    lines = [
        t.ngettext(
            "☀️ Good morning, {name}! {n} new opportunity matches your interests:",
            "☀️ Good morning, {name}! {n} new opportunities match your interests:",
            total,
        ).format(name=name, n=t.number(total)),
        "",
    ]
    for item in facts.items:
        lines.append(
            t.gettext("• <b>{title}</b>, {center}: next shift {when}").format(
                title=esc(opportunity_title(item.opportunity, t.language)),
                center=esc(center_name(item.center, t.language)),
                when=f"{t.day(item.next_start)} {t.time(item.next_start)}",
            )
        )
    if facts.more:
        lines.append(
            t.ngettext("… and {n} more: /opportunities", "… and {n} more: /opportunities", facts.more).format(n=t.number(facts.more))
        )
    lines += ["", t.gettext("You get this at most once a day. Change your interests with /interests.")]
    rows = [
        [InlineKeyboardButton(opportunity_title(item.opportunity, t.language)[:60], callback_data=cd.ShowMine(item.opportunity.id or 0).data)]
        for item in facts.items
    ]
    rows.append([InlineKeyboardButton(t.gettext("🔕 Stop the morning digest"), callback_data=cd.DigestSetting("off", "notice").data)])
    return Rendered("\n".join(lines), InlineKeyboardMarkup(rows))
