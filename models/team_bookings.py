"""A leader books seats for the team on a shift; each member confirms their own; the rest return.

The booking takes its seats in one guarded UPDATE (`take_seats`: `seats_taken + n <= capacity`),
under the shift's lock like every sign-up, so it never overfills the shift and a booking larger
than the free seats is refused whole. The booked seats count in `seats_taken` while the booking
`held`s them: nobody outside the team can take them. A member's confirmation follows every rule
of a sign-up (models.signups.seat_refusal: gender, an overlapping shift, a place already held,
the start) and turns one held seat into their own confirmed sign-up, without taking another.
At the deadline the sweep (`release_unclaimed`, every minute, in the style of the offer sweep)
gives the seats nobody confirmed back to the shift, and the waitlist is promoted into them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.signups import (
    OfferRules,
    SignupResult,
    lock_shift,
    promote_waitlist,
    seat_refusal,
    take_seats,
)
from models.tables import (
    GenderRule,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Team,
    TeamBooking,
    TeamMember,
    TeamStatus,
    Volunteer,
)

SWEEP_LIMIT = 500
# Spelled as the partial index ix_team_booking_held has it (a literal, so SQLite uses the index).
HELD_ROWS = col(TeamBooking.held) > bindparam("none_held", 0, literal_execute=True)


@dataclass(frozen=True)
class BookingRules:
    """Members have `answer_within` to confirm, and never later than `before_start` ahead of the
    shift (the seats they leave must still find someone); a booking made later than that gives
    them until the start."""

    answer_within: timedelta = timedelta(hours=24)
    before_start: timedelta = timedelta(hours=3)

    def deadline(self, shift: Shift, now: datetime) -> datetime:
        deadline = min(now + self.answer_within, shift.starts_at - self.before_start)
        return deadline if deadline > now else shift.starts_at


DEFAULT_BOOKING_RULES = BookingRules()


class BookOutcome(StrEnum):
    BOOKED = "booked"
    NOT_LEADER = "not_leader"
    UNAVAILABLE = "unavailable"  # unknown, cancelled or unpublished shift
    STARTED = "started"
    FULL = "full"  # more seats asked than are free: `free` says how many are
    TOO_MANY = "too_many"  # more seats than members who may take them
    ALREADY_BOOKED = "already_booked"
    BAD_COUNT = "bad_count"


@dataclass
class BookResult:
    outcome: BookOutcome
    team: Team | None = None
    booking: TeamBooking | None = None
    shift: Shift | None = None
    opportunity: Opportunity | None = None
    free: int = 0
    eligible: int = 0


def _fits(opportunity: Opportunity, gender: str | None) -> bool:
    return opportunity.gender == GenderRule.ALL or opportunity.gender == gender


async def _team_members(session: AsyncSession, team_id: int) -> list[Volunteer]:
    result = await session.execute(
        select(Volunteer)
        .join(TeamMember, col(TeamMember.volunteer_id) == col(Volunteer.id))
        .where(col(TeamMember.team_id) == team_id)
        .order_by(col(Volunteer.id))
    )
    return list(result.scalars())


async def bookable_shifts(session: AsyncSession, *, team: Team, now: datetime, limit: int = 8) -> list[tuple[Shift, Opportunity]]:
    """The next open shifts of the team's center with a free seat, soonest first."""
    result = await session.execute(
        select(Shift, Opportunity)
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(
            col(Opportunity.center_id) == team.center_id,
            col(Opportunity.status) == OpportunityStatus.PUBLISHED,
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.starts_at) > now,
            col(Shift.seats_taken) < col(Shift.capacity),
        )
        .order_by(col(Shift.starts_at), col(Shift.id))
        .limit(limit)
    )
    return [(shift, opportunity) for shift, opportunity in result]


async def book_seats(
    session: AsyncSession, *, leader: Volunteer, team_id: int, shift_id: int, seats: int, now: datetime, rules: BookingRules
) -> BookResult:
    """The leader takes `seats` seats for the team at once, or none; each member is asked to confirm."""
    team = await session.get(Team, team_id)
    if team is None or team.leader_id != leader.id or team.status != TeamStatus.ACTIVE:
        return BookResult(BookOutcome.NOT_LEADER, team)
    shift = await lock_shift(session, shift_id)
    opportunity = await session.get(Opportunity, shift.opportunity_id) if shift else None
    if shift is None or opportunity is None or shift.status != ShiftStatus.ACTIVE or opportunity.status != OpportunityStatus.PUBLISHED:
        return BookResult(BookOutcome.UNAVAILABLE, team)
    free = max(0, shift.capacity - shift.seats_taken)

    def result(outcome: BookOutcome, **extra: object) -> BookResult:
        return BookResult(outcome, team, shift=shift, opportunity=opportunity, free=free, **extra)  # type: ignore[arg-type]

    if shift.starts_at <= now:
        return result(BookOutcome.STARTED)
    members = [m for m in await _team_members(session, team_id) if _fits(opportunity, m.gender)]
    if seats < 1:
        return result(BookOutcome.BAD_COUNT, eligible=len(members))
    if seats > len(members):
        return result(BookOutcome.TOO_MANY, eligible=len(members))
    existing = (
        await session.execute(select(TeamBooking).where(col(TeamBooking.team_id) == team_id, col(TeamBooking.shift_id) == shift_id))
    ).scalar_one_or_none()
    if existing is not None:
        return result(BookOutcome.ALREADY_BOOKED, booking=existing)
    assert shift.id is not None and team.id is not None
    if not await take_seats(session, shift.id, seats):
        return result(BookOutcome.FULL)
    booking = TeamBooking(team_id=team.id, shift_id=shift.id, seats=seats, held=seats, deadline=rules.deadline(shift, now), booked_at=now)
    session.add(booking)
    await session.flush()
    await session.refresh(shift)
    for member in members:
        await enqueue(
            session, key=f"team-seats:{booking.id}:{member.id}", chat_id=member.telegram_id, volunteer_id=member.id,
            kind=NoticeKind.TEAM_SEATS, payload={"booking_id": booking.id, "volunteer_id": member.id, "expires_at": booking.deadline.isoformat()},
            now=now, priority=PRIORITY_NOTICE,
        )
    return result(BookOutcome.BOOKED, booking=booking, eligible=len(members))


