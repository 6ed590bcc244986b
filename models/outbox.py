"""The outbox: every message the bot sends on its own is a row here before it leaves."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Integer, bindparam, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import dialect_insert
from models.notices.kinds import NoticeKind
from models.tables import Broadcast, OutboxMessage, OutboxStatus, Volunteer

PRIORITY_INTERACTIVE = 0
PRIORITY_NOTICE = 10
PRIORITY_BROADCAST = 20


# -- Statuses (OutboxStatus) and the sender's bookkeeping -----------------------------------------
# pending -> sending -> sent; or back to pending (definite non-delivery: retried with backoff);
# failed (gave up, or a permanent refusal); unreachable (the recipient blocked the bot or left:
# refused with 403 or "chat not found", or already known to be so when the row came up);
# dropped (nothing to send any more: renderer said so, reminder too late); uncertain (sent twice
# without knowing the outcome: presumed delivered, never sent again).

# Set in session.info by every insert into the outbox; the session factory rings the sender's
# bell after such a session commits (infra.database), so no caller has to wake it by hand.
QUEUED_INFO_KEY = "outbox_queued"


def mark_queued(session: AsyncSession) -> None:
    """This transaction queued at least one message: wake the sender once it commits."""
    session.info[QUEUED_INFO_KEY] = True


MAX_ATTEMPTS = 5  # definite failures (5xx, refused connections) before we give up
MAX_UNCERTAIN_SENDS = 2  # an uncertain send is resent once; a second uncertain outcome is final


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    volunteer_id: int | None = None,
    priority: int = PRIORITY_NOTICE,
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
    status: OutboxStatus = OutboxStatus.PENDING,
    last_error: str | None = None,
) -> bool:
    """Queue one message; False when a message with this key was queued before (never twice).

    status DROPPED with a reason records a message that will never be sent (a reminder whose
    moment passed while the bot was down), so the key stays taken and nothing sends it later.
    """
    values = outbox_row(
        key=key, chat_id=chat_id, kind=kind, payload=payload, now=now, volunteer_id=volunteer_id,
        priority=priority, status=status, last_error=last_error,
    )
    values.update(not_before=not_before or now, broadcast_id=broadcast_id)
    result = await session.execute(_insert(session).values(**values).on_conflict_do_nothing())
    queued = bool(result.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result
    if queued and status == OutboxStatus.PENDING:
        mark_queued(session)
    return queued


def _insert(session: AsyncSession) -> Any:
    return dialect_insert(session, OutboxMessage)


def outbox_row(
    *,
    key: str,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    volunteer_id: int | None = None,
    priority: int = PRIORITY_NOTICE,
    status: OutboxStatus = OutboxStatus.PENDING,
    last_error: str | None = None,
) -> dict[str, Any]:
    """One row for enqueue_many (the same columns enqueue writes)."""
    return dict(
        key=key,
        chat_id=chat_id,
        volunteer_id=volunteer_id,
        kind=kind,
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        priority=priority,
        status=status,
        attempts=0,
        not_before=now,
        created_at=now,
        broadcast_id=None,
        last_error=last_error,
    )


async def enqueue_many(session: AsyncSession, rows: list[dict[str, Any]], *, chunk: int = 5_000) -> int:
    """Queue many messages; how many were new (taken keys are skipped).

    One cached statement run over the rows (SQLAlchemy batches them as "insert many values"),
    not a new multi-row VALUES statement compiled per chunk: 25k thank-yous after a restart at
    100k volunteers took 10 s of SQLite's write lock that way, and take about half a second so.
    RETURNING counts the rows inserted (PostgreSQL gives no row count for a batch).
    """
    queued = 0
    connection = await session.connection()
    statement = _insert(session).on_conflict_do_nothing().returning(col(OutboxMessage.id))
    for start in range(0, len(rows), chunk):
        result = await connection.execute(statement, rows[start : start + chunk])
        queued += len(result.all())
    if queued:
        mark_queued(session)
    return queued


async def taken_keys(session: AsyncSession, keys: list[str], *, chunk: int = 500) -> set[str]:
    """Which of these keys the outbox already holds (to skip work a sweep did before)."""
    taken: set[str] = set()
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        rows = await session.execute(select(col(OutboxMessage.key)).where(col(OutboxMessage.key).in_(part)))
        taken.update(rows.scalars())
    return taken


# A bot token as Telegram issues them (the Bot API URL carries it, and network errors quote URLs).
BOT_TOKEN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")


def _clip_error(text: str) -> str:
    """A stored error: never a token (errors of the HTTP layer can quote the request URL), at most 300 characters."""
    text = BOT_TOKEN.sub("<token>", text)
    return text if len(text) <= 300 else text[:299] + "…"


async def due_messages(session: AsyncSession, *, now: datetime, limit: int) -> list[OutboxMessage]:
    """Pending messages due now, most urgent first, locked for this sender.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several bot instances claim side by side, each
    skipping the rows another is claiming; SQLite's single writer lock serialises claims anyway.
    """
    query = (
        select(OutboxMessage)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING, col(OutboxMessage.not_before) <= now)
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.not_before), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list((await session.execute(query)).scalars())


async def recipients(session: AsyncSession, messages: list[OutboxMessage]) -> dict[int, Volunteer]:
    """The volunteers the messages go to, by chat id (one query)."""
    chats = {m.chat_id for m in messages}
    if not chats:
        return {}
    rows = await session.execute(select(Volunteer).where(col(Volunteer.telegram_id).in_(chats)))
    return {v.telegram_id: v for v in rows.scalars()}


def mark_sending(message: OutboxMessage, *, now: datetime, lease: timedelta) -> None:
    """Claimed: while "sending", not_before holds the lease's end, after which the row is abandoned."""
    message.status = OutboxStatus.SENDING
    message.attempts += 1
    message.not_before = now + lease


