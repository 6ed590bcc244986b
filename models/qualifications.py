"""Training courses and qualifications: the named skills volunteers hold, how they get them and
what they are good for.

A qualification (first aid, crowd management ...) is held until it expires (`validity_months`
after it was granted; never, without one) or is revoked. It is granted two ways:

- by a course: a training opportunity linked to it (`CourseQualification`). Its attendance grants
  it once the record is complete and confirmed: checked out, not pending review, some minutes
  credited. `grant_for_attendance` is called wherever a record becomes so (the volunteer's own
  check-out, a coordinator's check-out, presence recorded by hand, a review), in that transaction;
- by hand: a coordinator of the volunteer's center (or an admin) grants or revokes it with a
  reason (an outside certificate, a mistake), audited.

Either way the volunteer is told through the outbox. An opportunity may require qualifications
(`RequiredQualification`); sign-up (models.signups) asks `missing_for_shift`, which counts one
that expires before the shift's end as missing, and points to the next session of a course that
grants it. One row per volunteer and qualification: a new grant renews it (the audit log keeps
the history); a revoked row stays, with who revoked it and why. Defining qualifications and
linking them to opportunities: models.qualification_setup.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import record_action
from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.tables import (
    Attendance,
    CourseQualification,
    Opportunity,
    OpportunityStatus,
    Qualification,
    RequiredQualification,
    Shift,
    ShiftStatus,
    Volunteer,
    VolunteerQualification,
)

REASON_MIN, REASON_MAX = 3, 300


class QualificationSource(StrEnum):
    COURSE = "course"
    MANUAL = "manual"


def add_months(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months later (31 January + 1 month = 28 or 29 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def expiry_of(qualification: Qualification, granted_at: datetime) -> datetime | None:
    if qualification.validity_months is None:
        return None
    return add_months(granted_at, qualification.validity_months)


def valid_until(grant: VolunteerQualification, moment: datetime) -> bool:
    """Held (not revoked) and still valid at `moment`."""
    return grant.revoked_at is None and (grant.expires_at is None or grant.expires_at >= moment)


# --- the sign-up check ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingQualification:
    """A qualification a shift requires that the volunteer does not hold until its end, and where
    to get it: the next session of a course that grants it (None: none scheduled yet)."""

    qualification: Qualification
    expires_at: datetime | None = None  # they hold it, but it expires before the shift ends
    course: Opportunity | None = None
    next_session: Shift | None = None


async def _lacking(session: AsyncSession, *, volunteer_id: int, shift: Shift) -> list[tuple[int, datetime | None]]:
    """The shift's requirements the volunteer does not hold until its end: each qualification's id,
    with the expiry of what they hold of it (an expired or too short one; None: nothing). One
    query of two index seeks per requirement, and nothing to read when none is required (nearly
    every opportunity); rows are only built for what is missing."""
    rows = await session.execute(
        select(col(RequiredQualification.qualification_id), col(VolunteerQualification.id), col(VolunteerQualification.expires_at))
        .select_from(RequiredQualification)
        .outerjoin(VolunteerQualification, and_(
            col(VolunteerQualification.volunteer_id) == volunteer_id,
            col(VolunteerQualification.qualification_id) == col(RequiredQualification.qualification_id),
            col(VolunteerQualification.revoked_at).is_(None),
        ))
        .where(col(RequiredQualification.opportunity_id) == shift.opportunity_id)
    )
    return [(qualification_id, expires_at) for qualification_id, held_id, expires_at in rows
            if held_id is None or (expires_at is not None and expires_at < shift.ends_at)]


async def qualified_for(session: AsyncSession, *, volunteer_id: int, shift: Shift) -> bool:
    """Whether the volunteer holds, until the shift's end, every qualification it requires."""
    return not await _lacking(session, volunteer_id=volunteer_id, shift=shift)


async def missing_for_shift(
    session: AsyncSession, *, volunteer_id: int, shift: Shift, now: datetime
) -> list[MissingQualification]:
    """What the volunteer lacks for this shift (empty when nothing is required), each with the
    next session of a course that grants it."""
    missing = []
    for qualification_id, expires_at in await _lacking(session, volunteer_id=volunteer_id, shift=shift):
        qualification = await session.get(Qualification, qualification_id)
        assert qualification is not None
        found = await next_course_session(session, qualification_id=qualification_id, now=now)
        missing.append(MissingQualification(
            qualification, expires_at=expires_at, course=found[1] if found else None, next_session=found[0] if found else None,
        ))
    missing.sort(key=lambda item: item.qualification.code)
    return missing