class ClaimOutcome(StrEnum):
    CONFIRMED = "confirmed"
    NOT_MEMBER = "not_member"
    GONE = "gone"  # every booked seat is taken, or the deadline has passed
    REFUSED = "refused"  # a sign-up rule refuses it: `refusal` says which


@dataclass
class ClaimResult:
    outcome: ClaimOutcome
    booking: TeamBooking | None = None
    signup: Signup | None = None
    shift: Shift | None = None
    opportunity: Opportunity | None = None
    refusal: SignupResult | None = None


def is_open(booking: TeamBooking, shift: Shift, now: datetime) -> bool:
    return booking.held > 0 and now < booking.deadline and now < shift.starts_at


async def claim_seat(session: AsyncSession, *, volunteer: Volunteer, booking_id: int, now: datetime, offers: OfferRules) -> ClaimResult:
    """A member confirms one of the seats their leader booked: it becomes their own sign-up."""
    booking = await session.get(TeamBooking, booking_id)
    if booking is None or volunteer.id is None:
        return ClaimResult(ClaimOutcome.NOT_MEMBER)
    member = (
        await session.execute(
            select(col(TeamMember.id)).where(col(TeamMember.team_id) == booking.team_id, col(TeamMember.volunteer_id) == volunteer.id)
        )
    ).first()
    if member is None:
        return ClaimResult(ClaimOutcome.NOT_MEMBER, booking)
    shift = await lock_shift(session, booking.shift_id)
    assert shift is not None
    await session.refresh(booking)
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    base = {"booking": booking, "shift": shift, "opportunity": opportunity}
    if not is_open(booking, shift, now):
        if booking.held > 0:
            await _release(session, booking=booking, shift=shift, now=now, offers=offers)
        return ClaimResult(ClaimOutcome.GONE, **base)  # type: ignore[arg-type]
    if shift.status != ShiftStatus.ACTIVE or opportunity.status != OpportunityStatus.PUBLISHED:
        return ClaimResult(ClaimOutcome.GONE, **base)  # type: ignore[arg-type]
    refusal, existing = await seat_refusal(
        session, volunteer=volunteer, shift=shift, opportunity=opportunity, now=now, from_waitlist=True
    )
    if refusal is not None:
        return ClaimResult(ClaimOutcome.REFUSED, refusal=refusal, **base)  # type: ignore[arg-type]
    taken = await session.execute(
        update(TeamBooking).where(col(TeamBooking.id) == booking.id, col(TeamBooking.held) > 0).values(held=col(TeamBooking.held) - 1)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]  # rowcount is typed on CursorResult
        return ClaimResult(ClaimOutcome.GONE, **base)  # type: ignore[arg-type]
    if existing is None:
        assert shift.id is not None
        existing = Signup(shift_id=shift.id, volunteer_id=volunteer.id, status=SignupStatus.CONFIRMED, signed_up_at=now, confirmed_at=now)
        session.add(existing)
    else:  # a cancelled or waitlisted sign-up of theirs on this shift: the same row, the seat now
        existing.status, existing.signed_up_at, existing.cancelled_at = SignupStatus.CONFIRMED, now, None
        existing.offer_expires_at, existing.confirmed_at = None, now
    await session.flush()
    await session.refresh(booking)
    return ClaimResult(ClaimOutcome.CONFIRMED, signup=existing, **base)  # type: ignore[arg-type]


async def _release(session: AsyncSession, *, booking: TeamBooking, shift: Shift, now: datetime, offers: OfferRules) -> list[Signup]:
    """Give the booking's unclaimed seats back to the shift, and the waitlist its chance at them."""
    held, booking.held, booking.released_at = booking.held, 0, now
    if shift.status != ShiftStatus.ACTIVE:
        return []  # cancelling a shift sets its seats_taken to 0: nothing left to give back
    await session.execute(update(Shift).where(col(Shift.id) == shift.id).values(seats_taken=col(Shift.seats_taken) - held))
    await session.flush()
    await session.refresh(shift)
    return await promote_waitlist(session, shift=shift, now=now, offers=offers)


async def release_unclaimed(session: AsyncSession, *, now: datetime, offers: OfferRules, limit: int = SWEEP_LIMIT) -> int:
    """The sweep: bookings past their deadline give their unclaimed seats back. How many did."""
    due = (
        select(col(TeamBooking.id), col(TeamBooking.shift_id))
        .where(HELD_ROWS, col(TeamBooking.deadline) <= now)
        .order_by(col(TeamBooking.deadline), col(TeamBooking.id))
        .limit(limit)
    )
    released = 0
    for booking_id, shift_id in list(await session.execute(due)):
        shift = await lock_shift(session, shift_id)
        booking = await session.get(TeamBooking, booking_id, populate_existing=True)
        assert shift is not None and booking is not None
        if booking.held <= 0 or booking.deadline > now:
            continue  # claimed meanwhile
        await _release(session, booking=booking, shift=shift, now=now, offers=offers)
        released += 1
    return released
