"""Volunteers: registration (onboarding), language and profile."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.numerals import ascii_digits
from models.phones import normalize_phone
from models.tables import Center, Gender, OnboardingStep, Role, Volunteer

NAME_MIN, NAME_MAX = 2, 64
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


class InvalidName(ValueError):
    """A display name that is empty, too long or made of control characters."""


# Built once: it runs for every update (see models.updates for why that is cheaper).
_BY_TELEGRAM_ID = select(Volunteer).where(col(Volunteer.telegram_id) == bindparam("telegram_id"))


async def get_volunteer(session: AsyncSession, *, telegram_id: int) -> Volunteer | None:
    """The volunteer with this Telegram id, if they ever wrote to the bot."""
    result = await session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})
    return result.scalar_one_or_none()


async def get_volunteer_by_id(session: AsyncSession, *, volunteer_id: int) -> Volunteer | None:
    """The volunteer with this row id (a button names one)."""
    return await session.get(Volunteer, volunteer_id)


async def get_or_create_volunteer(
    session: AsyncSession,
    *,
    telegram_id: int,
    language: str,
    now: datetime,
    role: Role = Role.VOLUNTEER,
) -> Volunteer:
    """The volunteer for this Telegram id, created (not yet registered) on first contact."""
    volunteer = await get_volunteer(session, telegram_id=telegram_id)
    if volunteer is None:
        volunteer = Volunteer(telegram_id=telegram_id, language=language, role=role, created_at=now)
        try:
            async with session.begin_nested():
                session.add(volunteer)
        except IntegrityError:
            # Two updates of one new user raced; the other one created the row.
            volunteer = await get_volunteer(session, telegram_id=telegram_id)
            assert volunteer is not None
    if role == Role.ADMIN and volunteer.role != Role.ADMIN:
        # An admin from COORDINATOR_IDS: the setting, not an earlier /role grant, holds the role
        # now, so removing the id from the setting takes it away again (models.coordination).
        volunteer.role, volunteer.role_granted_by, volunteer.role_granted_at = Role.ADMIN, None, None
    # Refreshed at most every few minutes: one UPDATE fewer on almost every update.
    if volunteer.last_seen_at is None or now - volunteer.last_seen_at >= LAST_SEEN_RESOLUTION:
        volunteer.last_seen_at = now
    # Writing to the bot again makes a volunteer who once blocked it reachable again.
    if not volunteer.reachable:
        volunteer.reachable = True
    return volunteer


def is_registered(volunteer: Volunteer) -> bool:
    return volunteer.onboarding_step is None


def clean_display_name(text: str) -> str:
    """A display name fit to show others, or InvalidName."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    if not NAME_MIN <= len(name) <= NAME_MAX or name.startswith("/"):
        raise InvalidName(name)
    return name


def choose_language(volunteer: Volunteer, *, language: str) -> None:
    """Set the language; during onboarding this also moves to the name step."""
    volunteer.language = language
    if volunteer.onboarding_step == OnboardingStep.LANGUAGE:
        volunteer.onboarding_step = OnboardingStep.NAME


def set_display_name(volunteer: Volunteer, *, text: str, ask_birth_year: bool = False) -> None:
    """Keep the name; onboarding goes on to the year of birth (when asked, issue 13) or the phone."""
    volunteer.display_name = clean_display_name(text)
    if volunteer.onboarding_step == OnboardingStep.NAME:
        volunteer.onboarding_step = OnboardingStep.BIRTH_YEAR if ask_birth_year else OnboardingStep.PHONE


def set_birth_year(volunteer: Volunteer, *, year: int | None) -> None:
    """Keep the year of birth (None when skipped) and move on to the phone (models.ages)."""
    volunteer.birth_year = year
    if volunteer.onboarding_step == OnboardingStep.BIRTH_YEAR:
        volunteer.onboarding_step = OnboardingStep.PHONE


def set_phone(volunteer: Volunteer, *, phone: str | None) -> None:
    """Keep the shared phone number (or none when skipped) and move on to the center."""
    if phone is not None:
        # Telegram gives a contact's number in international form, with or without the "+".
        digits = "".join(ch for ch in ascii_digits(phone) if ch.isdigit())
        volunteer.phone = normalize_phone(phone, international=True) or (("+" + digits) if digits else None)
    if volunteer.onboarding_step == OnboardingStep.PHONE:
        volunteer.onboarding_step = OnboardingStep.CENTER


