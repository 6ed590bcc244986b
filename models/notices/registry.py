"""Every notice kind's loader, and the one call the sender makes."""

from __future__ import annotations

import json
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.notices import announcements, certificates, corrections, journey, passes, thanks
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

