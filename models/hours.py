"""Confirmed and pending hours: the one home of the rule that official figures count.

A record's minutes are *pending review* while it is flagged: the sweep closed a forgotten check-out
(or another rule flagged it) and no coordinator has kept or adjusted it yet in /review. Everything
official counts *confirmed* minutes only: /stats and its SAR value, the totals of /hours, the
milestone thank-yous (and the certificates to come); pending minutes are shown beside them, never
added in. A coordinator's decision (`confirm_record`) makes them confirmed, and the moment it was
taken (`reviewed_at`) lets the milestone sweep thank a volunteer whose confirmed hours just
crossed a line.

Sums over millions of records read covering indexes that do not hold `flagged`: the figures take
the total from them and subtract the pending part, read from the partial indexes of flagged records
(`ix_attendance_flagged` by time, `ix_attendance_pending` by volunteer: a few rows), instead of
visiting every record for its flag.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, case, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models.tables import Attendance

REVIEWED = "reviewed"  # flag_reason once a coordinator has decided


def is_pending() -> ColumnElement[bool]:
    """The records whose minutes wait for a coordinator (spelled as the partial index is)."""
    return col(Attendance.flagged) == True  # noqa: E712 (renders as the index has it)


def pending_minutes() -> ColumnElement[Any]:
    """A record's minutes when they are pending review, else 0 (to sum)."""
    return case((is_pending(), col(Attendance.credited_minutes)), else_=0)


def confirmed_minutes() -> ColumnElement[Any]:
    """A record's minutes when they are confirmed, else 0 (to sum)."""
    return case((is_pending(), 0), else_=col(Attendance.credited_minutes))


def total(expression: Any) -> ColumnElement[Any]:
    """sum(...) that is 0, not NULL, over no rows."""
    return func.coalesce(func.sum(expression), 0)


def pending_of(volunteer_id: Any, *, start: datetime | None = None, end: datetime | None = None) -> ScalarSelect[Any]:
    """A volunteer's minutes pending review (of records checked in within [start, end)), as a
    correlated subquery: one seek per volunteer in the small partial index ix_attendance_pending,
    so a per-volunteer sum keeps reading its covering index and subtracts this."""
    record: Any = aliased(Attendance)  # an alias's columns are typed as their Python values
    query = select(total(record.credited_minutes)).where(
        record.flagged == True,  # noqa: E712 (renders as the partial index has it)
        record.volunteer_id == volunteer_id,
    )
    if start is not None:
        query = query.where(record.checked_in_at >= start)
    if end is not None:
        query = query.where(record.checked_in_at < end)
    return query.scalar_subquery()


def confirm_record(attendance: Attendance, *, now: datetime) -> None:
    """A coordinator kept or corrected the record: its minutes count from now on."""
    attendance.flagged, attendance.flag_reason, attendance.reviewed_at = False, REVIEWED, now
