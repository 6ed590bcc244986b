"""Sweeps around a shift: reminders before it; forgotten check-outs and no-shows after it.

Each sweep is a plain function of a session and the time, free of Telegram, and idempotent: what it
queues carries a unique outbox key, what it changes is selected by the state it changes, so
running it twice, or again after a crash half-way, gives the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.attendance import credit_minutes
from models.outbox import PRIORITY_NOTICE, enqueue_many, outbox_row, taken_keys
from models.tables import (
    Attendance,
    OutboxStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Volunteer,
)

# A shift that started within this window may still hold reminders to record as dropped.
DROPPED_LOOKBACK = timedelta(days=1)
# A no-show older than this (the bot was down for days) is marked without a message.
NO_SHOW_NOTICE_WITHIN = timedelta(days=2)
CHUNK = 500  # ids per IN (...): well under SQLite's limit on bound parameters
AUTO_CHECKOUT_FLAG = "auto_checkout"


@dataclass
class ReminderSweep:
    queued: int = 0
    dropped: int = 0


def reminder_key(signup: Signup, shift: Shift, hours: int) -> str:
    """Once per sign-up, shift time and offset: a new sign-up or a moved shift is reminded anew."""
    return f"reminder:{signup.id}:{hours}h:{shift.starts_at:%Y%m%dT%H%M}:{signup.signed_up_at:%Y%m%dT%H%M%S}"


def due_offsets(*, starts_at: datetime, signed_up_at: datetime, now: datetime, hours_before: tuple[int, ...]) -> list[int]:
    """Reminder offsets whose moment has come, latest first; none that passed before the sign-up."""
    due = [
        hours
        for hours in hours_before
        if starts_at - timedelta(hours=hours) <= now and signed_up_at <= starts_at - timedelta(hours=hours)
    ]
    return sorted(due)


async def queue_due_reminders(
    session: AsyncSession, *, now: datetime, hours_before: tuple[int, ...], limit: int | None = None
) -> ReminderSweep:
    """Queue the reminders whose moment has come for confirmed seats of volunteers who want them.

    Only the latest due reminder of a seat is sent: one that was missed (the bot was down) is sent
    late while the shift has not started, and recorded as dropped once the next one is due or the
    shift has started. Muted or unreachable volunteers get nothing queued.
    """
    sweep = ReminderSweep()
    if not hours_before:
        return sweep
    query = (
        select(Signup, Shift, Volunteer)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Volunteer, col(Volunteer.id) == col(Signup.volunteer_id))
        .where(
            col(Signup.status) == SignupStatus.CONFIRMED,
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.starts_at) > now - DROPPED_LOOKBACK,
            col(Shift.starts_at) <= now + timedelta(hours=max(hours_before)),
            col(Volunteer.reminders_muted).is_(False),
            col(Volunteer.reachable).is_(True),
        )
        .order_by(col(Shift.starts_at), col(Signup.id))
        .limit(limit)
    )
    plans: list[tuple[str, dict[str, object]]] = []
    for signup, shift, volunteer in await session.execute(query):
        # A seat given from the waitlist is held since its promotion: a reminder whose moment came
        # before it would only repeat the message that just told them the seat is theirs.
        held_since = max(signup.signed_up_at, signup.promoted_at or signup.signed_up_at)
        offsets = due_offsets(starts_at=shift.starts_at, signed_up_at=held_since, now=now, hours_before=hours_before)
        started = shift.starts_at <= now
        for index, hours in enumerate(offsets):
            reason = None
            if started:
                reason = "the shift started before the reminder could be sent"
            elif index > 0:
                reason = f"superseded by the {offsets[0]}-hour reminder"
            plans.append(
                (
                    reminder_key(signup, shift, hours),
                    outbox_row(
                        key=reminder_key(signup, shift, hours),
                        chat_id=volunteer.telegram_id,
                        volunteer_id=volunteer.id,
                        kind="reminder",
                        payload={"signup_id": signup.id, "hours": hours, "expires_at": shift.starts_at.isoformat()},
                        now=now,
                        priority=PRIORITY_NOTICE,
                        status=OutboxStatus.DROPPED if reason else OutboxStatus.PENDING,
                        last_error=reason,
                    ),
                )
            )
    taken = await taken_keys(session, [key for key, _ in plans])
    rows = [row for key, row in plans if key not in taken]
    await enqueue_many(session, rows)
    sweep.dropped = sum(1 for row in rows if row["status"] == OutboxStatus.DROPPED)
    sweep.queued = len(rows) - sweep.dropped
    return sweep


async def close_forgotten_checkouts(
    session: AsyncSession, *, now: datetime, grace_minutes: int, limit: int | None = None
) -> int:
    """Close check-ins still open at shift end plus the grace: credit up to the shift's end, flag the
    attendance for a coordinator's review and tell the volunteer. How many were closed."""
    query = (
        select(Attendance, Shift, Volunteer)
        .join(Shift, col(Shift.id) == col(Attendance.shift_id))
        .join(Volunteer, col(Volunteer.id) == col(Attendance.volunteer_id))
        .where(
            col(Attendance.checked_out_at).is_(None),
            col(Shift.ends_at) <= now - timedelta(minutes=grace_minutes),
        )
        .order_by(col(Attendance.id))
        .limit(limit)
        .with_for_update(of=Attendance)
    )
    notices = []
    for attendance, shift, volunteer in list(await session.execute(query)):
        closed_at = max(shift.ends_at, attendance.checked_in_at)
        attendance.checked_out_at = closed_at
        # Up to the shift's end, no grace: we only know they were there when it began.
        attendance.credited_minutes = credit_minutes(
            checked_in_at=attendance.checked_in_at, checked_out_at=closed_at, shift=shift, grace_minutes=0
        )
        attendance.flagged, attendance.flag_reason = True, AUTO_CHECKOUT_FLAG
        notices.append(
            outbox_row(
                key=f"auto-checkout:{attendance.id}",
                chat_id=volunteer.telegram_id,
                volunteer_id=volunteer.id,
                kind="auto_checkout",
                payload={"attendance_id": attendance.id},
                now=now,
            )
        )
    await session.flush()
    await enqueue_many(session, notices)
    return len(notices)


