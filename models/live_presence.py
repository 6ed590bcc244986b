"""A live location followed: its later positions, which Telegram delivers as edits.

What a live location means, decided here (issue 9 left it open):
- A position update never gets a reply of its own. While the volunteer is checked in it only
  keeps the latest distance from the site and its time on the attendance record (no track).
- Before the volunteer is checked in, an update is a check-in attempt like a shared location; only
  a success is told (one message), so a volunteer who starts sharing on the way is checked in as
  they arrive, and one who is still far away hears nothing more.
- The first update while checked in that is clearly outside the site (even the near edge of the
  phone's accuracy circle lies more than LEAVE_MARGIN_M beyond the radius) sets `left_site_at` and
  asks once: "You seem to have left …: check out?" with a check-out button. Nothing is credited
  or changed on its own: coming back, or ignoring it, keeps the check-in; the forgotten check-out
  sweep closes it after the shift as before. It is asked at most once per check-in, so GPS
  wobbling at the edge of the site never makes a stream of messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import (
    CheckInOutcome,
    CheckInResult,
    CheckOutResult,
    SharedLocation,
    check_in_by_location,
    check_out,
    distance_m,
    location_refusal,
    open_attendance,
)
from models.tables import Attendance, Opportunity, Volunteer

# Past the radius by this much (after the accuracy is given the benefit of the doubt) before a
# volunteer "seems to have left": a site's edge is not a line, and GPS drifts by tens of metres.
LEAVE_MARGIN_M = 50


class LiveOutcome(StrEnum):
    QUIET = "quiet"  # nothing to say
    CHECKED_IN = "checked_in"  # arrived: checked in by this update
    LEFT_SITE = "left_site"  # checked in, and clearly outside the site for the first time


@dataclass
class LiveResult:
    outcome: LiveOutcome
    check_in: CheckInResult | None = None
    attendance: Attendance | None = None
    opportunity: Opportunity | None = None


def clearly_outside(*, distance: float, accuracy_m: float | None, radius_m: int) -> bool:
    return distance - (accuracy_m or 0.0) > radius_m + LEAVE_MARGIN_M


async def follow_live_location(
    session: AsyncSession, *, volunteer: Volunteer, location: SharedLocation, now: datetime, early_minutes: int
) -> LiveResult:
    """One position update of a live location (see the module's docstring for what it means)."""
    assert volunteer.id is not None
    if location_refusal(location) is not None:
        return LiveResult(LiveOutcome.QUIET)  # its first message was refused already
    found = await open_attendance(session, volunteer_id=volunteer.id)
    if found is None:
        result = await check_in_by_location(
            session, volunteer=volunteer, location=location, now=now, early_minutes=early_minutes
        )
        if result.outcome == CheckInOutcome.CHECKED_IN:
            return LiveResult(LiveOutcome.CHECKED_IN, check_in=result)
        return LiveResult(LiveOutcome.QUIET)
    attendance, shift, opportunity = found
    if shift.latitude is None or shift.longitude is None:
        return LiveResult(LiveOutcome.QUIET)
    distance = distance_m(location.latitude, location.longitude, shift.latitude, shift.longitude)
    attendance.live_seen_at, attendance.live_distance_m = now, round(distance)
    if attendance.left_site_at is None and clearly_outside(
        distance=distance, accuracy_m=location.accuracy_m, radius_m=shift.radius_m
    ):
        attendance.left_site_at = now
        await session.flush()
        return LiveResult(LiveOutcome.LEFT_SITE, attendance=attendance, opportunity=opportunity)
    await session.flush()
    return LiveResult(LiveOutcome.QUIET)


async def check_out_after_leaving(
    session: AsyncSession, *, volunteer: Volunteer, attendance_id: int, now: datetime, grace_minutes: int
) -> CheckOutResult | None:
    """🏁 under "You seem to have left": check out of that check-in; None when it is closed already."""
    assert volunteer.id is not None
    found = await open_attendance(session, volunteer_id=volunteer.id)
    if found is None or found[0].id != attendance_id:
        return None
    return await check_out(session, volunteer=volunteer, now=now, grace_minutes=grace_minutes)
