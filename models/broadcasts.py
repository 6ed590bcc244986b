"""Broadcasts: audiences, their size, one confirmation, queueing through the outbox, progress."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, String, case, cast, exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlmodel import col

from models.base import dialect_insert
from models.coordination import Actor
from models.outbox import PRIORITY_BROADCAST, mark_queued
from models.tables import (
    LANGUAGES,
    Attendance,
    Broadcast,
    BroadcastStatus,
    Center,
    Opportunity,
    OpportunityStatus,
    OutboxMessage,
    OutboxStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Volunteer,
)

AUDIENCE_KINDS = ("all", "center", "opportunity", "shift", "waitlisted", "lang", "active", "never")
ACTIVE_DAYS = (7, 30, 90, 365)
DUPLICATE_WINDOW = timedelta(minutes=1)
# Outbox statuses that are still on their way; every other status is final.
IN_FLIGHT = (OutboxStatus.PENDING, OutboxStatus.SENDING)
# A broadcast whose final report is still to be written (finished_at tells once it is).
SENDING_STATUSES = (BroadcastStatus.QUEUED, BroadcastStatus.STOPPED)


class BadAudience(ValueError):
    """An audience string this version did not make."""


@dataclass(frozen=True)
class Audience:
    kind: str
    arg: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.arg}" if self.arg else self.kind

    @classmethod
    def parse(cls, text: str) -> Audience:
        kind, _, arg = text.partition(":")
        if kind not in AUDIENCE_KINDS:
            raise BadAudience(text)
        if kind in ("center", "opportunity", "shift") and not (arg.isdigit() and 0 < int(arg) < 2**62):
            raise BadAudience(text)
        if kind == "lang" and arg not in LANGUAGES:
            raise BadAudience(text)
        if kind == "active" and not (arg.isdigit() and int(arg) in ACTIVE_DAYS):
            raise BadAudience(text)
        if kind in ("all", "waitlisted", "never") and arg:
            raise BadAudience(text)
        return cls(kind, arg)

    @property
    def number(self) -> int:
        return int(self.arg)


def _recipients(audience: Audience, *, scope: frozenset[int] | None, now: datetime) -> Select:
    """Registered, reachable volunteers in the audience (scope: home centers a coordinator may reach)."""
    query = select(col(Volunteer.id), col(Volunteer.telegram_id)).where(
        col(Volunteer.onboarding_step).is_(None), col(Volunteer.reachable).is_(True)
    )
    kind = audience.kind
    if kind in ("opportunity", "shift"):
        # Holders of one opportunity or shift: the permission was checked on its center, so the
        # coordinator reaches every holder, whatever their home center.
        held = select(col(Signup.volunteer_id)).join(Shift, col(Shift.id) == col(Signup.shift_id)).where(
            col(Signup.status) == SignupStatus.CONFIRMED
        )
        held = held.where(col(Shift.id) == audience.number) if kind == "shift" else held.where(
            col(Shift.opportunity_id) == audience.number, col(Shift.status) == ShiftStatus.ACTIVE
        )
        return query.where(col(Volunteer.id).in_(held))
    if scope is not None:
        query = query.where(col(Volunteer.center_id).in_(scope or {-1}))
    if kind == "center":
        query = query.where(col(Volunteer.center_id) == audience.number)
    elif kind == "waitlisted":
        waiting = (
            select(col(Signup.volunteer_id))
            .join(Shift, col(Shift.id) == col(Signup.shift_id))
            .where(col(Signup.status) == SignupStatus.WAITLISTED, col(Shift.starts_at) > now, col(Shift.status) == ShiftStatus.ACTIVE)
        )
        query = query.where(col(Volunteer.id).in_(waiting))
    elif kind == "lang":
        query = query.where(col(Volunteer.language) == audience.arg)
    elif kind == "active":
        since = now - timedelta(days=audience.number)
        query = query.where(
            exists().where(col(Attendance.volunteer_id) == col(Volunteer.id), col(Attendance.checked_in_at) >= since)
        )
    elif kind == "never":
        query = query.where(
            ~exists().where(col(Attendance.volunteer_id) == col(Volunteer.id), col(Attendance.checked_out_at).is_not(None))
        )
    return query


def _scope(actor: Actor) -> frozenset[int] | None:
    return None if actor.is_admin else actor.center_ids


async def audience_center(session: AsyncSession, audience: Audience) -> int | None:
    """The center whose permission the audience needs (None: the actor's own scope applies)."""
    if audience.kind == "center":
        return audience.number
    if audience.kind == "opportunity":
        opportunity = await session.get(Opportunity, audience.number)
        return opportunity.center_id if opportunity else -1
    if audience.kind == "shift":
        row = await session.execute(
            select(col(Opportunity.center_id)).join(Shift, col(Shift.opportunity_id) == col(Opportunity.id)).where(col(Shift.id) == audience.number)
        )
        return row.scalar_one_or_none() or -1
    return None


@dataclass(frozen=True)
class AudienceSubject:
    """The rows an audience names, to describe it to the coordinator (None: unknown or not named)."""

    center: Center | None = None
    opportunity: Opportunity | None = None
    shift: Shift | None = None


async def audience_subject(session: AsyncSession, *, audience: Audience) -> AudienceSubject:
    """The center, opportunity or shift (with its opportunity) that the audience is about."""
    if audience.kind == "center":
        return AudienceSubject(center=await session.get(Center, audience.number))
    if audience.kind == "opportunity":
        return AudienceSubject(opportunity=await session.get(Opportunity, audience.number))
    if audience.kind == "shift":
        shift = await session.get(Shift, audience.number)
        opportunity = await session.get(Opportunity, shift.opportunity_id) if shift else None
        return AudienceSubject(opportunity=opportunity, shift=shift)
    return AudienceSubject()


def _still_ahead(now: datetime) -> ColumnElement[bool]:
    return (col(Shift.ends_at) > now) & (col(Shift.status) == ShiftStatus.ACTIVE)


async def opportunities_to_address(
    session: AsyncSession, *, actor: Actor, now: datetime, limit: int
) -> list[Opportunity]:
    """Published opportunities of the actor's centers with a shift still ahead, newest first."""
    query = (
        select(Opportunity)
        .where(col(Opportunity.status) == OpportunityStatus.PUBLISHED)
        .where(select(col(Shift.id)).where(col(Shift.opportunity_id) == col(Opportunity.id), _still_ahead(now)).exists())
        .order_by(col(Opportunity.id).desc())
        .limit(limit)
    )
    if not actor.is_admin:
        query = query.where(col(Opportunity.center_id).in_(actor.center_ids or {-1}))
    return list((await session.execute(query)).scalars())


@dataclass
class OpportunityShifts:
    opportunity: Opportunity
    shifts: list[Shift] = field(default_factory=list)


async def shifts_to_address(
    session: AsyncSession, *, actor: Actor, opportunity_id: int, now: datetime, limit: int
) -> OpportunityShifts | None:
    """An opportunity of the actor's centers and its shifts still ahead, soonest first (None: not theirs)."""
    opportunity = await session.get(Opportunity, opportunity_id)
    if opportunity is None or not actor.manages(opportunity.center_id):
        return None
    shifts = await session.execute(
        select(Shift).where(col(Shift.opportunity_id) == opportunity.id, _still_ahead(now)).order_by(col(Shift.starts_at)).limit(limit)
    )
    return OpportunityShifts(opportunity, list(shifts.scalars()))


async def count_audience(session: AsyncSession, *, actor: Actor, audience: Audience, now: datetime) -> int:
    """How many volunteers would receive a broadcast to this audience right now."""
    inner = _recipients(audience, scope=_scope(actor), now=now).subquery()
    return int((await session.execute(select(func.count()).select_from(inner))).scalar_one())


def content_hash(*, telegram_id: int, text: str, photo_file_id: str | None, audience: Audience) -> str:
    raw = json.dumps([telegram_id, text, photo_file_id, str(audience)], ensure_ascii=False)
    return hashlib.sha1(raw.encode()).hexdigest()


async def create_draft(
    session: AsyncSession, *, actor: Actor, text: str, photo_file_id: str | None, audience: Audience, now: datetime
) -> Broadcast:
    """A draft the coordinator previews; nothing is queued until it is confirmed."""
    draft = Broadcast(
        created_by_telegram_id=actor.telegram_id,
        language=actor.volunteer.language,
        text=text,
        photo_file_id=photo_file_id,
        audience=str(audience),
        content_hash=content_hash(telegram_id=actor.telegram_id, text=text, photo_file_id=photo_file_id, audience=audience),
        recipients=await count_audience(session, actor=actor, audience=audience, now=now),
        created_at=now,
    )
    session.add(draft)
    await session.flush()
    return draft


class ConfirmOutcome(StrEnum):
    QUEUED = "queued"
    ALREADY = "already"  # this draft was confirmed before (a second press)
    DUPLICATE = "duplicate"  # the same message went to the same audience less than a minute ago
    EMPTY = "empty"  # nobody left in the audience
    GONE = "gone"  # cancelled, or not this coordinator's draft


@dataclass
class ConfirmResult:
    outcome: ConfirmOutcome
    broadcast: Broadcast | None = None
    queued: int = 0


async def confirm_broadcast(
    session: AsyncSession, *, actor: Actor, broadcast_id: int, now: datetime
) -> ConfirmResult:
    """Queue the draft for its audience, once.

    The draft moves from draft to queued in one guarded UPDATE, so two presses (or two workers)
    cannot both pass; the outbox keys `broadcast:<id>:<volunteer>` make a repeat a no-op anyway.
    """
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.created_by_telegram_id != actor.telegram_id:
        return ConfirmResult(ConfirmOutcome.GONE)
    if broadcast.status in (BroadcastStatus.QUEUED, BroadcastStatus.DONE):
        return ConfirmResult(ConfirmOutcome.ALREADY, broadcast)
    if broadcast.status != BroadcastStatus.DRAFT:
        return ConfirmResult(ConfirmOutcome.GONE, broadcast)
    recent = await session.execute(
        select(col(Broadcast.id)).where(
            col(Broadcast.content_hash) == broadcast.content_hash,
            col(Broadcast.id) != broadcast.id,
            col(Broadcast.status).in_((BroadcastStatus.QUEUED, BroadcastStatus.DONE)),
            col(Broadcast.confirmed_at) >= now - DUPLICATE_WINDOW,
        )
    )
    if recent.first() is not None:
        broadcast.status = BroadcastStatus.CANCELLED
        return ConfirmResult(ConfirmOutcome.DUPLICATE, broadcast)
    claimed = await session.execute(
        update(Broadcast)
        .where(col(Broadcast.id) == broadcast_id, col(Broadcast.status) == BroadcastStatus.DRAFT)
        .values(status=BroadcastStatus.QUEUED, confirmed_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result
        return ConfirmResult(ConfirmOutcome.ALREADY, broadcast)
    queued = await _queue_recipients(session, broadcast=broadcast, actor=actor, now=now)
    await session.refresh(broadcast)
    if queued == 0:
        broadcast.status, broadcast.finished_at = BroadcastStatus.DONE, now
        return ConfirmResult(ConfirmOutcome.EMPTY, broadcast)
    broadcast.recipients = queued
    return ConfirmResult(ConfirmOutcome.QUEUED, broadcast, queued)


async def _queue_recipients(session: AsyncSession, *, broadcast: Broadcast, actor: Actor, now: datetime) -> int:
    """One outbox row per recipient in a single INSERT ... SELECT (100k rows in one statement).

    The rows are exactly what models.outbox.enqueue would write; row by row, a 100k audience
    would hold the database's write lock for many seconds.
    """
    audience = Audience.parse(broadcast.audience)
    recipients = _recipients(audience, scope=_scope(actor), now=now).subquery()
    payload = json.dumps({"broadcast_id": broadcast.id}, sort_keys=True)
    source = select(
        literal(f"broadcast:{broadcast.id}:") + cast(recipients.c.id, String),
        recipients.c.telegram_id,
        recipients.c.id,
        literal("broadcast"),
        literal(payload),
        literal(PRIORITY_BROADCAST),
        literal(OutboxStatus.PENDING.value),
        literal(0),
        literal(now, OutboxMessage.__table__.c.not_before.type),  # type: ignore[attr-defined]  # SQLModel declares no __table__ on the class
        literal(now, OutboxMessage.__table__.c.created_at.type),  # type: ignore[attr-defined]  # SQLModel declares no __table__ on the class
        literal(broadcast.id),
    ).where(recipients.c.id.is_not(None))  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT
    columns = ["key", "chat_id", "volunteer_id", "kind", "payload", "priority", "status", "attempts",
               "not_before", "created_at", "broadcast_id"]
    result = await session.execute(
        dialect_insert(session, OutboxMessage).from_select(columns, source).on_conflict_do_nothing()
    )
    queued = int(result.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result
    if queued:
        mark_queued(session)
    return queued


async def cancel_draft(session: AsyncSession, *, actor: Actor, broadcast_id: int) -> bool:
    """Drop a draft that was not confirmed; False when it is not (or no longer) a draft of theirs."""
    result = await session.execute(
        update(Broadcast)
        .where(
            col(Broadcast.id) == broadcast_id,
            col(Broadcast.status) == BroadcastStatus.DRAFT,
            col(Broadcast.created_by_telegram_id) == actor.telegram_id,
        )
        .values(status=BroadcastStatus.CANCELLED)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result


@dataclass
class Progress:
    broadcast: Broadcast
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def in_flight(self) -> int:
        return sum(n for status, n in self.counts.items() if status in IN_FLIGHT)

    @property
    def finished(self) -> bool:
        return self.in_flight == 0

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def sent(self) -> int:
        return self.count(OutboxStatus.SENT)

    @property
    def unreachable(self) -> int:
        """Recipients who blocked the bot or left Telegram (refused, or known so before the send)."""
        return self.count(OutboxStatus.UNREACHABLE)

    @property
    def other_failures(self) -> int:
        """Final statuses other than sent and unreachable (failed, dropped, ...)."""
        done = (*IN_FLIGHT, OutboxStatus.SENT, OutboxStatus.UNREACHABLE)
        return sum(n for s, n in self.counts.items() if s not in done)


async def broadcast_progress(session: AsyncSession, *, broadcast_id: int) -> Progress | None:
    """How many of the broadcast's messages are in each outbox status."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    if broadcast.final_counts is not None:  # closed: its outbox rows may have been pruned since
        return Progress(broadcast, {status: int(n) for status, n in json.loads(broadcast.final_counts).items()})
    rows = await session.execute(
        select(col(OutboxMessage.status), func.count())
        .where(col(OutboxMessage.broadcast_id) == broadcast_id)
        .group_by(col(OutboxMessage.status))
    )
    return Progress(broadcast, {status: int(n) for status, n in rows})


async def mark_finished(
    session: AsyncSession, *, broadcast_id: int, now: datetime, counts: dict[str, int] | None = None
) -> bool:
    """Close the broadcast once, keeping its final counts; False when it was already closed (the
    report goes out once). A stopped broadcast stays "stopped"; a sent one becomes "done"."""
    result = await session.execute(
        update(Broadcast)
        .where(
            col(Broadcast.id) == broadcast_id,
            col(Broadcast.status).in_(SENDING_STATUSES),
            col(Broadcast.finished_at).is_(None),
        )
        .values(
            status=case((col(Broadcast.status) == BroadcastStatus.QUEUED, BroadcastStatus.DONE), else_=col(Broadcast.status)),
            finished_at=now,
            final_counts=json.dumps(counts, sort_keys=True) if counts is not None else None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result


class StopOutcome(StrEnum):
    STOPPED = "stopped"
    FINISHED = "finished"  # everything was already sent (or it was stopped before)
    NOT_YOURS = "not_yours"  # another coordinator's broadcast (admins may stop any)


@dataclass(frozen=True)
class StopResult:
    outcome: StopOutcome
    held_back: int = 0  # messages that will not be sent


async def stop_broadcast(session: AsyncSession, *, actor: Actor, broadcast_id: int, now: datetime) -> StopResult:
    """⛔ Nothing more of this broadcast is sent: its queued messages are dropped at once.

    Messages already on their way (claimed by a sender) finish; the report then says how many
    received it. Only its author or an admin may stop it.
    """
    broadcast = (await session.execute(select(Broadcast).where(col(Broadcast.id) == broadcast_id).with_for_update())).scalar_one_or_none()
    if broadcast is None or broadcast.status != BroadcastStatus.QUEUED:
        return StopResult(StopOutcome.FINISHED)
    if broadcast.created_by_telegram_id != actor.telegram_id and not actor.is_admin:
        return StopResult(StopOutcome.NOT_YOURS)
    broadcast.status = BroadcastStatus.STOPPED
    held = await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.broadcast_id) == broadcast_id, col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(status=OutboxStatus.DROPPED, last_error=f"stopped by {actor.telegram_id} at {now.isoformat()}")
        .execution_options(synchronize_session=False)
    )
    return StopResult(StopOutcome.STOPPED, int(held.rowcount))  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result


async def remember_progress_message(
    session: AsyncSession, *, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    await session.execute(
        update(Broadcast)
        .where(col(Broadcast.id) == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
    )


async def unfinished_broadcasts(session: AsyncSession) -> list[Broadcast]:
    """Queued broadcasts whose progress someone is waiting for (to resume after a restart)."""
    rows = await session.execute(
        select(Broadcast).where(
            col(Broadcast.status).in_(SENDING_STATUSES),
            col(Broadcast.finished_at).is_(None),
            col(Broadcast.progress_message_id).is_not(None),
        )
    )
    return list(rows.scalars())


