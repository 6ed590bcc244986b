"""/deleteme: a person's data erased, their hours kept in the program's anonymous totals.

What goes: name, phone, emergency contact, pass, half-done conversation, roles, the Telegram id
(replaced by `personal_data.anonymous_key`, a negative number no Telegram user has), their wrong
check-in codes, their coming sign-ups (seats released to the waitlist through the cancel path), the
content of every message queued to or sent to them (pending ones are dropped), and their name,
phone and Telegram id in the audit log. What stays, linked to the anonymous volunteer: attendance
and past sign-ups (official records: the program's hours, /stats), the home center, the gender and
the registration date (the program's counts of registered volunteers do not change).

Someone who writes to the bot again from the same Telegram account is a stranger to it: their old
row no longer carries that id, so onboarding starts afresh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import record_action
from models.certificates import erase_certificate_holder
from models.personal_data import (
    PERSON_COLUMNS,
    Link,
    OnErase,
    anonymous_key,
    audit_lines_about,
    phone_cores,
    table_named,
)
from models.signups import HELD, OfferRules, cancel_signup
from models.tables import (
    Attendance,
    AuditLog,
    OffSystemWork,
    OutboxMessage,
    OutboxStatus,
    Role,
    Shift,
    ShiftRating,
    Signup,
    Volunteer,
)

ERASED = "[erased]"
# Audit lines whose detail is the person's own data (a name before and after, an emergency contact).
PERSONAL_DETAIL_ACTIONS = ("profile.name", "profile.phone", "profile.emergency")
OPEN_OUTBOX = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)


# Every column of the volunteer's row is in one of these (a test checks it): a column added later
# must say whether erasure empties it.
ERASED_FIELDS = (
    "display_name", "phone", "emergency_name", "emergency_phone", "pending_gender", "pending_gender_at",
    "pass_token", "conversation", "role_granted_by", "role_granted_at", "last_seen_at", "birth_year",
)
SET_ON_ERASE = ("telegram_id", "role", "reminders_muted", "reachable", "erased_at", "digest_opt_in", "leaderboard_opt_in",
                "digest_since")
# Kept for the program's anonymous figures (registered volunteers by center and gender, and when).
KEPT_FIELDS = ("id", "language", "center_id", "gender", "onboarding_step", "created_at", "registered_at")


@dataclass
class Erasure:
    anonymous_id: int
    released_signups: list[int] = field(default_factory=list)
    dropped_messages: int = 0


def _secrets(volunteer: Volunteer) -> list[str]:
    """The texts to take out of free text, longest first (a full name before a part of it)."""
    texts = [volunteer.display_name, volunteer.emergency_name, volunteer.phone, volunteer.emergency_phone]
    texts += phone_cores(volunteer.phone) + phone_cores(volunteer.emergency_phone)
    return sorted({text for text in texts if text and len(text) >= 2}, key=len, reverse=True)


def scrub(text: str | None, *, secrets: list[str], telegram_id: int, anonymous_id: int) -> str | None:
    """Free text with the person's name, phones and Telegram id taken out."""
    if text is None:
        return None
    for secret in secrets:
        text = text.replace(secret, ERASED)
    return re.sub(rf"(?<!\d){telegram_id}(?!\d)", str(anonymous_id), text)


async def coming_signups(session: AsyncSession, *, volunteer_id: int, now: datetime) -> list[int]:
    """The places (seats, offers, waitlist) the person holds on shifts that have not started."""
    rows = await session.execute(
        select(col(Signup.id))
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .where(col(Signup.volunteer_id) == volunteer_id, col(Signup.status).in_(HELD), col(Shift.starts_at) > now)
        .order_by(col(Signup.id))
    )
    return [signup_id for signup_id in rows.scalars() if signup_id is not None]


