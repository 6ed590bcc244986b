"""A guardian's consent for a minor: asked with a link, given in Telegram or on paper, withdrawn.

A volunteer under 18 (models.ages) needs a guardian's consent before their first sign-up. The bot
gives them a `/start g-<code>` link to send their guardian; whoever opens it in Telegram, other
than the minor themselves (or another minor), sees what they consent to and confirms. A
coordinator of the minor's center (or an admin) may record a consent received on paper instead.
Either way the minor is told through the outbox, and every grant and withdrawal is audited.

A withdrawal blocks new sign-ups at once, and cancels the minor's places on shifts that have not
started (seats, waitlist places, seats offered): a freed seat goes to the waitlist as after any
cancellation. Attendance already recorded stays: hours are never lost. The link's code is
replaced, so an old link cannot grant consent again; the minor asks for a new one with /consent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.ages import is_minor
from models.audit import record_action
from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.signups import HELD, SEATED, OfferRules, lock_shift, promote_waitlist, release_seat
from models.tables import (
    Center,
    ConsentStatus,
    GuardianConsent,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Volunteer,
)

LINK_PREFIX = "g-"
NOTE_MAX = 300


def new_code() -> str:
    """The link's secret: 16 URL-safe characters (96 bits), fit for a /start payload."""
    return secrets.token_urlsafe(12)


async def consent_of(session: AsyncSession, *, volunteer_id: int) -> GuardianConsent | None:
    result = await session.execute(select(GuardianConsent).where(col(GuardianConsent.volunteer_id) == volunteer_id))
    return result.scalar_one_or_none()


async def request_consent(session: AsyncSession, *, volunteer: Volunteer, now: datetime) -> GuardianConsent:
    """The minor's consent row, created with its link's code on the first request."""
    assert volunteer.id is not None
    consent = await consent_of(session, volunteer_id=volunteer.id)
    if consent is not None:
        return consent
    consent = GuardianConsent(volunteer_id=volunteer.id, code=new_code(), created_at=now)
    try:
        async with session.begin_nested():
            session.add(consent)
    except IntegrityError:  # two requests of one minor raced; the other one made the row
        found = await consent_of(session, volunteer_id=volunteer.id)
        assert found is not None
        return found
    return consent


@dataclass
class GuardianPage:
    """What the person who opened a guardian link is shown."""

    consent: GuardianConsent
    minor: Volunteer
    center: Center | None


async def guardian_page(session: AsyncSession, *, code: str, lock: bool = False) -> GuardianPage | None:
    """The consent this link's code belongs to, with the minor; None for an unknown or old link.
    lock: FOR UPDATE (PostgreSQL), so two presses of one guardian's buttons are applied one by one."""
    query = select(GuardianConsent).where(col(GuardianConsent.code) == code)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    consent = (await session.execute(query)).scalar_one_or_none()
    if consent is None:
        return None
    minor = await session.get(Volunteer, consent.volunteer_id)
    assert minor is not None
    center = await session.get(Center, minor.center_id) if minor.center_id is not None else None
    return GuardianPage(consent, minor, center)


class GrantOutcome(StrEnum):
    GRANTED = "granted"
    ALREADY = "already"  # consent is on record already
    SELF = "self"  # the minor opened their own link
    MINOR = "minor"  # the person who opened it is a minor themselves
    UNKNOWN = "unknown"  # no such link (never made, or replaced after a withdrawal)


def _is_own(page: GuardianPage, telegram_id: int) -> bool:
    return page.minor.telegram_id == telegram_id


async def grant_consent(
    session: AsyncSession, *, code: str, guardian: Volunteer, now: datetime
) -> tuple[GrantOutcome, GuardianPage | None]:
    """The guardian confirms in Telegram. `guardian` is whoever pressed (need not be registered)."""
    page = await guardian_page(session, code=code, lock=True)
    if page is None:
        return GrantOutcome.UNKNOWN, None
    if _is_own(page, guardian.telegram_id):
        return GrantOutcome.SELF, page
    if is_minor(guardian, on=now):
        return GrantOutcome.MINOR, page
    if page.consent.status == ConsentStatus.GRANTED:
        return GrantOutcome.ALREADY, page
    _grant(page.consent, method="telegram", now=now, guardian_telegram_id=guardian.telegram_id)
    await record_action(session, actor_telegram_id=guardian.telegram_id, action="consent.grant",
                        target=f"volunteer:{page.minor.telegram_id}", detail="telegram", now=now)
    await _tell_minor(session, consent=page.consent, minor=page.minor, event="granted", now=now)
    return GrantOutcome.GRANTED, page


def _grant(consent: GuardianConsent, *, method: str, now: datetime, guardian_telegram_id: int | None = None,
           recorded_by: int | None = None, note: str | None = None) -> None:
    consent.status, consent.method, consent.granted_at, consent.withdrawn_at = ConsentStatus.GRANTED, method, now, None
    consent.guardian_telegram_id, consent.recorded_by_telegram_id, consent.note = guardian_telegram_id, recorded_by, note


class PaperOutcome(StrEnum):
    RECORDED = "recorded"
    WITHDRAWN = "withdrawn"
    NOT_MINOR = "not_minor"  # not known to be under 18: no consent is needed
    ALREADY = "already"  # consent is on record already (recording) / none is (withdrawing)
    NOTE = "note"  # a note is required: what was received, from whom


