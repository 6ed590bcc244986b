"""The personal pass (station mode): a volunteer's QR code that a coordinator scans on site to
check them in or out, walk-ins included.

The pass is a deep link carrying a secret token of the volunteer's (`volunteer.pass_token`); it
proves that the volunteer, or their phone, stands in front of the coordinator. Renewing it makes
the old one worthless at once. Every check-in and check-out made with it is audited with the
coordinator as the actor and told to the volunteer through the outbox. The check-in rules
(window, one attendance per sign-up, credited minutes) are those of models.attendance
(check_in_holder, check_out), the seat rules those of models.signups (seat_walk_in).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.attendance import (
    CheckInOutcome,
    CheckInResult,
    CheckOutOutcome,
    CheckOutResult,
    check_in_holder,
    check_out,
    open_attendance,
    window_refusal,
)
from models.audit import record_action
from models.coordination import Actor
from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.qualifications import MissingQualification, missing_for_shift
from models.signups import WalkInOutcome, age_refusal, seat_walk_in
from models.tables import (
    Attendance,
    GenderRule,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Volunteer,
)

TOKEN_BYTES = 18  # 24 characters of [A-Za-z0-9_-]: 144 random bits, nobody guesses them
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{24}")
OPTIONS_LIMIT = 8  # shifts offered on one scan (an admin at a busy hour sees the likeliest first)


def new_pass_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def ensure_pass(volunteer: Volunteer) -> str:
    """The volunteer's pass token, issued the first time they open their pass."""
    if volunteer.pass_token is None:
        volunteer.pass_token = new_pass_token()
    return volunteer.pass_token


async def renew_pass(session: AsyncSession, *, volunteer: Volunteer, now: datetime) -> str:
    """A new token; the old pass (a screenshot, a printed copy) stops working at once."""
    had_one = volunteer.pass_token is not None
    volunteer.pass_token = new_pass_token()
    await record_action(
        session, actor_telegram_id=volunteer.telegram_id, action="pass.renew", target=f"volunteer:{volunteer.telegram_id}",
        detail="renewed" if had_one else "issued", now=now,
    )
    return volunteer.pass_token


async def pass_holder(session: AsyncSession, *, token: str) -> Volunteer | None:
    """The registered volunteer whose pass this is; None for a renewed, mistyped or made-up one."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    row = await session.execute(
        select(Volunteer).where(col(Volunteer.pass_token) == token, col(Volunteer.onboarding_step).is_(None))
    )
    return row.scalar_one_or_none()


def is_own_pass(actor: Actor, holder: Volunteer) -> bool:
    """Nobody vouches for their own presence: a coordinator's own pass does nothing in their hands."""
    return actor.volunteer.id == holder.id


class ScanOutcome(StrEnum):
    CHECK_OUT = "check_out"  # checked in to a shift of the coordinator's: offer to check them out
    CHECK_IN = "check_in"  # shifts of the coordinator's centers open for check-in: offer them
    OTHER_CENTER = "other_center"  # their check-in or seat now is at a center the coordinator does not manage
    NOTHING_OPEN = "nothing_open"  # no shift of the coordinator's centers is open for check-in


@dataclass
class PassOption:
    shift: Shift
    opportunity: Opportunity
    holds_seat: bool  # False: a walk-in


@dataclass
class PassScan:
    outcome: ScanOutcome
    holder: Volunteer
    open: tuple[Attendance, Shift, Opportunity] | None = None
    options: list[PassOption] = field(default_factory=list)


def _open_for_check_in(now: datetime, early_minutes: int):
    return and_(
        col(Shift.status) == ShiftStatus.ACTIVE,
        col(Opportunity.status) == OpportunityStatus.PUBLISHED,
        col(Shift.starts_at) <= now + timedelta(minutes=early_minutes),
        col(Shift.ends_at) > now,
    )


