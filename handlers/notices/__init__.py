"""Renderers of the messages the bot sends on its own: pure functions (translator, facts) -> Rendered.

The facts come from the kind's loader in `models.notices` (which also decides whether the message
is still due); the sender (`bot.sender`) is handed `render_notice` at start-up and imports no
handler. A new kind is one loader there and one renderer in RENDERERS here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices import announcements, certificates, corrections, journey, passes, thanks
from handlers.notices.rendered import Rendered
from infra.i18n import Translator
from models.notices.kinds import NoticeKind
from models.notices.registry import load_notice
from models.tables import OutboxMessage

Renderer = Callable[[Translator, Any], Rendered]

RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.PROMOTED: journey.render_promoted,
    NoticeKind.SEAT_OFFERED: journey.render_seat_offered,
    NoticeKind.OFFER_EXPIRED: journey.render_offer_expired,
    NoticeKind.REMINDER: journey.render_reminder,
    NoticeKind.AUTO_CHECKOUT: journey.render_auto_checkout,
    NoticeKind.NO_SHOW: journey.render_no_show,
    NoticeKind.SHIFT_CHANGED: journey.render_shift_changed,
    NoticeKind.SHIFT_CANCELLED: journey.render_shift_cancelled,
    NoticeKind.FIRST_SHIFT: thanks.render_first_shift,
    NoticeKind.MILESTONE: thanks.render_milestone,
    NoticeKind.VOLUNTEER_DAY: thanks.render_volunteer_day,
    NoticeKind.BROADCAST: announcements.render_broadcast,
    NoticeKind.HOURS_ADJUSTED: journey.render_hours_adjusted,
    NoticeKind.PASS_ATTENDANCE: passes.render_pass_attendance,
    NoticeKind.CHECKED_IN_FOR: corrections.render_checked_in_for,
    NoticeKind.CHECKED_OUT_FOR: corrections.render_checked_out_for,
    NoticeKind.MARKED_PRESENT: corrections.render_marked_present,
    NoticeKind.CERTIFICATE: certificates.render_certificate,
}


async def render_notice(session: AsyncSession, t: Translator, message: OutboxMessage) -> Rendered | None:
    """A queued message in the recipient's language, or None when it is no longer due (drop it)."""
    loaded = await load_notice(session, message.kind, message.payload, t.zone)
    if loaded is None:
        return None
    kind, facts = loaded
    return RENDERERS[kind](t, facts)


__all__ = ["RENDERERS", "Rendered", "Renderer", "render_notice"]
