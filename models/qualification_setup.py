"""Defining qualifications and linking them to opportunities: what a course grants, what an
opportunity requires (the rules that use them are in models.qualifications)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import record_action
from models.numerals import ascii_digits
from models.tables import CourseQualification, Opportunity, Qualification, RequiredQualification

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{1,63}")
MAX_VALIDITY_MONTHS = 120



class DefineProblem(StrEnum):
    FORMAT = "format"  # not four parts separated by |
    CODE = "code"
    NAME = "name"
    MONTHS = "months"


@dataclass(frozen=True)
class QualificationDraft:
    code: str
    name_ar: str
    name_en: str
    validity_months: int | None


def parse_definition(text: str) -> QualificationDraft | DefineProblem:
    """`code | name_ar | name_en | validity months` (the months may be empty or 0: for good)."""
    parts = [part.strip() for part in text.split("|")]
    if len(parts) == 3:
        parts.append("")
    if len(parts) != 4:
        return DefineProblem.FORMAT
    code, name_ar, name_en, months = parts
    code = code.lower()
    if not CODE.fullmatch(code):
        return DefineProblem.CODE
    if not (1 <= len(name_ar) <= 200 and 1 <= len(name_en) <= 200):
        return DefineProblem.NAME
    months = ascii_digits(months)
    if months and not (months.isdigit() and int(months) <= MAX_VALIDITY_MONTHS):
        return DefineProblem.MONTHS
    return QualificationDraft(code, name_ar, name_en, (int(months) or None) if months else None)


async def define_qualification(
    session: AsyncSession, *, draft: QualificationDraft, actor_telegram_id: int | None, now: datetime
) -> tuple[Qualification, bool]:
    """Create the qualification, or update the one with this code; True when it is new. Audited."""
    qualification = await qualification_by_code(session, code=draft.code)
    created = qualification is None
    before = "new" if qualification is None else f"{qualification.name_en} / {qualification.validity_months} months"
    if qualification is None:
        qualification = Qualification(code=draft.code, name_ar=draft.name_ar, name_en=draft.name_en, created_at=now)
        session.add(qualification)
    qualification.name_ar, qualification.name_en = draft.name_ar, draft.name_en
    qualification.validity_months = draft.validity_months
    await session.flush()
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="qualification.define", target=f"qualification:{draft.code}",
        detail=f"{before} -> {draft.name_en} / {draft.validity_months} months", now=now,
    )
    return qualification, created


async def qualification_by_code(session: AsyncSession, *, code: str) -> Qualification | None:
    result = await session.execute(select(Qualification).where(col(Qualification.code) == code.strip().lower()))
    return result.scalar_one_or_none()


async def all_qualifications(session: AsyncSession) -> list[Qualification]:
    return list((await session.execute(select(Qualification).order_by(col(Qualification.code)))).scalars())


async def make_course(session: AsyncSession, *, opportunity: Opportunity, qualification: Qualification) -> None:
    """Attending this opportunity (a training) grants the qualification from now on."""
    link = await session.get(CourseQualification, opportunity.id)
    if link is None:
        session.add(CourseQualification(opportunity_id=opportunity.id, qualification_id=qualification.id))  # type: ignore[arg-type]  # rows loaded from the database have their ids
    else:
        link.qualification_id = qualification.id  # type: ignore[assignment]  # rows loaded from the database have their ids
    await session.flush()


async def require_qualification(session: AsyncSession, *, opportunity: Opportunity, qualification: Qualification) -> None:
    """Volunteers must hold the qualification to sign up for this opportunity's shifts."""
    if await session.get(RequiredQualification, (opportunity.id, qualification.id)) is None:
        session.add(RequiredQualification(opportunity_id=opportunity.id, qualification_id=qualification.id))  # type: ignore[arg-type]  # rows loaded from the database have their ids
        await session.flush()


class LinkOutcome(StrEnum):
    LINKED = "linked"
    UNKNOWN_OPPORTUNITY = "unknown_opportunity"
    NOT_TRAINING = "not_training"  # only a training opportunity is a course


async def opportunity_by_ref(session: AsyncSession, *, ref: str) -> Opportunity | None:
    return (await session.execute(select(Opportunity).where(col(Opportunity.ref) == ref.strip()))).scalar_one_or_none()


async def link_opportunity(
    session: AsyncSession, *, opportunity: Opportunity, qualification: Qualification, grants: bool,
    actor_telegram_id: int, now: datetime,
) -> LinkOutcome:
    """Make the opportunity a course granting the qualification (grants=True; a training only),
    or make it require the qualification. Audited."""
    if grants and opportunity.category != "training":
        return LinkOutcome.NOT_TRAINING
    if grants:
        await make_course(session, opportunity=opportunity, qualification=qualification)
    else:
        await require_qualification(session, opportunity=opportunity, qualification=qualification)
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="qualification.link", target=f"opportunity:{opportunity.ref}",
        detail=f"{'grants' if grants else 'requires'} {qualification.code}", now=now,
    )
    return LinkOutcome.LINKED


@dataclass(frozen=True)
class OpportunityQualifications:
    requires: list[Qualification]
    grants: Qualification | None


async def opportunity_qualifications(session: AsyncSession, *, opportunity_id: int) -> OpportunityQualifications:
    """What an opportunity asks of its volunteers, and what attending it grants (a course)."""
    requires = await session.execute(
        select(Qualification).join(RequiredQualification, col(RequiredQualification.qualification_id) == col(Qualification.id))
        .where(col(RequiredQualification.opportunity_id) == opportunity_id).order_by(col(Qualification.code))
    )
    grants = await session.execute(
        select(Qualification).join(CourseQualification, col(CourseQualification.qualification_id) == col(Qualification.id))
        .where(col(CourseQualification.opportunity_id) == opportunity_id)
    )
    return OpportunityQualifications(list(requires.scalars()), grants.scalar_one_or_none())