async def record_paper_consent(
    session: AsyncSession, *, minor: Volunteer, actor_telegram_id: int, note: str, now: datetime
) -> PaperOutcome:
    """A coordinator records a consent received on paper (the caller checked they may)."""
    note = " ".join(note.split())[:NOTE_MAX]
    if len(note) < 3:
        return PaperOutcome.NOTE
    if not is_minor(minor, on=now):
        return PaperOutcome.NOT_MINOR
    consent = await request_consent(session, volunteer=minor, now=now)
    if consent.status == ConsentStatus.GRANTED:
        return PaperOutcome.ALREADY
    _grant(consent, method="paper", now=now, recorded_by=actor_telegram_id, note=note)
    await record_action(session, actor_telegram_id=actor_telegram_id, action="consent.paper",
                        target=f"volunteer:{minor.telegram_id}", detail=note, now=now)
    await _tell_minor(session, consent=consent, minor=minor, event="granted", now=now)
    return PaperOutcome.RECORDED


class WithdrawOutcome(StrEnum):
    WITHDRAWN = "withdrawn"
    NOT_GRANTED = "not_granted"  # nothing to withdraw (never given, or withdrawn already)
    NOT_THEIRS = "not_theirs"  # only the guardian who gave it withdraws it in Telegram
    UNKNOWN = "unknown"


@dataclass
class Withdrawal:
    outcome: WithdrawOutcome
    page: GuardianPage | None = None
    cancelled: int = 0  # places on upcoming shifts given up


async def withdraw_by_guardian(
    session: AsyncSession, *, code: str, guardian_telegram_id: int, now: datetime, offers: OfferRules
) -> Withdrawal:
    """The guardian who consented in Telegram takes it back (their link, their account)."""
    page = await guardian_page(session, code=code, lock=True)
    if page is None:
        return Withdrawal(WithdrawOutcome.UNKNOWN)
    if page.consent.status != ConsentStatus.GRANTED:
        return Withdrawal(WithdrawOutcome.NOT_GRANTED, page)
    if page.consent.guardian_telegram_id != guardian_telegram_id:
        return Withdrawal(WithdrawOutcome.NOT_THEIRS, page)
    cancelled = await _withdraw(session, page=page, actor_telegram_id=guardian_telegram_id, note=None, now=now, offers=offers)
    return Withdrawal(WithdrawOutcome.WITHDRAWN, page, cancelled)


async def withdraw_on_paper(
    session: AsyncSession, *, minor: Volunteer, actor_telegram_id: int, note: str, now: datetime, offers: OfferRules
) -> Withdrawal:
    """A coordinator records that the guardian withdrew their consent (the caller checked they may)."""
    note = " ".join(note.split())[:NOTE_MAX]
    assert minor.id is not None
    consent = await consent_of(session, volunteer_id=minor.id)
    if consent is None or consent.status != ConsentStatus.GRANTED:
        return Withdrawal(WithdrawOutcome.NOT_GRANTED)
    center = await session.get(Center, minor.center_id) if minor.center_id is not None else None
    page = GuardianPage(consent, minor, center)
    cancelled = await _withdraw(session, page=page, actor_telegram_id=actor_telegram_id, note=note, now=now, offers=offers)
    return Withdrawal(WithdrawOutcome.WITHDRAWN, page, cancelled)


async def _withdraw(
    session: AsyncSession, *, page: GuardianPage, actor_telegram_id: int, note: str | None, now: datetime, offers: OfferRules
) -> int:
    consent, minor = page.consent, page.minor
    consent.status, consent.withdrawn_at, consent.code = ConsentStatus.WITHDRAWN, now, new_code()
    cancelled = await cancel_upcoming_places(session, volunteer=minor, now=now, offers=offers)
    await record_action(session, actor_telegram_id=actor_telegram_id, action="consent.withdraw",
                        target=f"volunteer:{minor.telegram_id}", detail=f"{note or 'telegram'}; cancelled {cancelled} places", now=now)
    await _tell_minor(session, consent=consent, minor=minor, event="withdrawn", now=now, cancelled=cancelled)
    return cancelled


async def cancel_upcoming_places(session: AsyncSession, *, volunteer: Volunteer, now: datetime, offers: OfferRules) -> int:
    """Give up every place the volunteer holds on shifts not yet started; freed seats go to the waitlist."""
    rows = await session.execute(
        select(col(Signup.id), col(Signup.shift_id))
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .where(col(Signup.volunteer_id) == volunteer.id, col(Signup.status).in_(HELD),
               col(Shift.starts_at) > now, col(Shift.status) == ShiftStatus.ACTIVE)
        .order_by(col(Shift.starts_at))
    )
    cancelled = 0
    for signup_id, shift_id in rows.all():
        shift = await lock_shift(session, shift_id)
        signup = await session.get(Signup, signup_id, populate_existing=True)
        if shift is None or signup is None or signup.status not in HELD:
            continue
        had_seat = signup.status in SEATED
        signup.status, signup.cancelled_at, signup.offer_expires_at = SignupStatus.CANCELLED, now, None
        cancelled += 1
        if had_seat:
            await release_seat(session, shift)
            await promote_waitlist(session, shift=shift, now=now, offers=offers)
    await session.flush()
    return cancelled


async def _tell_minor(
    session: AsyncSession, *, consent: GuardianConsent, minor: Volunteer, event: str, now: datetime, cancelled: int = 0
) -> None:
    kind = NoticeKind.GUARDIAN_CONSENT_GIVEN if event == "granted" else NoticeKind.GUARDIAN_CONSENT_WITHDRAWN
    await enqueue(
        session,
        key=f"consent-{event}:{consent.id}:{now.isoformat()}",
        chat_id=minor.telegram_id,
        volunteer_id=minor.id,
        kind=kind,
        payload={"consent_id": consent.id, "cancelled": cancelled},
        now=now,
        priority=PRIORITY_NOTICE,
    )
