"""Loaders of the thank-you messages: first shift, hour milestones, International Volunteer Day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.milestones import YearFigures, year_figures
from models.notices.journey import AttendanceFacts, attendance_facts
from models.tables import Volunteer


@dataclass(frozen=True)
class FirstShiftFacts:
    volunteer: Volunteer
    shift: AttendanceFacts


@dataclass(frozen=True)
class MilestoneFacts:
    volunteer: Volunteer
    hours: int


@dataclass(frozen=True)
class VolunteerDayFacts:
    volunteer: Volunteer
    figures: YearFigures


async def load_first_shift(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> FirstShiftFacts | None:
    volunteer = await session.get(Volunteer, int(payload["volunteer_id"]))
    facts = await attendance_facts(session, int(payload["attendance_id"]))
    if volunteer is None or facts is None:
        return None
    return FirstShiftFacts(volunteer, facts)


async def load_milestone(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> MilestoneFacts | None:
    volunteer = await session.get(Volunteer, int(payload["volunteer_id"]))
    return None if volunteer is None else MilestoneFacts(volunteer, int(payload["hours"]))


async def load_volunteer_day(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> VolunteerDayFacts | None:
    volunteer = await session.get(Volunteer, int(payload["volunteer_id"]))
    if volunteer is None:
        return None
    figures = await year_figures(session, volunteer_id=int(payload["volunteer_id"]), year=int(payload["year"]), zone=zone)
    return VolunteerDayFacts(volunteer, figures)