def _no_show_query(now: datetime, lookback: timedelta | None) -> Select:
    never_came = ~exists().where(col(Attendance.signup_id) == col(Signup.id))
    return (
        select(Signup, Shift, Volunteer)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Volunteer, col(Volunteer.id) == col(Signup.volunteer_id))
        .where(
            col(Signup.status) == SignupStatus.CONFIRMED,
            col(Shift.status) == ShiftStatus.ACTIVE,
            col(Shift.ends_at) <= now,
            never_came,
            *([col(Shift.ends_at) > now - lookback] if lookback is not None else []),
        )
        .order_by(col(Signup.id))
    )


async def no_show_candidates(session: AsyncSession, *, now: datetime, lookback: timedelta | None = None) -> list[int]:
    """The sign-ups mark_no_shows would mark, found by a read (no write lock): the catch-up scan
    after a start reads every past sign-up, about a second at 2M."""
    query = _no_show_query(now, lookback).with_only_columns(col(Signup.id))
    return [int(i) for i in (await session.execute(query)).scalars() if i is not None]


async def mark_no_shows(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int | None = None,
    lookback: timedelta | None = None,
    signup_ids: list[int] | None = None,
) -> int:
    """Confirmed seats of shifts that have ended without a check-in become no-shows; the volunteer
    gets a kind word (only for recent shifts). How many were marked.

    `lookback` bounds the shifts read to those that ended that recently (an index range instead of
    every sign-up ever made); None reads them all, as the first sweep after a start does.
    `signup_ids` (from no_show_candidates) limits the work to those sign-ups, each checked again.
    """
    query = _no_show_query(now, lookback).limit(limit).with_for_update(of=Signup)
    if signup_ids is None:
        rows = list(await session.execute(query))
    else:
        rows = []
        for start in range(0, len(signup_ids), CHUNK):
            chunk = signup_ids[start : start + CHUNK]
            rows += list(await session.execute(query.where(col(Signup.id).in_(chunk))))
    notices, marked = [], 0
    for signup, shift, volunteer in rows:
        signup.status = SignupStatus.NO_SHOW
        marked += 1
        if shift.ends_at > now - NO_SHOW_NOTICE_WITHIN:
            notices.append(
                outbox_row(
                    key=f"no-show:{signup.id}",
                    chat_id=volunteer.telegram_id,
                    volunteer_id=volunteer.id,
                    kind="no_show",
                    payload={"signup_id": signup.id},
                    now=now,
                )
            )
    await session.flush()
    await enqueue_many(session, notices)
    return marked