async def erase_volunteer(session: AsyncSession, *, volunteer: Volunteer, now: datetime, offers: OfferRules) -> Erasure:
    """Erase this person's personal data, in the caller's transaction (all of it or nothing)."""
    assert volunteer.id is not None
    telegram_id, anonymous_id = volunteer.telegram_id, anonymous_key(volunteer.id)
    erasure = Erasure(anonymous_id)
    secrets = _secrets(volunteer)

    # Coming places are given up the way the volunteer would, so the waitlist moves up at once.
    for signup_id in await coming_signups(session, volunteer_id=volunteer.id, now=now):
        await cancel_signup(session, volunteer=volunteer, signup_id=signup_id, now=now, offers=offers)
        erasure.released_signups.append(signup_id)

    # The audit log: read before the ids change (its lines name the person by Telegram id).
    found_attendance: dict[tuple[Any, ...], dict[str, Any]] = {(a,): {} for a in (await session.execute(
        select(col(Attendance.id)).where(col(Attendance.volunteer_id) == volunteer.id))).scalars()}
    found_signups: dict[tuple[Any, ...], dict[str, Any]] = {(s,): {} for s in (await session.execute(
        select(col(Signup.id)).where(col(Signup.volunteer_id) == volunteer.id))).scalars()}
    lines = await audit_lines_about(session, volunteer=volunteer, found={"attendance": found_attendance, "signup": found_signups})
    for line in lines:
        personal = str(line["action"]).startswith(PERSONAL_DETAIL_ACTIONS)
        values: dict[str, Any] = {
            "target": scrub(line["target"], secrets=secrets, telegram_id=telegram_id, anonymous_id=anonymous_id),
            "detail": ERASED if personal and line["detail"] else
            scrub(line["detail"], secrets=secrets, telegram_id=telegram_id, anonymous_id=anonymous_id),
        }
        if line["actor_telegram_id"] == telegram_id:
            values["actor_telegram_id"] = anonymous_id
        await session.execute(update(AuditLog).where(col(AuditLog.id) == line["id"]).values(**values))

    # Messages to them: nothing more is sent, and what was sent keeps no content. The rows stay
    # (emptied) so a once-ever message's key stays taken; the retention sweep deletes them later.
    # By chat id alone (indexed): a row queued for a volunteer carries their chat id too.
    to_them = col(OutboxMessage.chat_id) == telegram_id
    dropped = await session.execute(
        update(OutboxMessage).where(to_them, col(OutboxMessage.status).in_(OPEN_OUTBOX))
        .values(status=OutboxStatus.DROPPED, last_error="the recipient's data was erased")
    )
    erasure.dropped_messages = int(dropped.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult
    await session.execute(update(OutboxMessage).where(to_them).values(chat_id=anonymous_id, payload="{}"))

    # Reasons coordinators typed for their off-system hours may name them.
    reasons = await session.execute(
        select(OffSystemWork).join(Attendance, col(Attendance.id) == col(OffSystemWork.attendance_id))
        .where(col(Attendance.volunteer_id) == volunteer.id)
    )
    for work in reasons.scalars():
        work.reason = scrub(work.reason, secrets=secrets, telegram_id=telegram_id, anonymous_id=anonymous_id) or ""

    # Their ratings stay in the figures (a score says nothing of who gave it); their words go.
    await session.execute(update(ShiftRating).where(col(ShiftRating.volunteer_id) == volunteer.id)
                          .values(comment=None, commented_at=None))

    # Every other column the registry declares, by what it says erasure does.
    for entry in PERSON_COLUMNS:
        if entry.on_erase in (OnErase.KEEP, OnErase.CUSTOM):
            continue
        table = table_named(entry.table)
        column = table.c[entry.column]
        match = column == (volunteer.id if entry.link == Link.VOLUNTEER_ID else telegram_id)
        if entry.on_erase == OnErase.DELETE:
            await session.execute(delete(table).where(match))
        else:  # ANONYMIZE
            await session.execute(update(table).where(match).values({entry.column: anonymous_id}))

    # Their certificates stay verifiable (a school may hold one), as "issued, holder removed".
    await erase_certificate_holder(session, volunteer_id=volunteer.id)

    for name in ERASED_FIELDS:
        setattr(volunteer, name, None)
    volunteer.telegram_id = anonymous_id
    volunteer.role = Role.VOLUNTEER
    volunteer.reminders_muted = True
    volunteer.reachable = False  # the sender closes anything queued to this row unsent
    volunteer.digest_opt_in = volunteer.leaderboard_opt_in = False
    volunteer.digest_since = None
    volunteer.erased_at = now
    await session.flush()
    await record_action(session, actor_telegram_id=anonymous_id, action="volunteer.erase", target=f"volunteer:{anonymous_id}",
                        detail=f"released {len(erasure.released_signups)}, dropped {erasure.dropped_messages}", now=now)
    return erasure
