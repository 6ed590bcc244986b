"""Renderer of the question "how was your shift?" (facts from `models.ratings`)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import callback_data as cd
from handlers.common import esc, opportunity_title
from handlers.notices.rendered import Rendered
from infra.i18n import Translator
from models.ratings import SCORES, RatingRequestFacts


def score_buttons(t: Translator, attendance_id: int) -> InlineKeyboardMarkup:
    """1 ⭐ ... 5 ⭐ in one row."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(f"{t.number(score)} ⭐", callback_data=cd.RateShift(attendance_id, str(score)).data)  # type: ignore[arg-type]  # str(score) is one of "1".."5"
        for score in SCORES
    ]])


def render_rating_request(t: Translator, facts: RatingRequestFacts) -> Rendered:
    text = t.gettext(
        "⭐ How was <b>{title}</b> ({when})?\n\nPlease rate it from 1 (poor) to 5 (excellent). "
        "Your answer helps the centers make every shift better."
    ).format(title=esc(opportunity_title(facts.opportunity, t.language)), when=t.span(facts.shift.starts_at, facts.shift.ends_at))
    assert facts.attendance.id is not None
    return Rendered(text, score_buttons(t, facts.attendance.id))