# The onboarding steps at which each onboarding answer counts. The center may still be changed
# from its list while the gender is asked; once registered, an old or forged onboarding button
# (`gen:v1:female`, `ctr:v1:<id>`) changes nothing: a registered man cannot become a woman to
# take a women-only shift, nor move himself into another coordinator's center.
ANSWERED_AT: dict[str, tuple[OnboardingStep, ...]] = {
    "center": (OnboardingStep.CENTER, OnboardingStep.GENDER),
    "gender": (OnboardingStep.GENDER,),
}


def accepts_onboarding_answer(volunteer: Volunteer, answer: str) -> bool:
    """Is this onboarding answer ("center", "gender") still open to this volunteer?"""
    return volunteer.onboarding_step in ANSWERED_AT[answer]


async def set_center(session: AsyncSession, volunteer: Volunteer, *, center_id: int) -> bool:
    """Pick a center during onboarding; False when no such center exists or it is not asked now."""
    if not accepts_onboarding_answer(volunteer, "center") or await session.get(Center, center_id) is None:
        return False
    volunteer.center_id = center_id
    if volunteer.onboarding_step == OnboardingStep.CENTER:
        volunteer.onboarding_step = OnboardingStep.GENDER
    return True


def set_gender(volunteer: Volunteer, *, gender: str, now: datetime) -> bool:
    """Record the gender, the last onboarding step; False when it is not asked now."""
    if not accepts_onboarding_answer(volunteer, "gender"):
        return False
    volunteer.gender = Gender(gender).value
    if volunteer.onboarding_step == OnboardingStep.GENDER:
        volunteer.onboarding_step = None
        volunteer.registered_at = now
    return True


def read_conversation(volunteer: Volunteer) -> dict[str, Any]:
    """The half-done conversation kept on the volunteer's row (empty when none)."""
    return parse_conversation(volunteer.conversation)


def parse_conversation(raw: str | None) -> dict[str, Any]:
    """The `volunteer.conversation` column's JSON as a dict (empty when none or unreadable)."""
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def conversation_of(session: AsyncSession, *, telegram_id: int) -> dict[str, Any]:
    """The conversation on this Telegram id's row, read without loading the volunteer."""
    result = await session.execute(select(col(Volunteer.conversation)).where(col(Volunteer.telegram_id) == telegram_id))
    return parse_conversation(result.scalar_one_or_none())


async def find_volunteer(session: AsyncSession, *, telegram_id_or_phone: str) -> Volunteer | None:
    """The one volunteer a coordinator names by Telegram id or phone number (in any form a Saudi
    user types it); None when nobody, or more than one person, answers to it."""
    found = await volunteers_by_id_or_phone(session, text=telegram_id_or_phone, limit=2)
    return found[0] if len(found) == 1 else None


def telegram_id_in(text: str) -> int | None:
    """A Telegram id typed as plain digits (Arabic-Indic ones too); a leading 0 or + makes it a phone."""
    digits = ascii_digits(text.strip())
    if not digits.isascii() or not digits.isdigit() or digits.startswith("0") or len(digits) > 18:
        return None
    return int(digits)


def id_or_phone_clause(text: str) -> ColumnElement[bool] | None:
    """Matches the volunteers whose Telegram id or phone this text is; None when it is neither."""
    phone, telegram_id = normalize_phone(text), telegram_id_in(text)
    clauses = []
    if phone is not None:
        clauses.append(col(Volunteer.phone) == phone)
    if telegram_id is not None:
        clauses.append(col(Volunteer.telegram_id) == telegram_id)
    return or_(*clauses) if clauses else None


async def volunteers_by_id_or_phone(session: AsyncSession, *, text: str, limit: int = 10) -> list[Volunteer]:
    """Everyone whose Telegram id or phone this text is (a family may share one phone)."""
    clause = id_or_phone_clause(text)
    if clause is None:
        return []
    query = select(Volunteer).where(clause).order_by(col(Volunteer.id)).limit(limit)
    return list((await session.execute(query)).scalars())


def write_conversation(volunteer: Volunteer, data: dict[str, Any] | None) -> None:
    volunteer.conversation = json.dumps(data, ensure_ascii=False) if data else None


async def list_centers(session: AsyncSession) -> list[Center]:
    result = await session.execute(select(Center).order_by(col(Center.id)))
    return list(result.scalars())
