"""Sign-ups: seats, the waitlist and the rules that refuse a sign-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.ages import has_guardian_consent, is_minor, too_young
from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.qualifications import MissingQualification, missing_for_shift, qualified_for
from models.tables import (
    GenderRule,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Volunteer,
)

# A place on a shift: a seat (confirmed, or offered and held for an answer) or a waitlist place.
HELD = (SignupStatus.CONFIRMED.value, SignupStatus.OFFERED.value, SignupStatus.WAITLISTED.value)
# What takes one of the shift's seats (counted in col(Shift.seats_taken)).
SEATED = (SignupStatus.CONFIRMED.value, SignupStatus.OFFERED.value)


@dataclass(frozen=True)
class OfferRules:
    """Close to the start a freed seat is not given but offered: the next in line may be on their
    way elsewhere by now, and a seat given to someone who will not come is lost to the shift.
    They must accept within `answer_within` (never past the start), or it passes on."""

    window: timedelta = timedelta(hours=3)
    answer_within: timedelta = timedelta(minutes=30)

    def applies(self, shift: Shift, now: datetime) -> bool:
        return shift.starts_at - now < self.window

    def deadline(self, shift: Shift, now: datetime) -> datetime:
        return min(now + self.answer_within, shift.starts_at)


DEFAULT_OFFER_RULES = OfferRules()  # the settings' defaults, for callers that read no settings


class SignupOutcome(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    FULL = "full"  # no seat left; the volunteer may join the waitlist
    STARTED = "started"
    GENDER_MISMATCH = "gender_mismatch"
    OVERLAP = "overlap"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_WAITLISTED = "already_waitlisted"
    OFFERED = "offered"  # a seat is already held for them: they answer the offer
    UNAVAILABLE = "unavailable"  # unknown, cancelled or unpublished shift
    # Minors (issue 13, models.ages): below the opportunity's minimum age on the day of the shift,
    # or under 18 without a guardian's consent on record.
    TOO_YOUNG = "too_young"
    CONSENT_NEEDED = "consent_needed"
    NOT_QUALIFIED = "not_qualified"  # lacks a qualification the opportunity requires (issue 12)


@dataclass
class SignupResult:
    outcome: SignupOutcome
    shift: Shift | None = None
    opportunity: Opportunity | None = None
    signup: Signup | None = None
    waitlist_position: int | None = None
    conflict: Shift | None = None
    # NOT_QUALIFIED: what they lack, and the course sessions that grant it.
    missing: list[MissingQualification] = field(default_factory=list)


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"
    LEFT_WAITLIST = "left_waitlist"
    NOT_YOURS = "not_yours"
    ALREADY_CANCELLED = "already_cancelled"
    STARTED = "started"


@dataclass
class CancelResult:
    outcome: CancelOutcome
    signup: Signup | None = None
    shift: Shift | None = None
    promoted: list[Signup] = field(default_factory=list)


async def lock_shift(session: AsyncSession, shift_id: int) -> Shift | None:
    # FOR UPDATE serialises sign-ups per shift on PostgreSQL; SQLite already holds its write lock.
    result = await session.execute(
        select(Shift).where(col(Shift.id) == shift_id).with_for_update().execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def _overlapping_shift(
    session: AsyncSession, *, volunteer_id: int, shift: Shift
) -> Shift | None:
    result = await session.execute(
        select(Shift)
        .join(Signup, col(Signup.shift_id) == col(Shift.id))
        .where(
            col(Signup.volunteer_id) == volunteer_id,
            col(Signup.status).in_(SEATED),  # a seat held for them is theirs to take
            col(Shift.id) != shift.id,
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.starts_at) < shift.ends_at,
            col(Shift.ends_at) > shift.starts_at,
        )
        .limit(1)
    )
    return result.scalar_one_or_none()


async def _take_seat(session: AsyncSession, shift_id: int) -> bool:
    """Take one seat if any is left, in one guarded UPDATE that cannot overfill."""
    result = await session.execute(
        update(Shift)
        .where(col(Shift.id) == shift_id, col(Shift.seats_taken) < col(Shift.capacity))
        .values(seats_taken=col(Shift.seats_taken) + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result


async def release_seat(session: AsyncSession, shift: Shift) -> None:
    """Give one seat back (the caller has locked the shift and changed the sign-up's status)."""
    await session.execute(update(Shift).where(col(Shift.id) == shift.id).values(seats_taken=col(Shift.seats_taken) - 1))
    await session.flush()
    await session.refresh(shift)


async def waitlist_position(session: AsyncSession, *, signup: Signup) -> int:
    """1 for the first in line."""
    result = await session.execute(
        select(func.count())
        .select_from(Signup)
        .where(
            col(Signup.shift_id) == signup.shift_id,
            col(Signup.status) == SignupStatus.WAITLISTED,
            (col(Signup.signed_up_at) < signup.signed_up_at)
            | (and_(col(Signup.signed_up_at) == signup.signed_up_at, col(Signup.id) <= signup.id)),
        )
    )
    return int(result.scalar_one())


async def seat_refusal(
    session: AsyncSession, *, volunteer: Volunteer, shift: Shift, opportunity: Opportunity, now: datetime,
    from_waitlist: bool = False,
) -> tuple[SignupResult | None, Signup | None]:
    """Why this volunteer may not take a seat on this (locked, open) shift, or None; and their
    sign-up row on it, if any (a cancelled one is reused). The rules of every way to a seat: the
    start, the opportunity's gender, the volunteer's age and a guardian's consent, a place already held, the qualifications required, an overlapping shift. from_waitlist: a
    seat handed to them (a team seat, a teammate's) may replace their waitlist place."""
    base: dict[str, Any] = {"shift": shift, "opportunity": opportunity}
    if shift.starts_at <= now:
        return SignupResult(SignupOutcome.STARTED, **base), None
    if opportunity.gender != GenderRule.ALL and opportunity.gender != volunteer.gender:
        return SignupResult(SignupOutcome.GENDER_MISMATCH, **base), None
    refused = await age_refusal(session, volunteer=volunteer, opportunity=opportunity, shift=shift)
    if refused is not None:
        return SignupResult(refused, **base), None

    existing = (
        await session.execute(
            select(Signup).where(col(Signup.shift_id) == shift.id, col(Signup.volunteer_id) == volunteer.id)
        )
    ).scalar_one_or_none()
    if existing is not None and existing.status == SignupStatus.CONFIRMED:
        return SignupResult(SignupOutcome.ALREADY_CONFIRMED, signup=existing, **base), existing
    if existing is not None and existing.status == SignupStatus.OFFERED:
        return SignupResult(SignupOutcome.OFFERED, signup=existing, **base), existing
    if existing is not None and existing.status == SignupStatus.WAITLISTED and not from_waitlist:
        position = await waitlist_position(session, signup=existing)
        return SignupResult(
            SignupOutcome.ALREADY_WAITLISTED, signup=existing, waitlist_position=position, **base
        ), existing
    assert volunteer.id is not None
    missing = await missing_for_shift(session, volunteer_id=volunteer.id, shift=shift, now=now)
    if missing:  # the waitlist too: promotion would skip them anyway
        return SignupResult(SignupOutcome.NOT_QUALIFIED, missing=missing, **base), existing
    conflict = await _overlapping_shift(session, volunteer_id=volunteer.id, shift=shift)
    if conflict is not None:
        return SignupResult(SignupOutcome.OVERLAP, conflict=conflict, **base), existing
    return None, existing


async def take_seats(session: AsyncSession, shift_id: int, seats: int) -> bool:
    """Take `seats` seats at once if that many are left, in one guarded UPDATE (a team booking)."""
    result = await session.execute(
        update(Shift)
        .where(col(Shift.id) == shift_id, col(Shift.seats_taken) + seats <= col(Shift.capacity))
        .values(seats_taken=col(Shift.seats_taken) + seats)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result


async def sign_up(
    session: AsyncSession,
    *,
    volunteer: Volunteer,
    shift_id: int,
    now: datetime,
    join_waitlist: bool = False,
) -> SignupResult:
    """Take a seat on a shift, or a waitlist place when asked and the shift is full."""
    shift = await lock_shift(session, shift_id)
    opportunity = await session.get(Opportunity, shift.opportunity_id) if shift else None
    if (
        shift is None
        or opportunity is None
        or shift.status != ShiftStatus.ACTIVE
        or opportunity.status != OpportunityStatus.PUBLISHED
    ):
        return SignupResult(SignupOutcome.UNAVAILABLE)
    base: dict[str, Any] = {"shift": shift, "opportunity": opportunity}
    refusal, existing = await seat_refusal(session, volunteer=volunteer, shift=shift, opportunity=opportunity, now=now)
    if refusal is not None:
        return refusal

    if await _take_seat(session, shift.id):  # type: ignore[arg-type]  # the row is flushed: its id is set
        status = SignupStatus.CONFIRMED
    elif join_waitlist:
        status = SignupStatus.WAITLISTED
    else:
        return SignupResult(SignupOutcome.FULL, **base)

    if existing is None:
        assert shift.id is not None and volunteer.id is not None
        existing = Signup(shift_id=shift.id, volunteer_id=volunteer.id, status=status, signed_up_at=now)
        session.add(existing)
    else:  # coming back after a cancellation: the same row, a fresh place in line
        existing.status, existing.signed_up_at, existing.cancelled_at = status, now, None
        existing.offer_expires_at = None
    await session.flush()
    await session.refresh(shift)
    if status == SignupStatus.CONFIRMED:
        return SignupResult(SignupOutcome.CONFIRMED, signup=existing, **base)
    position = await waitlist_position(session, signup=existing)
    return SignupResult(SignupOutcome.WAITLISTED, signup=existing, waitlist_position=position, **base)


async def age_refusal(
    session: AsyncSession, *, volunteer: Volunteer, opportunity: Opportunity, shift: Shift
) -> SignupOutcome | None:
    """TOO_YOUNG or CONSENT_NEEDED when age keeps this volunteer off this shift; None otherwise.
    Every way onto a shift asks it (a sign-up, a waitlist place, a walk-in seat)."""
    if too_young(volunteer, opportunity, shift):
        return SignupOutcome.TOO_YOUNG
    if is_minor(volunteer, on=shift.starts_at):
        assert volunteer.id is not None
        if not await has_guardian_consent(session, volunteer_id=volunteer.id):
            return SignupOutcome.CONSENT_NEEDED
    return None


class WalkInOutcome(StrEnum):
    SEATED = "seated"
    FULL = "full"  # no seat left: only a coordinator's explicit "over capacity" adds one


@dataclass
class WalkIn:
    outcome: WalkInOutcome
    signup: Signup | None = None
    over_capacity: bool = False
    shift: Shift | None = None


async def seat_walk_in(
    session: AsyncSession, *, volunteer: Volunteer, shift_id: int, now: datetime, over_capacity: bool
) -> WalkIn:
    """A volunteer who came to a shift without a seat, added on site by a coordinator.

    They take a free seat; when none is left, one over capacity only when the coordinator said
    so (seats_taken then exceeds capacity: the shift is really that full, and a later
    cancellation frees no seat for the waitlist until it is back under). The sign-up is marked as
    a walk-in; a waitlisted or cancelled sign-up of theirs becomes this seat. A seat offered to
    them (not yet accepted) is theirs at once, and someone marked as a no-show who turns up after
    all keeps the seat they never gave back: no second seat is taken for either.
    """
    shift = await lock_shift(session, shift_id)
    assert shift is not None
    existing = (
        await session.execute(select(Signup).where(col(Signup.shift_id) == shift_id, col(Signup.volunteer_id) == volunteer.id))
    ).scalar_one_or_none()
    if existing is not None and existing.status in (*SEATED, SignupStatus.NO_SHOW):
        # Their seat is still counted: a seat offered to them they now take, or a no-show's.
        existing.status, existing.offer_expires_at = SignupStatus.CONFIRMED, None
        await session.flush()
        return WalkIn(WalkInOutcome.SEATED, signup=existing, shift=shift)
    extra = False
    if not await _take_seat(session, shift_id):
        if not over_capacity:
            return WalkIn(WalkInOutcome.FULL, shift=shift)
        await session.execute(update(Shift).where(col(Shift.id) == shift_id).values(seats_taken=col(Shift.seats_taken) + 1))
        extra = True
    if existing is None:
        assert volunteer.id is not None
        existing = Signup(shift_id=shift_id, volunteer_id=volunteer.id, status=SignupStatus.CONFIRMED, signed_up_at=now, walk_in=True)
        session.add(existing)
    else:
        existing.status, existing.cancelled_at, existing.walk_in = SignupStatus.CONFIRMED, None, True
    await session.flush()
    await session.refresh(shift)
    return WalkIn(WalkInOutcome.SEATED, signup=existing, over_capacity=extra, shift=shift)


async def promote_waitlist(session: AsyncSession, *, shift: Shift, now: datetime, offers: OfferRules) -> list[Signup]:
    """Give free seats to the first waitlisted volunteers who can still take them; close to the
    start, offer them instead (the seat is held for each until they answer or the offer expires).
    Nobody is promoted once the shift has started."""
    promoted: list[Signup] = []
    if shift.starts_at <= now or shift.status != ShiftStatus.ACTIVE:
        return promoted
    queue = (
        await session.execute(
            select(Signup)
            .where(col(Signup.shift_id) == shift.id, col(Signup.status) == SignupStatus.WAITLISTED)
            .order_by(col(Signup.signed_up_at), col(Signup.id))
        )
    ).scalars()
    offering = offers.applies(shift, now)
    for candidate in list(queue):
        if await _overlapping_shift(session, volunteer_id=candidate.volunteer_id, shift=shift):
            continue  # they took another shift at that time meanwhile; they keep their place
        if not await qualified_for(session, volunteer_id=candidate.volunteer_id, shift=shift):
            continue  # a qualification required lapsed or was withdrawn since; they keep their place
        if not await _take_seat(session, shift.id):  # type: ignore[arg-type]  # the row is flushed: its id is set
            break
        candidate.promoted_at = now
        if offering:
            candidate.status, candidate.offer_expires_at = SignupStatus.OFFERED, offers.deadline(shift, now)
        else:
            candidate.status = SignupStatus.CONFIRMED
        promoted.append(candidate)
    await session.flush()
    for signup in promoted:
        await _tell_promoted(session, signup=signup, now=now)
    return promoted


async def _tell_promoted(session: AsyncSession, *, signup: Signup, now: datetime) -> None:
    """Queue "a seat is yours" (or "a seat is offered to you") in the promotion's own transaction,
    once per promotion."""
    volunteer = await session.get(Volunteer, signup.volunteer_id)
    assert volunteer is not None and signup.promoted_at is not None
    if signup.status == SignupStatus.OFFERED:
        assert signup.offer_expires_at is not None
        kind, key = NoticeKind.SEAT_OFFERED, f"seat-offered:{signup.id}:{signup.promoted_at.isoformat()}"
        # Not sent at all once the answer time is over (the sweep has passed the seat on by then).
        payload: dict[str, object] = {"signup_id": signup.id, "expires_at": signup.offer_expires_at.isoformat()}
    else:
        kind, key = NoticeKind.PROMOTED, f"promoted:{signup.id}:{signup.promoted_at.isoformat()}"
        payload = {"signup_id": signup.id}
    await enqueue(
        session,
        key=key,
        chat_id=volunteer.telegram_id,
        volunteer_id=volunteer.id,
        kind=kind,
        payload=payload,
        now=now,
        priority=PRIORITY_NOTICE,
    )


async def confirm_coming(session: AsyncSession, *, signup: Signup, now: datetime) -> bool:
    """The volunteer says they will come (a reminder's button); the first answer's time is kept.
    False when the seat is no longer theirs to confirm."""
    if signup.status != SignupStatus.CONFIRMED:
        return False
    await session.execute(
        update(Signup).where(col(Signup.id) == signup.id, col(Signup.confirmed_at).is_(None)).values(confirmed_at=now)
    )
    return True


async def cancel_signup(
    session: AsyncSession, *, volunteer: Volunteer, signup_id: int, now: datetime, offers: OfferRules
) -> CancelResult:
    """Give up a seat (or waitlist place, or a seat offered); a freed seat goes to the waitlist at once."""
    signup = await session.get(Signup, signup_id)
    if signup is None or signup.volunteer_id != volunteer.id:
        return CancelResult(CancelOutcome.NOT_YOURS)
    shift = await lock_shift(session, signup.shift_id)
    assert shift is not None
    await session.refresh(signup)
    if signup.status not in HELD:
        return CancelResult(CancelOutcome.ALREADY_CANCELLED, signup=signup, shift=shift)
    if shift.starts_at <= now:
        return CancelResult(CancelOutcome.STARTED, signup=signup, shift=shift)
    had_seat = signup.status in SEATED
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    promoted: list[Signup] = []
    if had_seat:
        await release_seat(session, shift)
        promoted = await promote_waitlist(session, shift=shift, now=now, offers=offers)
    outcome = CancelOutcome.CANCELLED if had_seat else CancelOutcome.LEFT_WAITLIST
    return CancelResult(outcome, signup=signup, shift=shift, promoted=promoted)


@dataclass
class ScheduleEntry:
    signup: Signup
    shift: Shift
    opportunity: Opportunity
    credited_minutes: int | None = None
    checked_in: bool = False
    checked_out: bool = False
    waitlist_position: int | None = None


async def my_schedule(
    session: AsyncSession, *, volunteer_id: int, now: datetime, past_limit: int = 10
) -> tuple[list[ScheduleEntry], list[ScheduleEntry]]:
    """Upcoming (or running) shifts the volunteer holds, and recent past ones with hours."""
    from models.tables import Attendance  # local: keeps the import list of this module focused

    base = (
        select(Signup, Shift, Opportunity, Attendance)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .outerjoin(Attendance, col(Attendance.signup_id) == col(Signup.id))
        .where(col(Signup.volunteer_id) == volunteer_id)
    )
    upcoming_rows = await session.execute(
        base.where(col(Shift.ends_at) > now, col(Signup.status).in_(HELD), col(Shift.status) == ShiftStatus.ACTIVE)
        .order_by(col(Shift.starts_at))
    )
    upcoming = []
    for signup, shift, opportunity, attendance in upcoming_rows:
        entry = ScheduleEntry(signup, shift, opportunity)
        entry.checked_in = attendance is not None
        entry.checked_out = attendance is not None and attendance.checked_out_at is not None
        if signup.status == SignupStatus.WAITLISTED:
            entry.waitlist_position = await waitlist_position(session, signup=signup)
        upcoming.append(entry)
    past_rows = await session.execute(
        base.where(col(Shift.ends_at) <= now, col(Signup.status).in_([SignupStatus.CONFIRMED, SignupStatus.NO_SHOW]))
        .order_by(col(Shift.starts_at).desc())
        .limit(past_limit)
    )
    past = [
        ScheduleEntry(
            signup,
            shift,
            opportunity,
            credited_minutes=attendance.credited_minutes if attendance else 0,
            checked_in=attendance is not None,
            checked_out=attendance is not None and attendance.checked_out_at is not None,
        )
        for signup, shift, opportunity, attendance in past_rows
    ]
    return upcoming, past
