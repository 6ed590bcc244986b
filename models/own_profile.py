"""/profile: the changes a registered volunteer makes to their own profile, each one audited.

Name, home center, phone, language and an emergency contact are theirs to change; the gender is
changed by a coordinator on their request (models.gender_requests). Names follow onboarding's rule
(models.volunteers.clean_display_name); phones are kept in models.phones' canonical form.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from models.phones import normalize_phone
from models.profiles import audit_profile_change
from models.tables import LANGUAGES, Center, Volunteer
from models.volunteers import InvalidName, clean_display_name, set_phone


class OwnChange(StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"
    INVALID_NAME = "invalid_name"
    INVALID_PHONE = "invalid_phone"
    UNKNOWN_CENTER = "unknown_center"
    UNKNOWN_LANGUAGE = "unknown_language"


async def change_name(session: AsyncSession, *, person: Volunteer, text: str, now: datetime) -> OwnChange:
    try:
        name = clean_display_name(text)
    except InvalidName:
        return OwnChange.INVALID_NAME
    if name == person.display_name:
        return OwnChange.UNCHANGED
    detail = f"name: {person.display_name or '-'} -> {name}"
    person.display_name = name
    await audit_profile_change(session, actor_telegram_id=person.telegram_id, person=person, field="name", detail=detail, now=now)
    return OwnChange.DONE


async def change_center(session: AsyncSession, *, person: Volunteer, center_id: int, now: datetime) -> OwnChange:
    center = await session.get(Center, center_id)
    if center is None:
        return OwnChange.UNKNOWN_CENTER
    if center.id == person.center_id:
        return OwnChange.UNCHANGED
    before = await session.get(Center, person.center_id) if person.center_id is not None else None
    detail = f"center: {before.code if before else '-'} -> {center.code}"
    person.center_id = center.id
    await audit_profile_change(session, actor_telegram_id=person.telegram_id, person=person, field="center", detail=detail, now=now)
    return OwnChange.DONE


async def change_phone(session: AsyncSession, *, person: Volunteer, shared: str | None, now: datetime) -> OwnChange:
    """Their own number shared again with the contact button, or None to remove it. The audit line
    says that it changed, not the numbers (the line outlives the number)."""
    before = person.phone
    if shared is None:
        person.phone = None
    else:
        set_phone(person, phone=shared)
    if person.phone == before:
        return OwnChange.UNCHANGED
    detail = "phone: removed" if person.phone is None else ("phone: changed" if before else "phone: added")
    await audit_profile_change(session, actor_telegram_id=person.telegram_id, person=person, field="phone", detail=detail, now=now)
    return OwnChange.DONE


async def change_language(session: AsyncSession, *, person: Volunteer, language: str, now: datetime) -> OwnChange:
    if language not in LANGUAGES:
        return OwnChange.UNKNOWN_LANGUAGE
    if language == person.language:
        return OwnChange.UNCHANGED
    detail = f"language: {person.language} -> {language}"
    person.language = language
    await audit_profile_change(session, actor_telegram_id=person.telegram_id, person=person, field="language", detail=detail, now=now)
    return OwnChange.DONE


def emergency_phone(text: str) -> str | None:
    """A typed emergency number in the canonical form (a Saudi mobile in any form, or an
    international one written with + or 00), or None when it is not a phone number."""
    return normalize_phone(text)


async def set_emergency_contact(
    session: AsyncSession, *, person: Volunteer, name: str, phone_text: str, now: datetime
) -> OwnChange:
    """Someone to call if something happens to them on a shift: a name (onboarding's rule) and a phone."""
    try:
        contact = clean_display_name(name)
    except InvalidName:
        return OwnChange.INVALID_NAME
    phone = emergency_phone(phone_text)
    if phone is None:
        return OwnChange.INVALID_PHONE
    if (contact, phone) == (person.emergency_name, person.emergency_phone):
        return OwnChange.UNCHANGED
    detail = "emergency contact: changed" if person.emergency_phone else "emergency contact: added"
    person.emergency_name, person.emergency_phone = contact, phone
    await audit_profile_change(session, actor_telegram_id=person.telegram_id, person=person, field="emergency", detail=detail, now=now)
    return OwnChange.DONE


async def remove_emergency_contact(session: AsyncSession, *, person: Volunteer, now: datetime) -> OwnChange:
    if person.emergency_name is None and person.emergency_phone is None:
        return OwnChange.UNCHANGED
    person.emergency_name = person.emergency_phone = None
    await audit_profile_change(
        session, actor_telegram_id=person.telegram_id, person=person, field="emergency", detail="emergency contact: removed", now=now
    )
    return OwnChange.DONE