async def scan_pass(session: AsyncSession, *, actor: Actor, holder: Volunteer, now: datetime, early_minutes: int) -> PassScan:
    """What a coordinator who scanned this pass may do now, in their own centers."""
    assert holder.id is not None
    found = await open_attendance(session, volunteer_id=holder.id)
    if found is not None:
        center_id = found[2].center_id
        if not actor.manages(center_id):
            await _refused(session, actor=actor, holder=holder, detail=f"other_center center={center_id} (checked in)", now=now)
            return PassScan(ScanOutcome.OTHER_CENTER, holder, open=found)
        return PassScan(ScanOutcome.CHECK_OUT, holder, open=found)
    holds = and_(col(Signup.id).is_not(None), col(Signup.status) == SignupStatus.CONFIRMED)
    query = (
        select(Shift, Opportunity, Signup)
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .outerjoin(Signup, and_(col(Signup.shift_id) == col(Shift.id), col(Signup.volunteer_id) == holder.id))
        .outerjoin(Attendance, col(Attendance.signup_id) == col(Signup.id))
        .where(
            _open_for_check_in(now, early_minutes),
            col(Attendance.id).is_(None),  # not the shift they already came to
            col(Opportunity.gender).in_((GenderRule.ALL.value, holder.gender or "")),
        )
        .order_by(case((holds, 0), else_=1), col(Shift.starts_at), col(Shift.id))
        .limit(OPTIONS_LIMIT)
    )
    if not actor.is_admin:
        query = query.where(col(Opportunity.center_id).in_(actor.center_ids or {-1}))
    options = [
        PassOption(shift, opportunity, signup is not None and signup.status == SignupStatus.CONFIRMED)
        for shift, opportunity, signup in await session.execute(query)
    ]
    if options:
        return PassScan(ScanOutcome.CHECK_IN, holder, options=options)
    elsewhere = (
        await session.execute(
            select(col(Opportunity.center_id))
            .join(Shift, col(Shift.opportunity_id) == col(Opportunity.id))
            .join(Signup, col(Signup.shift_id) == col(Shift.id))
            .where(_open_for_check_in(now, early_minutes), col(Signup.volunteer_id) == holder.id, col(Signup.status) == SignupStatus.CONFIRMED)
            .limit(1)
        )
    ).scalar_one_or_none()
    if elsewhere is not None:
        await _refused(session, actor=actor, holder=holder, detail=f"other_center center={elsewhere} (seat)", now=now)
        return PassScan(ScanOutcome.OTHER_CENTER, holder)
    return PassScan(ScanOutcome.NOTHING_OPEN, holder)


async def _refused(session: AsyncSession, *, actor: Actor, holder: Volunteer, detail: str, now: datetime) -> None:
    await record_action(
        session, actor_telegram_id=actor.telegram_id, action="pass.scan", target=f"volunteer:{holder.telegram_id}",
        allowed=False, detail=detail, now=now,
    )


class PassCheckInOutcome(StrEnum):
    CHECKED_IN = "checked_in"
    FULL = "full"  # a walk-in, and no seat left: ask the coordinator before going over capacity
    UNAVAILABLE = "unavailable"  # cancelled, or no longer published
    GENDER_MISMATCH = "gender_mismatch"
    CHECKED_IN_ELSEWHERE = "checked_in_elsewhere"  # still checked in to another shift
    # Minors (issue 13): a walk-in seat obeys the sign-up's age rules (models.signups.age_refusal).
    TOO_YOUNG = "too_young"
    CONSENT_NEEDED = "consent_needed"
    REFUSED = "refused"  # the check-in rules said no: see `check_in` (too early, ended, already)
    NOT_QUALIFIED = "not_qualified"  # a walk-in lacking a qualification the opportunity requires


@dataclass
class PassCheckIn:
    outcome: PassCheckInOutcome
    shift: Shift | None = None
    opportunity: Opportunity | None = None
    check_in: CheckInResult | None = None
    walk_in: bool = False
    over_capacity: bool = False
    missing: list[MissingQualification] = field(default_factory=list)  # NOT_QUALIFIED: what they lack


