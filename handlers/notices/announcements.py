"""Renderer of a coordinator's broadcast (facts from `models.notices.announcements`)."""

from __future__ import annotations

from handlers.common import esc
from handlers.notices.rendered import Rendered
from infra.i18n import Translator
from models.notices.announcements import BroadcastFacts


def announcement_text(t: Translator, text: str) -> str:
    """The message as a volunteer receives it, in their language (also shown in the preview)."""
    return t.gettext("📢 <b>A message from the volunteering program</b>") + "\n\n" + esc(text)


def render_broadcast(t: Translator, facts: BroadcastFacts) -> Rendered:
    return Rendered(announcement_text(t, facts.text), photo=facts.photo_file_id)
