"""Seats offered close to the start: the volunteer accepts, declines, or lets the offer expire.

`promote_waitlist` (models.signups) makes the offer: within `OfferRules.window` of the start the
first in line gets the seat as "offered" with a deadline (never past the start) instead of
"confirmed". The seat is theirs meanwhile: it counts in `seats_taken`, so no newcomer and nobody
further down the line can take it. Then one of three things happens, each in the caller's
transaction and each checked again under the shift's lock (two taps, or a tap racing the sweep,
settle on one outcome):

- "Yes, I'll come" before the deadline: the seat is confirmed (and counts as "I'll be there").
- "No, thanks": the place is given up and the seat offered to the next in line at once.
- Silence: the sweep (`expire_offers`, every minute) gives it up at the deadline, tells the
  volunteer, and offers the seat to the next in line. A tap after the deadline does the same.

After the start nobody is offered anything: a seat that frees up then stays free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.qualifications import qualified_for
from models.signups import OfferRules, lock_shift, promote_waitlist, release_seat
from models.tables import Opportunity, Shift, Signup, SignupStatus, Volunteer

# Spelled as the partial index ix_signup_offered has it: a literal, not a bound parameter, so
# SQLite can tell the query only wants rows of that index.
OFFERED_ROWS = col(Signup.status) == bindparam("offered", SignupStatus.OFFERED.value, literal_execute=True)
SWEEP_LIMIT = 500


class OfferOutcome(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALREADY_ACCEPTED = "already_accepted"  # a second tap, or "no" after "yes" (cancel from /my)
    EXPIRED = "expired"  # the answer came too late, or the seat has passed on already
    NOT_YOURS = "not_yours"
    NOT_QUALIFIED = "not_qualified"  # a qualification required lapsed or was withdrawn since the offer: it passes on


@dataclass
class OfferResult:
    outcome: OfferOutcome
    signup: Signup | None = None
    shift: Shift | None = None
    opportunity: Opportunity | None = None


def is_open(signup: Signup, shift: Shift, now: datetime) -> bool:
    """An offer can still be accepted: before its deadline and before the start."""
    return (
        signup.status == SignupStatus.OFFERED
        and signup.offer_expires_at is not None
        and now < signup.offer_expires_at
        and now < shift.starts_at
    )


async def answer_offer(
    session: AsyncSession, *, volunteer: Volunteer, signup_id: int, accept: bool, now: datetime, offers: OfferRules
) -> OfferResult:
    """The volunteer's answer to a seat offered to them."""
    signup = await session.get(Signup, signup_id)
    if signup is None or signup.volunteer_id != volunteer.id:
        return OfferResult(OfferOutcome.NOT_YOURS)
    shift = await lock_shift(session, signup.shift_id)
    assert shift is not None
    await session.refresh(signup)
    opportunity = await session.get(Opportunity, shift.opportunity_id)

    def result(outcome: OfferOutcome) -> OfferResult:
        return OfferResult(outcome, signup, shift, opportunity)

    if signup.status == SignupStatus.CONFIRMED and signup.promoted_at is not None:
        return result(OfferOutcome.ALREADY_ACCEPTED)
    if signup.status != SignupStatus.OFFERED:
        return result(OfferOutcome.EXPIRED)
    if not is_open(signup, shift, now):
        await _pass_on(session, signup=signup, shift=shift, now=now, offers=offers, tell=False)
        return result(OfferOutcome.EXPIRED)
    if accept and not await qualified_for(session, volunteer_id=signup.volunteer_id, shift=shift):
        await _pass_on(session, signup=signup, shift=shift, now=now, offers=offers, tell=False)
        return result(OfferOutcome.NOT_QUALIFIED)
    if accept:
        # Saying yes to the offer is saying "I'll be there": the roster shows it.
        signup.status, signup.confirmed_at = SignupStatus.CONFIRMED, now
        await session.flush()
        return result(OfferOutcome.ACCEPTED)
    await _pass_on(session, signup=signup, shift=shift, now=now, offers=offers, tell=False)
    return result(OfferOutcome.DECLINED)


async def _pass_on(
    session: AsyncSession, *, signup: Signup, shift: Shift, now: datetime, offers: OfferRules, tell: bool
) -> list[Signup]:
    """The offered volunteer gives up their place; the seat goes to the next in line (offered in turn)."""
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    await release_seat(session, shift)
    if tell:
        await _tell_expired(session, signup=signup, now=now)
    return await promote_waitlist(session, shift=shift, now=now, offers=offers)


async def _tell_expired(session: AsyncSession, *, signup: Signup, now: datetime) -> None:
    volunteer = await session.get(Volunteer, signup.volunteer_id)
    assert volunteer is not None and signup.promoted_at is not None
    await enqueue(
        session,
        key=f"offer-expired:{signup.id}:{signup.promoted_at.isoformat()}",
        chat_id=volunteer.telegram_id,
        volunteer_id=volunteer.id,
        kind=NoticeKind.OFFER_EXPIRED,
        payload={"signup_id": signup.id},
        now=now,
        priority=PRIORITY_NOTICE,
    )


async def expire_offers(session: AsyncSession, *, now: datetime, offers: OfferRules, limit: int = SWEEP_LIMIT) -> int:
    """The sweep: offers whose deadline has passed (or whose shift has started, after a coordinator
    moved it earlier) pass to the next in line, and the silent volunteer is told. How many expired."""
    due = (
        select(col(Signup.id), col(Signup.shift_id))
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .where(OFFERED_ROWS, (col(Signup.offer_expires_at) <= now) | (col(Shift.starts_at) <= now))
        .order_by(col(Signup.offer_expires_at), col(Signup.id))
        .limit(limit)
    )
    expired = 0
    for signup_id, shift_id in list(await session.execute(due)):
        shift = await lock_shift(session, shift_id)
        signup = await session.get(Signup, signup_id, populate_existing=True)
        assert shift is not None and signup is not None
        if signup.status != SignupStatus.OFFERED or is_open(signup, shift, now):
            continue  # answered meanwhile
        await _pass_on(session, signup=signup, shift=shift, now=now, offers=offers, tell=True)
        expired += 1
    return expired