async def check_in_by_pass(
    session: AsyncSession,
    *,
    actor: Actor,
    holder: Volunteer,
    shift_id: int,
    now: datetime,
    early_minutes: int,
    over_capacity: bool = False,
) -> PassCheckIn:
    """The coordinator checks the pass holder in to a shift of theirs (the caller checked that
    the actor manages its center), seating them as a walk-in when they have no seat."""
    assert holder.id is not None
    shift = await session.get(Shift, shift_id)
    opportunity = await session.get(Opportunity, shift.opportunity_id) if shift else None
    if shift is None or opportunity is None or shift.status != ShiftStatus.ACTIVE or opportunity.status != OpportunityStatus.PUBLISHED:
        return PassCheckIn(PassCheckInOutcome.UNAVAILABLE)
    base: dict[str, Any] = {"shift": shift, "opportunity": opportunity}
    refused = window_refusal(shift, opportunity, now=now, early_minutes=early_minutes)
    if refused is not None:
        return PassCheckIn(PassCheckInOutcome.REFUSED, check_in=refused, **base)
    found = await open_attendance(session, volunteer_id=holder.id)
    if found is not None:
        if found[1].id == shift_id:
            already = CheckInResult(CheckInOutcome.ALREADY, shift=shift, opportunity=opportunity)
            return PassCheckIn(PassCheckInOutcome.REFUSED, check_in=already, **base)
        return PassCheckIn(PassCheckInOutcome.CHECKED_IN_ELSEWHERE, **base)
    if opportunity.gender not in (GenderRule.ALL, holder.gender):
        return PassCheckIn(PassCheckInOutcome.GENDER_MISMATCH, **base)
    seat = select(col(Signup.id)).where(col(Signup.shift_id) == shift_id, col(Signup.volunteer_id) == holder.id, col(Signup.status) == SignupStatus.CONFIRMED)
    holds_seat = (await session.execute(seat)).first() is not None
    if not holds_seat:
        age = await age_refusal(session, volunteer=holder, opportunity=opportunity, shift=shift)
        if age is not None:
            return PassCheckIn(PassCheckInOutcome(age.value), **base)
    if not holds_seat:  # a walk-in takes a seat: the sign-up's qualification rule holds on site too
        missing = await missing_for_shift(session, volunteer_id=holder.id, shift=shift, now=now)
        if missing:
            return PassCheckIn(PassCheckInOutcome.NOT_QUALIFIED, missing=missing, **base)
    # A savepoint: a walk-in seat taken for a check-in that is then refused is given back.
    async with session.begin_nested() as attempt:
        walk_in = extra = False
        if not holds_seat:
            seated = await seat_walk_in(session, volunteer=holder, shift_id=shift_id, now=now, over_capacity=over_capacity)
            if seated.outcome == WalkInOutcome.FULL:
                return PassCheckIn(PassCheckInOutcome.FULL, **base)
            assert seated.signup is not None
            walk_in, extra = seated.signup.walk_in, seated.over_capacity
        result = await check_in_holder(session, volunteer=holder, shift=shift, now=now, early_minutes=early_minutes, method="pass")
        if result.outcome != CheckInOutcome.CHECKED_IN:
            await attempt.rollback()
            await session.refresh(shift)  # its seat count, as it was before the savepoint
            return PassCheckIn(PassCheckInOutcome.REFUSED, check_in=result, **base)
    assert result.attendance is not None
    notes = " walk-in" * walk_in + " over-capacity" * extra
    await record_action(
        session, actor_telegram_id=actor.telegram_id, action="pass.check_in", target=f"volunteer:{holder.telegram_id}",
        detail=f"shift:{shift_id} attendance:{result.attendance.id}{notes}", now=now,
    )
    await _tell_holder(session, holder=holder, attendance=result.attendance, event="in", now=now)
    return PassCheckIn(PassCheckInOutcome.CHECKED_IN, check_in=result, walk_in=walk_in, over_capacity=extra, **base)


async def check_out_by_pass(
    session: AsyncSession, *, actor: Actor, holder: Volunteer, attendance_id: int, now: datetime, grace_minutes: int
) -> CheckOutResult:
    """The coordinator checks the pass holder out of the check-in the card showed (the caller
    checked that the actor manages its center); the time is credited as for /checkout."""
    result = await check_out(session, volunteer=holder, now=now, grace_minutes=grace_minutes, attendance_id=attendance_id)
    if result.outcome != CheckOutOutcome.CHECKED_OUT:
        return result
    assert result.attendance is not None
    # The coordinator closed it: it is not the volunteer's own check-out, so not theirs to undo.
    result.attendance.checked_out_by = actor.telegram_id
    await record_action(
        session, actor_telegram_id=actor.telegram_id, action="pass.check_out", target=f"volunteer:{holder.telegram_id}",
        detail=f"attendance:{attendance_id} credited {result.attendance.credited_minutes} min", now=now,
    )
    await _tell_holder(session, holder=holder, attendance=result.attendance, event="out", now=now)
    return result


async def _tell_holder(session: AsyncSession, *, holder: Volunteer, attendance: Attendance, event: str, now: datetime) -> None:
    """The volunteer hears that a coordinator used their pass, and for what."""
    await enqueue(
        session,
        key=f"pass-{event}:{attendance.id}:{now.isoformat()}",
        chat_id=holder.telegram_id,
        volunteer_id=holder.id,
        kind=NoticeKind.PASS_ATTENDANCE,
        payload={"attendance_id": attendance.id, "event": event},
        now=now,
        priority=PRIORITY_NOTICE,
    )
