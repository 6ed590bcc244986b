"""A volunteer's year on one card: confirmed hours, shifts and centers of a calendar year.

The card is shared in public, so it counts what is official (models.hours): records pending a
coordinator's review are left out of all three figures and reported beside them. Hours added
for work done outside the bot (/addhours) count too; their center is the one the coordinator named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import hours
from models.base import year_bounds
from models.tables import Attendance, OffSystemWork, Opportunity, Shift


@dataclass(frozen=True)
class YearCard:
    year: int
    confirmed_minutes: int
    pending_minutes: int
    shifts: int  # completed shifts whose minutes are confirmed
    centers: int  # distinct centers those records were for

    @property
    def empty(self) -> bool:
        """Nothing confirmed to show yet (pending hours may be on their way)."""
        return self.confirmed_minutes == 0 and self.shifts == 0


async def year_card(session: AsyncSession, *, volunteer_id: int, year: int, zone: tzinfo) -> YearCard:
    """The figures of one volunteer's card for one calendar year in the program's time zone."""
    start, end = year_bounds(year, zone)
    confirmed = ~hours.is_pending()
    center = func.coalesce(col(Opportunity.center_id), col(OffSystemWork.center_id))
    query = (
        select(
            hours.total(hours.confirmed_minutes()),
            hours.total(hours.pending_minutes()),
            func.count(case((confirmed, col(Attendance.shift_id)))),
            func.count(func.distinct(case((confirmed, center)))),
        )
        .select_from(Attendance)
        .outerjoin(Shift, col(Shift.id) == col(Attendance.shift_id))
        .outerjoin(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .outerjoin(OffSystemWork, col(OffSystemWork.attendance_id) == col(Attendance.id))
        .where(
            col(Attendance.volunteer_id) == volunteer_id,
            col(Attendance.checked_out_at).is_not(None),
            col(Attendance.checked_in_at) >= start,
            col(Attendance.checked_in_at) < end,
        )
    )
    minutes, pending, shifts, centers = (await session.execute(query)).one()
    return YearCard(year, int(minutes), int(pending), int(shifts), int(centers))
