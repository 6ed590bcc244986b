"""Loaders of the notices about a volunteer's qualifications (models.qualifications)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Attendance, Opportunity, Qualification, Shift, VolunteerQualification


@dataclass(frozen=True)
class QualificationFacts:
    grant: VolunteerQualification
    qualification: Qualification
    course: Opportunity | None = None  # the course attended, for a course's grant


async def _facts(session: AsyncSession, grant_id: int) -> QualificationFacts | None:
    grant = await session.get(VolunteerQualification, grant_id)
    if grant is None:
        return None
    qualification = await session.get(Qualification, grant.qualification_id)
    assert qualification is not None
    course = None
    if grant.attendance_id is not None:
        attendance = await session.get(Attendance, grant.attendance_id)
        shift = await session.get(Shift, attendance.shift_id) if attendance and attendance.shift_id else None
        course = await session.get(Opportunity, shift.opportunity_id) if shift else None
    return QualificationFacts(grant, qualification, course)


async def load_qualification_granted(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> QualificationFacts | None:
    facts = await _facts(session, int(payload["grant_id"]))
    return None if facts is None or facts.grant.revoked_at is not None else facts  # taken back meanwhile


async def load_qualification_revoked(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> QualificationFacts | None:
    facts = await _facts(session, int(payload["grant_id"]))
    return None if facts is None or facts.grant.revoked_at is None else facts  # granted again meanwhile
