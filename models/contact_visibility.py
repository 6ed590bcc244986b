"""Who sees a volunteer's phone number (issue 13, "who sees what").

A phone number is shown only to the program's admins and to the coordinators of the volunteer's
own (home) center. A coordinator of another center who meets the volunteer on one of their shifts,
or finds them in /records, sees their name and records, never their phone. Every view of a phone
by staff (a roster's phone list, a record card, an export with phones) is written to the audit log.

Emergency contacts (added in the profile branch) are personal contact data of the same kind and
must follow this same rule: shown only where `sees_contact` is true, and audited the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import record_action
from models.coordination import Actor
from models.tables import Volunteer


def sees_contact(actor: Actor, volunteer: Volunteer) -> bool:
    """Admins, and coordinators of the volunteer's home center."""
    return actor.is_admin or (volunteer.center_id is not None and volunteer.center_id in actor.center_ids)


def visible_phones(actor: Actor, volunteers: Iterable[Volunteer]) -> dict[int, str]:
    """volunteer id -> phone, for those of them whose phone this actor may see (and who gave one)."""
    return {v.id: v.phone for v in volunteers if v.id is not None and v.phone and sees_contact(actor, v)}


async def audit_contact_view(
    session: AsyncSession, *, actor: Actor, action: str, target: str, shown: int, hidden: int, now: datetime
) -> None:
    """One audit line per view of personal data: what was looked at and how many phones it showed."""
    await record_action(session, actor_telegram_id=actor.telegram_id, action=action, target=target,
                        detail=f"phones shown {shown}, hidden {hidden}", now=now)