async def next_course_session(session: AsyncSession, *, qualification_id: int, now: datetime) -> tuple[Shift, Opportunity] | None:
    """The soonest shift not yet started of a published course granting this qualification."""
    row = (
        await session.execute(
            select(Shift, Opportunity)
            .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .join(CourseQualification, col(CourseQualification.opportunity_id) == col(Opportunity.id))
            .where(
                col(CourseQualification.qualification_id) == qualification_id,
                col(Opportunity.status) == OpportunityStatus.PUBLISHED,
                col(Shift.status) == ShiftStatus.ACTIVE,
                col(Shift.starts_at) > now,
            )
            .order_by(col(Shift.starts_at))
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else None


# --- granting and revoking ------------------------------------------------------------------------


async def _held(session: AsyncSession, *, volunteer_id: int, qualification_id: int) -> VolunteerQualification | None:
    result = await session.execute(
        select(VolunteerQualification)
        .where(col(VolunteerQualification.volunteer_id) == volunteer_id,
               col(VolunteerQualification.qualification_id) == qualification_id)
        .with_for_update()
    )
    return result.scalar_one_or_none()


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later expiry; None (for good) is the latest."""
    return None if a is None or b is None else max(a, b)


async def _grant(
    session: AsyncSession, *, volunteer: Volunteer, qualification: Qualification, granted_at: datetime, now: datetime,
    source: QualificationSource, attendance_id: int | None = None, by: int | None = None, reason: str | None = None,
) -> VolunteerQualification:
    """Grant (or renew) and queue the notice; a renewal never shortens a validity still running."""
    assert volunteer.id is not None and qualification.id is not None
    expires_at = expiry_of(qualification, granted_at)
    grant = await _held(session, volunteer_id=volunteer.id, qualification_id=qualification.id)
    if grant is None:
        grant = VolunteerQualification(volunteer_id=volunteer.id, qualification_id=qualification.id, granted_at=granted_at,
                                       expires_at=expires_at, source=source)
        try:
            async with session.begin_nested():
                session.add(grant)
        except IntegrityError:  # granted concurrently: renew that row instead
            found = await _held(session, volunteer_id=volunteer.id, qualification_id=qualification.id)
            assert found is not None
            grant = found
    elif grant.revoked_at is None and (grant.expires_at is None or grant.expires_at >= now):
        expires_at = _later(grant.expires_at, expires_at)
    grant.granted_at, grant.expires_at, grant.source = granted_at, expires_at, source
    grant.attendance_id, grant.granted_by_telegram_id, grant.reason = attendance_id, by, reason
    grant.revoked_at = grant.revoked_by_telegram_id = grant.revoke_reason = None
    await session.flush()
    await enqueue(
        session, key=f"qualification-granted:{grant.id}:{now.isoformat()}", chat_id=volunteer.telegram_id,
        volunteer_id=volunteer.id, kind=NoticeKind.QUALIFICATION_GRANTED, payload={"grant_id": grant.id},
        now=now, priority=PRIORITY_NOTICE,
    )
    return grant


async def grant_for_attendance(session: AsyncSession, *, attendance: Attendance, now: datetime) -> VolunteerQualification | None:
    """Grant the course's qualification when this record of it is now complete and confirmed
    (checked out, not pending review, minutes credited); None when it is not a course, or the
    record is not complete yet, or it already granted it (a later correction of the same record;
    also when a coordinator withdrew what it granted since: that stays withdrawn)."""
    if attendance.shift_id is None or attendance.checked_out_at is None or attendance.flagged or attendance.credited_minutes <= 0:
        return None
    qualification = (
        await session.execute(
            select(Qualification)
            .join(CourseQualification, col(CourseQualification.qualification_id) == col(Qualification.id))
            .join(Shift, col(Shift.opportunity_id) == col(CourseQualification.opportunity_id))
            .where(col(Shift.id) == attendance.shift_id)
        )
    ).scalar_one_or_none()
    if qualification is None:
        return None
    assert qualification.id is not None
    held = await _held(session, volunteer_id=attendance.volunteer_id, qualification_id=qualification.id)
    if held is not None and held.attendance_id == attendance.id:
        return None
    volunteer = await session.get(Volunteer, attendance.volunteer_id)
    assert volunteer is not None
    grant = await _grant(session, volunteer=volunteer, qualification=qualification, granted_at=attendance.checked_out_at,
                         now=now, source=QualificationSource.COURSE, attendance_id=attendance.id)
    await record_action(
        session, actor_telegram_id=None, action="qualification.course", target=f"volunteer:{volunteer.telegram_id}",
        detail=f"{qualification.code} from attendance:{attendance.id}, expires {grant.expires_at}", now=now,
    )
    return grant


class HandOutcome(StrEnum):
    GRANTED = "granted"
    REVOKED = "revoked"
    REASON = "reason"  # too short or too long to explain anything
    NOT_HELD = "not_held"  # nothing to revoke


@dataclass
class HandResult:
    outcome: HandOutcome
    grant: VolunteerQualification | None = None


def clean_reason(reason: str) -> str | None:
    cleaned = " ".join(reason.split())
    return cleaned if REASON_MIN <= len(cleaned) <= REASON_MAX else None


async def grant_by_hand(
    session: AsyncSession, *, volunteer: Volunteer, qualification: Qualification, reason: str, actor_telegram_id: int, now: datetime
) -> HandResult:
    """A coordinator grants (or renews) a qualification from now, with a reason; audited, the
    volunteer is told. Whether they may is the caller's check (models.coordination.authorize)."""
    cleaned = clean_reason(reason)
    if cleaned is None:
        return HandResult(HandOutcome.REASON)
    grant = await _grant(session, volunteer=volunteer, qualification=qualification, granted_at=now, now=now,
                         source=QualificationSource.MANUAL, by=actor_telegram_id, reason=cleaned)
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="qualification.grant", target=f"volunteer:{volunteer.telegram_id}",
        detail=f"{qualification.code}, expires {grant.expires_at}: {cleaned}", now=now,
    )
    return HandResult(HandOutcome.GRANTED, grant)


async def revoke_by_hand(
    session: AsyncSession, *, volunteer: Volunteer, qualification: Qualification, reason: str, actor_telegram_id: int, now: datetime
) -> HandResult:
    """A coordinator takes a qualification back, with a reason; audited, the volunteer is told.
    Seats they already hold stay theirs (a coordinator cancels them if need be)."""
    cleaned = clean_reason(reason)
    if cleaned is None:
        return HandResult(HandOutcome.REASON)
    assert volunteer.id is not None and qualification.id is not None
    grant = await _held(session, volunteer_id=volunteer.id, qualification_id=qualification.id)
    if grant is None or grant.revoked_at is not None:
        return HandResult(HandOutcome.NOT_HELD)
    grant.revoked_at, grant.revoked_by_telegram_id, grant.revoke_reason = now, actor_telegram_id, cleaned
    await session.flush()
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="qualification.revoke", target=f"volunteer:{volunteer.telegram_id}",
        detail=f"{qualification.code} (granted {grant.granted_at.isoformat()} by {grant.source}) -> revoked: {cleaned}", now=now,
    )
    await enqueue(
        session, key=f"qualification-revoked:{grant.id}:{now.isoformat()}", chat_id=volunteer.telegram_id,
        volunteer_id=volunteer.id, kind=NoticeKind.QUALIFICATION_REVOKED, payload={"grant_id": grant.id},
        now=now, priority=PRIORITY_NOTICE,
    )
    return HandResult(HandOutcome.REVOKED, grant)


# --- the volunteer's page -------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldQualification:
    grant: VolunteerQualification
    qualification: Qualification
    # For one that has expired: the next session of a course that renews it (None: none scheduled).
    course: Opportunity | None = None
    next_session: Shift | None = None


async def qualifications_of(session: AsyncSession, *, volunteer_id: int, now: datetime) -> list[HeldQualification]:
    """What the volunteer holds (expired ones too, with where to renew them), not what was revoked."""
    rows = await session.execute(
        select(VolunteerQualification, Qualification)
        .join(Qualification, col(Qualification.id) == col(VolunteerQualification.qualification_id))
        .where(col(VolunteerQualification.volunteer_id) == volunteer_id, col(VolunteerQualification.revoked_at).is_(None))
        .order_by(col(Qualification.code))
    )
    held = []
    for grant, qualification in rows.all():
        if valid_until(grant, now):
            held.append(HeldQualification(grant, qualification))
            continue
        found = await next_course_session(session, qualification_id=grant.qualification_id, now=now)
        held.append(HeldQualification(grant, qualification, found[1] if found else None, found[0] if found else None))
    return held
