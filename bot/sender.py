"""The outbox sender: every queued message leaves through here, within the limits, crash-safe.

One drain loop per process claims due rows in a short transaction (status "sending", a lease in
not_before), renders them in the recipient's current language, sends them through the bot (whose
PriorityRateLimiter paces every call and lets replies to volunteers go first), and records the
outcomes in another short transaction. The database is the only state that matters:

- a 429 or a 5xx, or a connection that never reached Telegram, is a definite non-delivery: the row
  goes back to "pending" (after exactly retry_after for a 429, with backoff otherwise), so it can
  never cause a duplicate; after MAX_ATTEMPTS definite failures the row is "failed" with the reason;
- a 403 (blocked) or "chat not found" closes the row as "unreachable" and marks the volunteer so:
  nothing is sent to them (their queued messages are closed as "unreachable" too) until they
  write to the bot again;
- an uncertain send (read timeout, connection dropped after the request left, or the process died
  while the row was "sending") is resent at most once: Telegram has no idempotency key, so we
  accept at most one duplicate per message rather than lose it; a second uncertain outcome closes
  the row as "uncertain" (presumed delivered). Rows of a dead sender are taken back when their
  lease runs out (LEASE after the claim; renewed while a live sender still holds them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application
from telegram.request import HTTPXRequest

from bot import bulk_transport
from bot.bulk_transport import BulkTransport
from bot.ratelimit import PriorityRateLimiter, retry_after_seconds
from infra.database import transaction
from infra.i18n import Translator
from infra.services import Services
from models import outbox
from models.outbox import Delivery
from models.tables import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
STOP_GRACE_S = 5.0  # a stop waits this long for sends in flight, then gives them back (see stop)
CHAT_SPACING = timedelta(seconds=1)
MAX_CAPTION = 1024  # Telegram's limit on a photo's or document's caption
SEND_TIMEOUTS = {"connect_timeout": 5.0, "read_timeout": 10.0, "write_timeout": 10.0, "pool_timeout": 5.0}
IDLE_POLL_S = 1.0
MAX_BACKOFF_S = 600.0
# Errors raised before the request reached Telegram: a resend cannot duplicate anything.
NEVER_LEFT = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout, httpx.WriteError,
    *bulk_transport.NEVER_LEFT,
)


class RenderedMessage(Protocol):
    """What a renderer gives back (`handlers.notices.Rendered`)."""

    text: str
    keyboard: Any
    photo: str | None
    document: Any  # RenderedDocument | None: a file (bytes) sent with the text as its caption


# The handlers' renderer, handed to the sender at start-up: the sender imports no handler.
NoticeRenderer = Callable[[AsyncSession, Translator, OutboxMessage], Awaitable[RenderedMessage | None]]


@dataclass
class Outgoing:
    """A claimed row, rendered and ready to go."""

    outbox_id: int
    chat_id: int
    attempts: int
    uncertain_sends: int
    text: str
    markup: Any
    photo: str | None = None  # a file_id: the text goes as its caption
    document: Any = None  # a RenderedDocument (filename, data): the text goes as its caption


def is_uncertain(error: TelegramError) -> bool:
    """Might Telegram have delivered the message although we got an error?"""
    cause = error.__cause__
    if isinstance(cause, NEVER_LEFT):
        return False
    if isinstance(error, TimedOut):
        return True  # a read timeout: the request left, the answer did not come back
    if cause is None:
        return False  # an HTTP error status (5xx): Telegram answered that it did not do it
    return True  # the connection broke after the request left (RemoteProtocolError, ReadError)


def backoff(attempts: int) -> timedelta:
    """2, 4, 8, 16 … seconds (with jitter, so a failed burst does not come back as one)."""
    return timedelta(seconds=min(MAX_BACKOFF_S, 2.0**attempts) * random.uniform(0.8, 1.2))


def expired(payload: str, now: datetime) -> bool:
    """A message may carry `expires_at` (a reminder is pointless once the shift has started)."""
    if "expires_at" not in payload:
        return False
    value = json.loads(payload).get("expires_at")
    return bool(value) and datetime.fromisoformat(value) <= now


class OutboxSender:
    """Drains the outbox of one bot process."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        render: NoticeRenderer,
        *,
        lease: timedelta = LEASE,
        max_in_flight: int | None = None,
    ) -> None:
        self.app = app
        self.render = render
        self.lease = lease
        rate = self.services.settings.send_rate_per_second
        # About a fifth of a second of sends claimed ahead: enough to keep the pace while the next
        # batch is claimed, few to look at again after a crash.
        self.max_in_flight = max_in_flight or max(5, int(rate * 0.2))
        self._in_flight: dict[int, asyncio.Task[Delivery]] = {}
        self._chat_of: dict[int, int] = {}
        self._busy_chats: dict[int, int] = {}
        self._last_sent: dict[int, datetime] = {}
        self._finished: list[Delivery] = []
        self._drain_lock = asyncio.Lock()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._leases_renewed = time.monotonic()
        self.totals: dict[str, int] = {}
        # Against the real Bot API (PTB's own HTTPXRequest) bulk sends take the lighter aiohttp
        # path; with any other request (the tests' Telegram double) they go through PTB.
        self._transport = BulkTransport(app.bot, self.limiter) if isinstance(app.bot.request, HTTPXRequest) else None

    @property
    def services(self) -> Services:
        return self.app.bot_data.services  # type: ignore[no-any-return]

    @property
    def limiter(self) -> PriorityRateLimiter | None:
        limiter = self.app.bot.rate_limiter
        return limiter if isinstance(limiter, PriorityRateLimiter) else None

    # -- the long-running loop ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Is the drain loop alive (for /healthz)?"""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-sender")

    async def stop(self, timeout: float = STOP_GRACE_S) -> None:
        """Stop claiming, let the sends in flight finish and be recorded, then end the loop.

        Sends still out after `timeout` are cancelled and queued again as uncertain sends (the
        request may have left): after a stop, no row of ours is left "sending".
        """
        self._stopping = True
        self.services.outbox_bell.ring()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task
            self._task = None
        try:
            await self._give_back_unfinished()
        finally:
            await self.close()

    async def _give_back_unfinished(self) -> None:
        out = dict(self._in_flight)
        for task in out.values():
            task.cancel()
        await asyncio.gather(*out.values(), return_exceptions=True)
        await self._flush()  # those that finished before they could be cancelled
        held = [outbox_id for outbox_id, task in out.items() if task.cancelled()]
        if not held:
            return
        now = self.services.clock()
        async with transaction(self.services.sessions) as session:
            # Their lease ends now: recovery treats them as any abandoned send (resent at most once).
            await outbox.renew_leases(session, ids=held, until=now)
            requeued, closed = await outbox.recover_abandoned(session, now=now)
        log.info("outbox: %d sends still out at stop queued once more, %d closed as uncertain", requeued, closed)

    async def close(self) -> None:
        """Release the HTTP connections of the bulk path."""
        if self._transport is not None:
            await self._transport.close()

    async def _run(self) -> None:
        bell = self.services.outbox_bell
        while not self._stopping:
            bell.clear()
            try:
                await self.drain()
            except Exception:  # keep the sender alive; the database keeps every row
                log.exception("outbox drain failed; retrying shortly")
                await asyncio.sleep(5)
            # A commit that queued messages rings the bell; other instances' rows are polled for.
            await bell.wait(IDLE_POLL_S)

    # -- one drain ----------------------------------------------------------------------------
    async def drain(self, limit: int | None = None) -> int:
        """Send every message due now (at most `limit`); how many were delivered."""
        async with self._drain_lock:
            before = self.totals.get(OutboxStatus.SENT, 0)
            await self._recover()
            claimed, exhausted = 0, False
            while True:
                await self._flush()
                room = self.max_in_flight - len(self._in_flight)
                if limit is not None:
                    room = min(room, limit - claimed)
                    exhausted = exhausted or claimed >= limit
                # Claim in batches of at least half the window, so each transaction pays its way.
                wants_more = room > 0 and (room * 2 >= self.max_in_flight or not self._in_flight)
                if not exhausted and not self._stopping and wants_more:
                    batch, touched = await self._claim(room)
                    claimed += len(batch)
                    for item in batch:
                        self._launch(item)
                    exhausted = not touched
                    if touched:
                        continue
                if not self._in_flight:
                    if exhausted or self._stopping:
                        break
                    continue
                # Not longer than a quarter of the lease: sends held up by a long flood wait must
                # not let our leases run out (another instance would take the rows and resend).
                await asyncio.wait(
                    list(self._in_flight.values()), timeout=self.lease.total_seconds() / 4,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            await self._flush()
            return self.totals.get(OutboxStatus.SENT, 0) - before

    async def _recover(self) -> None:
        async with transaction(self.services.sessions) as session:
            requeued, closed = await outbox.recover_abandoned(
                session, now=self.services.clock(), keep=set(self._in_flight)
            )
        if requeued or closed:
            log.warning("outbox: %d abandoned sends queued once more, %d closed as uncertain", requeued, closed)

    def _chat_free_at(self, chat_id: int, now: datetime) -> datetime | None:
        """When this chat may get our next message: a second after the last one, after any flood
        wait Telegram set for it, and never while a message to it is on its way (None: now)."""
        if chat_id in self._busy_chats:
            return now + CHAT_SPACING
        moments = []
        last = self._last_sent.get(chat_id)
        if last is not None:
            moments.append(last + CHAT_SPACING)
        if self.limiter is not None:
            moments.append(self.limiter.chat_free_at(chat_id, CHAT_SPACING.total_seconds()))
        free_at = max((m for m in moments if m is not None), default=None)
        return free_at if free_at is not None and free_at > now else None

    async def _claim(self, room: int) -> tuple[list[Outgoing], bool]:
        """Claim, render and mark up to `room` due rows; also whether any row was looked at."""
        services = self.services
        now = services.clock()
        picked: list[Outgoing] = []
        async with transaction(services.sessions) as session:
            candidates = await outbox.due_messages(session, now=now, limit=room * 2)
            people = await outbox.recipients(session, candidates)
            for message in candidates:
                if len(picked) >= room:
                    break
                free_at = self._chat_free_at(message.chat_id, now)
                if free_at is not None:
                    message.not_before = free_at  # one message a second per chat
                    continue
                volunteer = people.get(message.chat_id)
                if volunteer is not None and not volunteer.reachable:
                    outbox.skip_unreachable(message, reason="recipient unreachable (blocked the bot or left)")
                    continue
                if expired(message.payload, now):
                    outbox.drop(message, reason="expired before it could be sent")
                    continue
                t = services.catalogs.for_language(volunteer.language if volunteer else None)
                try:
                    rendered = await self.render(session, t, message)
                except Exception as exc:
                    log.exception("outbox: rendering %s #%s failed", message.kind, message.id)
                    outbox.fail(message, reason=f"render error: {exc!r}")
                    continue
                if rendered is None:
                    outbox.drop(message, reason=f"nothing to say any more ({message.kind})")
                    continue
                outbox.mark_sending(message, now=now, lease=self.lease)
                assert message.id is not None
                picked.append(
                    Outgoing(
                        message.id, message.chat_id, message.attempts, message.uncertain_sends,
                        rendered.text, rendered.keyboard, rendered.photo, rendered.document,
                    )
                )
                self._busy_chats[message.chat_id] = self._busy_chats.get(message.chat_id, 0) + 1
        return picked, bool(candidates)

    def _launch(self, item: Outgoing) -> None:
        task = asyncio.get_running_loop().create_task(self._send(item))
        self._in_flight[item.outbox_id] = task
        self._chat_of[item.outbox_id] = item.chat_id

        def finished(done: asyncio.Task[Delivery]) -> None:
            self._in_flight.pop(item.outbox_id, None)
            count = self._busy_chats.pop(item.chat_id, 1) - 1
            if count > 0:
                self._busy_chats[item.chat_id] = count
            if done.cancelled():
                return  # stays "sending": recovered after the lease as an uncertain send
            self._finished.append(done.result())

        task.add_done_callback(finished)

    async def _send(self, item: Outgoing) -> Delivery:
        """One attempt; every outcome becomes a Delivery (nothing is raised)."""
        try:
            if item.document is not None:
                # Uploads go through PTB (multipart) on either path; the bulk path sends JSON only.
                sent = await self.app.bot.send_document(
                    item.chat_id,
                    InputFile(item.document.data, filename=item.document.filename),
                    caption=item.text[:MAX_CAPTION],
                    parse_mode=ParseMode.HTML,
                    reply_markup=item.markup,
                    rate_limit_args={"bulk": True},
                    **SEND_TIMEOUTS,  # type: ignore[arg-type]
                )
                telegram_id = sent.message_id
            elif self._transport is not None:
                telegram_id = await self._transport.send_message(item.chat_id, item.text, item.markup, photo=item.photo)
            elif item.photo is not None:
                sent = await self.app.bot.send_photo(
                    item.chat_id,
                    item.photo,
                    caption=item.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=item.markup,
                    rate_limit_args={"bulk": True},
                    **SEND_TIMEOUTS,  # type: ignore[arg-type]
                )
                telegram_id = sent.message_id
            else:
                sent = await self.app.bot.send_message(
                    item.chat_id,
                    item.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=item.markup,
                    rate_limit_args={"bulk": True},
                    **SEND_TIMEOUTS,  # type: ignore[arg-type]
                )
                telegram_id = sent.message_id
        except RetryAfter as error:
            seconds = retry_after_seconds(error)
            return Delivery(
                item.outbox_id,
                OutboxStatus.PENDING,
                not_before=self.services.clock() + timedelta(seconds=seconds),
                error=f"429 flood wait {seconds:g}s",
                counted=False,
            )
        except Forbidden as error:
            return Delivery(item.outbox_id, OutboxStatus.UNREACHABLE, error=f"403 {error.message}")
        except BadRequest as error:
            gone = "chat not found" in error.message.lower()
            status = OutboxStatus.UNREACHABLE if gone else OutboxStatus.FAILED
            return Delivery(item.outbox_id, status, error=f"400 {error.message}")
        except (TimedOut, NetworkError) as error:
            return self._after_network_error(item, error)
        except TelegramError as error:
            return Delivery(item.outbox_id, OutboxStatus.FAILED, error=f"{type(error).__name__}: {error.message}")
        except Exception as error:  # a bug must not lose track of the row
            log.exception("outbox: sending #%s failed unexpectedly", item.outbox_id)
            return Delivery(item.outbox_id, OutboxStatus.FAILED, error=f"{type(error).__name__}: {error}")
        self._last_sent[item.chat_id] = self.services.clock()
        return Delivery(item.outbox_id, OutboxStatus.SENT, telegram_message_id=telegram_id)

    def _after_network_error(self, item: Outgoing, error: TelegramError) -> Delivery:
        now = self.services.clock()
        reason = f"{type(error).__name__}: {error.message}"
        if is_uncertain(error):
            if item.uncertain_sends + 1 >= outbox.MAX_UNCERTAIN_SENDS:
                return Delivery(item.outbox_id, OutboxStatus.UNCERTAIN, error=f"uncertain twice, presumed delivered: {reason}", uncertain=True)
            return Delivery(
                item.outbox_id, OutboxStatus.PENDING, not_before=now + backoff(item.attempts),
                error=f"uncertain, sending once more: {reason}", uncertain=True,
            )
        if item.attempts >= outbox.MAX_ATTEMPTS:
            return Delivery(item.outbox_id, OutboxStatus.FAILED, error=f"gave up after {item.attempts} attempts: {reason}")
        return Delivery(item.outbox_id, OutboxStatus.PENDING, not_before=now + backoff(item.attempts), error=reason)

    async def _flush(self) -> None:
        """Record the outcomes that came back (one transaction), and keep our leases alive."""
        renew = bool(self._in_flight) and time.monotonic() - self._leases_renewed > self.lease.total_seconds() / 3
        if not self._finished and not renew:
            return
        finished, self._finished = self._finished, []
        chats = {d.message_id: self._chat_of.pop(d.message_id, 0) for d in finished}
        now = self.services.clock()
        async with transaction(self.services.sessions) as session:
            await outbox.record_deliveries(session, deliveries=finished, chats=chats, now=now)
            if renew:
                await outbox.renew_leases(session, ids=list(self._in_flight), until=now + self.lease)
        if renew:
            self._leases_renewed = time.monotonic()
        metrics = self.app.bot_data.metrics
        for delivery in finished:
            self.totals[delivery.status] = self.totals.get(delivery.status, 0) + 1
            metrics.delivered(delivery.status)


def outbox_sender(app: Application) -> OutboxSender:  # type: ignore[type-arg]
    """The process's sender (built in post_init, see bot.app)."""
    return app.bot_data.sender  # type: ignore[no-any-return]


async def drain_once(app: Application, *, limit: int | None = None) -> int:  # type: ignore[type-arg]
    """Send everything due now (respecting the limits); how many messages were delivered."""
    return await outbox_sender(app).drain(limit)
