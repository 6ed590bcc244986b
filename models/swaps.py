"""A volunteer who cannot come offers their seat to a teammate, who takes it with one tap.

The offer names one member of a team the giver belongs to. Taking it follows every rule of a
sign-up (models.signups.seat_refusal: the opportunity's gender, an overlapping shift, a place
already held, the start), checked when it is offered and again, under the shift's lock, when it
is taken. The seat moves in one transaction under that lock: the giver's sign-up is cancelled and
the teammate's confirmed together, `seats_taken` never changes, so there is no moment in which
the seat is free for anyone else to take. The offer ends at the shift's start (or when the giver
gives the seat up another way). A volunteer who would rather give the seat back to the waitlist
cancels it the usual way (models.signups.cancel_signup promotes the waitlist).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.signups import SignupResult, lock_shift, seat_refusal
from models.tables import (
    Opportunity,
    SeatSwap,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    SwapStatus,
    Team,
    TeamMember,
    TeamStatus,
    Volunteer,
)


async def teammates(session: AsyncSession, *, volunteer_id: int) -> list[Volunteer]:
    """Everyone who shares an active team with this volunteer (themselves excluded)."""
    mine: Any = aliased(TeamMember)  # an alias's columns are typed as their Python values
    theirs: Any = aliased(TeamMember)
    result = await session.execute(
        select(Volunteer)
        .join(theirs, theirs.volunteer_id == col(Volunteer.id))
        .join(mine, mine.team_id == theirs.team_id)
        .join(Team, col(Team.id) == theirs.team_id)
        .where(mine.volunteer_id == volunteer_id, col(Volunteer.id) != volunteer_id, col(Team.status) == TeamStatus.ACTIVE)
        .distinct()
        .order_by(col(Volunteer.display_name), col(Volunteer.id))
    )
    return list(result.scalars())


class SwapOutcome(StrEnum):
    OFFERED = "offered"
    TAKEN = "taken"  # the teammate accepted: the seat is theirs
    DECLINED = "declined"
    NOT_YOURS = "not_yours"  # not the giver's seat, or not the offer's recipient
    NOT_TEAMMATE = "not_teammate"
    STARTED = "started"  # the shift has started: the offer is over
    GONE = "gone"  # the seat was given up or offered to someone else, or already answered
    REFUSED = "refused"  # a sign-up rule refuses the teammate: `refusal` says which


@dataclass
class SwapResult:
    outcome: SwapOutcome
    swap: SeatSwap | None = None
    shift: Shift | None = None
    opportunity: Opportunity | None = None
    teammate: Volunteer | None = None
    refusal: SignupResult | None = None
    withdrawn: list[int] = field(default_factory=list)


async def _withdraw_open(session: AsyncSession, *, signup_id: int, now: datetime) -> None:
    await session.execute(
        update(SeatSwap)
        .where(col(SeatSwap.signup_id) == signup_id, col(SeatSwap.status) == SwapStatus.OFFERED)
        .values(status=SwapStatus.WITHDRAWN, answered_at=now)
    )


async def offer_swap(session: AsyncSession, *, volunteer: Volunteer, signup_id: int, teammate_id: int, now: datetime) -> SwapResult:
    """Offer the volunteer's confirmed seat to a teammate (who is told, with a button to take it)."""
    signup = await session.get(Signup, signup_id)
    if signup is None or signup.volunteer_id != volunteer.id:
        return SwapResult(SwapOutcome.NOT_YOURS)
    shift = await lock_shift(session, signup.shift_id)
    assert shift is not None and volunteer.id is not None
    await session.refresh(signup)
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    base = {"shift": shift, "opportunity": opportunity}
    if signup.status != SignupStatus.CONFIRMED or shift.status != ShiftStatus.ACTIVE:
        return SwapResult(SwapOutcome.GONE, **base)  # type: ignore[arg-type]
    if shift.starts_at <= now:
        return SwapResult(SwapOutcome.STARTED, **base)  # type: ignore[arg-type]
    teammate = next((v for v in await teammates(session, volunteer_id=volunteer.id) if v.id == teammate_id), None)
    if teammate is None:
        return SwapResult(SwapOutcome.NOT_TEAMMATE, **base)  # type: ignore[arg-type]
    refusal, _ = await seat_refusal(session, volunteer=teammate, shift=shift, opportunity=opportunity, now=now, from_waitlist=True)
    if refusal is not None:
        return SwapResult(SwapOutcome.REFUSED, teammate=teammate, refusal=refusal, **base)  # type: ignore[arg-type]
    await _withdraw_open(session, signup_id=signup_id, now=now)
    assert teammate.id is not None
    swap = SeatSwap(signup_id=signup_id, from_volunteer_id=volunteer.id, to_volunteer_id=teammate.id, offered_at=now)
    session.add(swap)
    await session.flush()
    await enqueue(
        session, key=f"swap-offered:{swap.id}", chat_id=teammate.telegram_id, volunteer_id=teammate.id,
        kind=NoticeKind.SWAP_OFFERED, payload={"swap_id": swap.id, "expires_at": shift.starts_at.isoformat()}, now=now, priority=PRIORITY_NOTICE,
    )
    return SwapResult(SwapOutcome.OFFERED, swap=swap, teammate=teammate, **base)  # type: ignore[arg-type]


