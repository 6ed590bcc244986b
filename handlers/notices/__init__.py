"""Renderers of the messages the bot sends on its own: pure functions (translator, facts) -> Rendered.

The facts come from the kind's loader in `models.notices` (which also decides whether the message
is still due); the sender (`bot.sender`) is handed `render_notice` at start-up and imports no
handler. A new kind is one loader there and one renderer in RENDERERS here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices import (
    announcements,
    certificates,
    corrections,
    digest,
    guardians,
    journey,
    passes,
    profiles,
    qualifications,
    ratings,
    teams,
    thanks,
)
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
    NoticeKind.RATING_REQUEST: ratings.render_rating_request,
    NoticeKind.GENDER_REQUESTED: profiles.render_gender_requested,
    NoticeKind.PROFILE_CHANGED: profiles.render_profile_changed,
    NoticeKind.GUARDIAN_CONSENT_GIVEN: guardians.render_consent_given,
    NoticeKind.GUARDIAN_CONSENT_WITHDRAWN: guardians.render_consent_withdrawn,
    NoticeKind.TEAM_REQUESTED: teams.render_team_requested,
    NoticeKind.TEAM_DECIDED: teams.render_team_decided,
    NoticeKind.TEAM_SEATS: teams.render_team_seats,
    NoticeKind.TEAM_MESSAGE: teams.render_team_message,
    NoticeKind.SWAP_OFFERED: teams.render_swap_offered,
    NoticeKind.SWAP_ANSWERED: teams.render_swap_answered,
    NoticeKind.DIGEST: digest.render_digest,
    NoticeKind.QUALIFICATION_GRANTED: qualifications.render_qualification_granted,
    NoticeKind.QUALIFICATION_REVOKED: qualifications.render_qualification_revoked,
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
