"""Every notice kind's loader, and the one call the sender makes."""

from __future__ import annotations

import json
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.notices import (
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
from models.notices.kinds import NoticeKind
from models.notices.loading import Loader

LOADERS: dict[NoticeKind, Loader] = {
    NoticeKind.PROMOTED: journey.load_promoted,
    NoticeKind.SEAT_OFFERED: journey.load_seat_offered,
    NoticeKind.OFFER_EXPIRED: journey.load_offer_expired,
    NoticeKind.REMINDER: journey.load_reminder,
    NoticeKind.AUTO_CHECKOUT: journey.load_auto_checkout,
    NoticeKind.NO_SHOW: journey.load_no_show,
    NoticeKind.SHIFT_CHANGED: journey.load_shift_changed,
    NoticeKind.SHIFT_CANCELLED: journey.load_shift_cancelled,
    NoticeKind.FIRST_SHIFT: thanks.load_first_shift,
    NoticeKind.MILESTONE: thanks.load_milestone,
    NoticeKind.VOLUNTEER_DAY: thanks.load_volunteer_day,
    NoticeKind.BROADCAST: announcements.load_broadcast,
    NoticeKind.HOURS_ADJUSTED: journey.load_hours_adjusted,
    NoticeKind.PASS_ATTENDANCE: passes.load_pass_attendance,
    NoticeKind.CHECKED_IN_FOR: corrections.load_checked_in_for,
    NoticeKind.CHECKED_OUT_FOR: corrections.load_checked_out_for,
    NoticeKind.MARKED_PRESENT: corrections.load_marked_present,
    NoticeKind.RATING_REQUEST: ratings.load_rating_request,
    NoticeKind.GENDER_REQUESTED: profiles.load_gender_requested,
    NoticeKind.PROFILE_CHANGED: profiles.load_profile_changed,
    NoticeKind.GUARDIAN_CONSENT_GIVEN: guardians.load_consent_given,
    NoticeKind.GUARDIAN_CONSENT_WITHDRAWN: guardians.load_consent_withdrawn,
    NoticeKind.TEAM_REQUESTED: teams.load_team_requested,
    NoticeKind.TEAM_DECIDED: teams.load_team_decided,
    NoticeKind.TEAM_SEATS: teams.load_team_seats,
    NoticeKind.TEAM_MESSAGE: teams.load_team_message,
    NoticeKind.SWAP_OFFERED: teams.load_swap_offered,
    NoticeKind.SWAP_ANSWERED: teams.load_swap_answered,
    NoticeKind.DIGEST: digest.load_digest,
    NoticeKind.QUALIFICATION_GRANTED: qualifications.load_qualification_granted,
    NoticeKind.QUALIFICATION_REVOKED: qualifications.load_qualification_revoked,
    NoticeKind.CERTIFICATE: certificates.load_certificate,
}


async def load_notice(session: AsyncSession, kind: str, payload: str, zone: tzinfo) -> tuple[NoticeKind, Any] | None:
    """The kind and facts of a queued message, or None when it is no longer due (or unknown)."""
    try:
        notice_kind = NoticeKind(kind)
    except ValueError:
        return None
    facts = await LOADERS[notice_kind](session, json.loads(payload), zone)
    return None if facts is None else (notice_kind, facts)