def drop(message: OutboxMessage, *, reason: str) -> None:
    message.status = OutboxStatus.DROPPED
    message.last_error = _clip_error(reason)


def fail(message: OutboxMessage, *, reason: str) -> None:
    message.status = OutboxStatus.FAILED
    message.last_error = _clip_error(reason)


def skip_unreachable(message: OutboxMessage, *, reason: str) -> None:
    """Not sent: the recipient is known to have blocked the bot (or left Telegram)."""
    message.status = OutboxStatus.UNREACHABLE
    message.last_error = _clip_error(reason)


async def recover_abandoned(
    session: AsyncSession, *, now: datetime, keep: set[int] | frozenset[int] = frozenset()
) -> tuple[int, int]:
    """Rows left "sending" past their lease (the sender died or hung mid-send): (requeued, closed).

    We cannot know whether Telegram got such a message, so it counts as an uncertain send: the
    first time it is queued again (at most one duplicate per crash), the second time it is closed
    as "uncertain". `keep`: rows this sender still holds in memory (never taken from under it).
    """
    abandoned = (
        (col(OutboxMessage.status) == OutboxStatus.SENDING)
        & (col(OutboxMessage.not_before) <= now)
        & col(OutboxMessage.id).not_in(keep or [-1])
    )
    closed = await session.execute(
        update(OutboxMessage)
        .where(abandoned, col(OutboxMessage.uncertain_sends) >= MAX_UNCERTAIN_SENDS - 1)
        .values(
            status=OutboxStatus.UNCERTAIN,
            uncertain_sends=col(OutboxMessage.uncertain_sends) + 1,
            last_error="uncertain: the sender stopped during a resend; presumed delivered",
        )
        .execution_options(synchronize_session=False)
    )
    requeued = await session.execute(
        update(OutboxMessage)
        .where(abandoned)
        .values(
            status=OutboxStatus.PENDING,
            not_before=now,
            uncertain_sends=col(OutboxMessage.uncertain_sends) + 1,
            last_error="uncertain: the sender stopped during the send; sending once more",
        )
        .execution_options(synchronize_session=False)
    )
    return int(requeued.rowcount), int(closed.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result


async def renew_leases(session: AsyncSession, *, ids: list[int], until: datetime) -> None:
    """Keep rows this sender still holds (waiting out a long flood wait) from looking abandoned."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) == OutboxStatus.SENDING)
            .values(not_before=until)
            .execution_options(synchronize_session=False)
        )


@dataclass
class Delivery:
    """What became of one send, recorded after Telegram answered (or did not)."""

    message_id: int
    status: OutboxStatus  # SENT, PENDING (try again), FAILED, UNREACHABLE (marks the volunteer) or UNCERTAIN
    not_before: datetime | None = None
    telegram_message_id: int | None = None
    error: str | None = None
    uncertain: bool = False  # the outcome is unknown (timed out after the request left)
    counted: bool = True  # False for a flood wait (429): it was not the message's attempt


async def record_deliveries(
    session: AsyncSession, *, deliveries: list[Delivery], chats: dict[int, int], now: datetime
) -> None:
    """Write the outcomes of a batch of sends in one statement; mark blocked recipients unreachable.

    Only rows still "sending" are touched: a row another instance recovered after our lease ran
    out keeps its newer state. `chats`: outbox id -> chat id, for the unreachable ones.
    """
    if not deliveries:
        return
    table = OutboxMessage.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__ on the class
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.status == OutboxStatus.SENDING)
        .values(
            status=bindparam("b_status"),
            not_before=case((bindparam("b_retry", type_=Boolean), bindparam("b_not_before", type_=table.c.not_before.type)), else_=table.c.not_before),
            sent_at=bindparam("b_sent_at", type_=table.c.sent_at.type),
            telegram_message_id=bindparam("b_tg_id", type_=table.c.telegram_message_id.type),
            # A delivered row keeps the last trouble it met (why it was late, or resent).
            last_error=func.coalesce(bindparam("b_error", type_=table.c.last_error.type), table.c.last_error),
            attempts=table.c.attempts - bindparam("b_give_back", type_=Integer),
            uncertain_sends=table.c.uncertain_sends + bindparam("b_uncertain", type_=Integer),
        )
    )
    params = [
        {
            "b_id": d.message_id,
            "b_status": d.status,
            "b_retry": d.not_before is not None,
            "b_not_before": d.not_before or now,
            "b_sent_at": now if d.status == OutboxStatus.SENT else None,
            "b_tg_id": d.telegram_message_id,
            "b_error": _clip_error(d.error) if d.error else None,
            "b_give_back": 0 if d.counted else 1,
            "b_uncertain": 1 if d.uncertain else 0,
        }
        for d in deliveries
    ]
    await session.connection()  # the Core executemany below runs in the session's transaction
    await session.execute(statement, params)
    blocked = {chats[d.message_id] for d in deliveries if d.status == OutboxStatus.UNREACHABLE and d.message_id in chats}
    if blocked:
        await session.execute(
            update(Volunteer)
            .where(col(Volunteer.telegram_id).in_(blocked))
            .values(reachable=False)
            .execution_options(synchronize_session=False)
        )


async def status_counts(session: AsyncSession) -> dict[str, int]:
    """How many rows are in each status (for the bench and for operators)."""
    rows = await session.execute(select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status)))
    return {status: int(count) for status, count in rows}


# A sweep decides from the outbox whether these were ever sent ("once ever", once a year): their
# rows are the memory of it and are never pruned, or the thanks would be sent again.
KEPT_FOREVER = frozenset({NoticeKind.FIRST_SHIFT, NoticeKind.MILESTONE, NoticeKind.VOLUNTEER_DAY})
FINAL_STATUSES = (
    OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.DROPPED, OutboxStatus.UNCERTAIN, OutboxStatus.UNREACHABLE,
)


async def prune_outbox(session: AsyncSession, *, now: datetime, keep_days: int, limit: int = 5_000) -> int:
    """Delete up to `limit` finished rows older than `keep_days` (0: keep everything); how many.

    Kept: rows still to send, the once-ever thanks (KEPT_FOREVER), and the rows of a broadcast
    whose final counts are not saved on it yet (its report reads them). Bounded per call, so one
    sweep holds SQLite's write lock for milliseconds, and a backlog is worked off minute by minute.
    """
    if keep_days <= 0:
        return 0
    counted = select(col(Broadcast.id)).where(col(Broadcast.final_counts).is_not(None))
    old = (
        select(col(OutboxMessage.id))
        .where(
            col(OutboxMessage.created_at) < now - timedelta(days=keep_days),
            col(OutboxMessage.status).in_(FINAL_STATUSES),
            col(OutboxMessage.kind).not_in(KEPT_FOREVER),
            (col(OutboxMessage.broadcast_id).is_(None)) | col(OutboxMessage.broadcast_id).in_(counted),
        )
        .limit(limit)
    )
    ids = list((await session.execute(old)).scalars())
    if not ids:
        return 0
    result = await session.execute(
        delete(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result


async def depth(session: AsyncSession, *, now: datetime) -> dict[str, int]:
    """What is still to send, for every sender together: "due" (pending, due now), "waiting"
    (pending, due later: backoff, flood waits, per-chat spacing) and "sending" (claimed)."""
    live = [OutboxStatus.PENDING, OutboxStatus.SENDING]
    rows = await session.execute(
        select(col(OutboxMessage.status), func.count())
        .where(col(OutboxMessage.status).in_(live))
        .group_by(col(OutboxMessage.status))
    )
    by_status = {str(status): int(count) for status, count in rows}
    due = await session.scalar(
        select(func.count()).where(col(OutboxMessage.status) == OutboxStatus.PENDING, col(OutboxMessage.not_before) <= now)
    )
    pending = by_status.get(OutboxStatus.PENDING, 0)
    return {"due": int(due or 0), "waiting": max(0, pending - int(due or 0)), "sending": by_status.get(OutboxStatus.SENDING, 0)}