def is_open(swap: SeatSwap, signup: Signup, shift: Shift, now: datetime) -> bool:
    """The offer can still be taken: nobody answered, the giver still holds the seat, before the start."""
    return (
        swap.status == SwapStatus.OFFERED
        and signup.status == SignupStatus.CONFIRMED
        and signup.volunteer_id == swap.from_volunteer_id
        and shift.status == ShiftStatus.ACTIVE
        and now < shift.starts_at
    )


async def answer_swap(session: AsyncSession, *, volunteer: Volunteer, swap_id: int, accept: bool, now: datetime) -> SwapResult:
    """The teammate takes the seat (it moves to them at once) or says no (the giver keeps it)."""
    swap = await session.get(SeatSwap, swap_id)
    if swap is None or swap.to_volunteer_id != volunteer.id:
        return SwapResult(SwapOutcome.NOT_YOURS)
    signup = await session.get(Signup, swap.signup_id)
    assert signup is not None and volunteer.id is not None
    shift = await lock_shift(session, signup.shift_id)
    assert shift is not None
    await session.refresh(signup)
    await session.refresh(swap)
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    base = {"swap": swap, "shift": shift, "opportunity": opportunity, "teammate": volunteer}
    if swap.status == SwapStatus.OFFERED and signup.status == SignupStatus.CONFIRMED and shift.starts_at <= now:
        return SwapResult(SwapOutcome.STARTED, **base)  # type: ignore[arg-type]
    if not is_open(swap, signup, shift, now):
        return SwapResult(SwapOutcome.GONE, **base)  # type: ignore[arg-type]
    if not accept:
        swap.status, swap.answered_at = SwapStatus.DECLINED, now
        await _tell_giver(session, swap=swap, now=now)
        return SwapResult(SwapOutcome.DECLINED, **base)  # type: ignore[arg-type]
    if not any(v.id == swap.from_volunteer_id for v in await teammates(session, volunteer_id=volunteer.id)):
        return SwapResult(SwapOutcome.NOT_TEAMMATE, **base)  # type: ignore[arg-type]  # one of them left the team
    refusal, existing = await seat_refusal(
        session, volunteer=volunteer, shift=shift, opportunity=opportunity, now=now, from_waitlist=True
    )
    if refusal is not None:
        return SwapResult(SwapOutcome.REFUSED, refusal=refusal, **base)  # type: ignore[arg-type]
    # The move: both rows change in this transaction, under the shift's lock; seats_taken stays.
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    if existing is None:
        assert shift.id is not None
        existing = Signup(shift_id=shift.id, volunteer_id=volunteer.id, status=SignupStatus.CONFIRMED, signed_up_at=now, confirmed_at=now)
        session.add(existing)
    else:
        existing.status, existing.signed_up_at, existing.cancelled_at = SignupStatus.CONFIRMED, now, None
        existing.offer_expires_at, existing.confirmed_at = None, now
    await session.flush()
    swap.status, swap.answered_at, swap.taken_signup_id = SwapStatus.ACCEPTED, now, existing.id
    await session.flush()
    await _withdraw_open(session, signup_id=signup.id or 0, now=now)
    await _tell_giver(session, swap=swap, now=now)
    return SwapResult(SwapOutcome.TAKEN, **base)  # type: ignore[arg-type]


async def _tell_giver(session: AsyncSession, *, swap: SeatSwap, now: datetime) -> None:
    giver = await session.get(Volunteer, swap.from_volunteer_id)
    assert giver is not None
    await enqueue(
        session, key=f"swap-answered:{swap.id}", chat_id=giver.telegram_id, volunteer_id=giver.id,
        kind=NoticeKind.SWAP_ANSWERED, payload={"swap_id": swap.id}, now=now, priority=PRIORITY_NOTICE,
    )
