"""One rate limiter for every Bot API call: a global pace, interactive replies first.

Every new message (send*, copy*, forward*) takes a slot. Slots come no closer than 1/rate apart
and never more than `rate` in any window of slightly over a second (Telegram, and the local
stand-in, count a sliding second on their side, after network jitter). When replies to a volunteer
and outbox sends both wait, the reply goes first, unless replies already took more than their share
of the last second's slots: then a bulk send goes, so a storm of replies cannot starve the outbox.

Bulk calls (the outbox sender passes `rate_limit_args={"bulk": True}`) get a 429 back as
RetryAfter, so the sender can put the message back in the outbox with its exact retry_after;
interactive calls wait the retry_after out and try again (once). A flood wait holds the chat it
came from for retry_after: Telegram's flood waits are mostly per chat, and our pace already keeps
the global rate. Flood waits from several chats making up a large share of the last second's sends
mean Telegram counts us over the global limit after all: then every send pauses for retry_after. Per-chat pacing of
bulk sends (one a second) is the sender's job, since it knows which chats it is about to write to;
`last_sent` and `chat_held_until` tell it what this limiter saw.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from models.base import utcnow

WINDOW_MARGIN_S = 0.03  # our second is a little longer than Telegram's: jitter never overfills theirs
CATCH_UP_S = 0.004  # how far pacing may catch up after the event loop was late
INTERACTIVE_MAX_FLOOD_WAIT_S = 30.0  # longer than this, a reply is not worth waiting for
CHAT_MEMORY_S = 5.0
# Flood waits from this many chats, and this share of the last second's sends: a global flood wait
# (we are over Telegram's global limit, whatever our own count says), not a few busy chats.
FLOOD_CHATS = 3
FLOOD_SHARE = 0.1


INTERACTIVE_RETRY_DELAY_S = 0.5


def certainly_undelivered(error: NetworkError) -> bool:
    """Did Telegram (or the network before it) certainly not deliver the message?

    An HTTP error status is raised by python-telegram-bot without a cause; a connection that could
    not be opened has a connect error as its cause. Anything else may have been delivered.
    """
    if isinstance(error, TimedOut):
        return False
    cause = error.__cause__
    return cause is None or type(cause).__name__ in ("ConnectError", "ConnectTimeout", "ClientConnectorError")


def counts_as_message(endpoint: str) -> bool:
    """Calls Telegram counts against the flood limits: new messages, not edits or answers."""
    return endpoint.startswith(("send", "copy", "forward")) and endpoint != "sendChatAction"


def retry_after_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)  # type: ignore[union-attr]


class PriorityRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """Global pace for all calls; interactive replies before outbox (bulk) sends."""

    def __init__(
        self,
        *,
        rate: float,
        interactive_share: float = 0.5,
        clock: Callable[[], datetime] = utcnow,
        window_margin: float = WINDOW_MARGIN_S,
    ) -> None:
        self.rate = rate
        self.interactive_share = interactive_share
        self._clock = clock
        self._interval = 1.0 / rate
        self._window = 1.0 + window_margin
        self._capacity = max(1, int(rate))
        self._grants: deque[tuple[float, bool]] = deque()  # (monotonic time, interactive)
        self._interactive_in_window = 0
        self._waiting: dict[bool, deque[asyncio.Future[None]]] = {True: deque(), False: deque()}
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._arrival: asyncio.Event | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        # chat id -> when we last wrote to it (the bot's clock), kept a few seconds.
        self.last_sent: dict[int, datetime] = {}
        # chat id -> until when Telegram asked us not to write to it (the bot's clock).
        self.chat_held_until: dict[int, datetime] = {}
        self._recent_floods: deque[tuple[float, int | None]] = deque()
        self._last_pruned = 0.0
        self.flood_waits = 0
        self.global_pauses = 0

    async def initialize(self) -> None:
        self._arrival = asyncio.Event()

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None

    # -- the public face ----------------------------------------------------------------------
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if not counts_as_message(endpoint):
            return await callback(*args, **kwargs)
        interactive = not (rate_limit_args or {}).get("bulk")
        retried = False
        while True:
            await self._acquire(interactive)
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                self.flood_wait(_chat(data.get("chat_id")), wait)
                if not interactive or retried or wait > INTERACTIVE_MAX_FLOOD_WAIT_S:
                    raise
                retried = True
                await asyncio.sleep(wait)
                continue
            except NetworkError as error:
                # A reply Telegram answered 5xx (or that never left) was certainly not delivered:
                # one more try, so the volunteer is not left without an answer. A timeout or a
                # broken connection may have delivered it: never resent (no duplicate replies).
                if not interactive or retried or not certainly_undelivered(error):
                    raise
                retried = True
                await asyncio.sleep(INTERACTIVE_RETRY_DELAY_S)
                continue
            self._remember_chat(data.get("chat_id"))
            return result

    def flood_wait(self, chat_id: int | None, seconds: float) -> None:
        """Telegram answered 429: hold the chat, or everything when floods come from many chats."""
        now = asyncio.get_running_loop().time()
        self.flood_waits += 1
        if chat_id is not None:
            self.chat_held_until[chat_id] = self._clock() + timedelta(seconds=seconds)
        self._recent_floods.append((now, chat_id))
        while self._recent_floods and self._recent_floods[0][0] <= now - 1.0:
            self._recent_floods.popleft()
        many_chats = len({c for _, c in self._recent_floods}) >= FLOOD_CHATS
        large_share = len(self._recent_floods) >= FLOOD_SHARE * max(1, len(self._grants))
        if chat_id is None or (many_chats and large_share):
            self.pause(seconds)

    def pause(self, seconds: float) -> None:
        """No message of any kind leaves before `seconds` from now."""
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + seconds)
        self.global_pauses += 1

    def chat_free_at(self, chat_id: int, spacing_s: float = 1.0) -> datetime | None:
        """When a new message to this chat keeps one second after our last one and honours any
        flood wait of the chat (None: no constraint known)."""
        moments = [self.chat_held_until.get(chat_id)]
        last = self.last_sent.get(chat_id)
        if last is not None:
            moments.append(last + timedelta(seconds=spacing_s))
        return max((m for m in moments if m is not None), default=None)

    @property
    def waiting(self) -> int:
        return len(self._waiting[True]) + len(self._waiting[False])

    # -- slots --------------------------------------------------------------------------------
    async def _acquire(self, interactive: bool) -> None:
        loop = asyncio.get_running_loop()
        if self._arrival is None:
            self._arrival = asyncio.Event()
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = loop.create_task(self._dispatch(), name="rate-limiter")
        future: asyncio.Future[None] = loop.create_future()
        self._waiting[interactive].append(future)
        self._arrival.set()
        await future

    def _forget_old_grants(self, now: float) -> None:
        while self._grants and self._grants[0][0] <= now - self._window:
            _, was_interactive = self._grants.popleft()
            self._interactive_in_window -= was_interactive

    def _next_waiter(self) -> tuple[asyncio.Future[None], bool] | None:
        for queue in self._waiting.values():
            while queue and queue[0].done():  # the caller was cancelled while it waited
                queue.popleft()
        replies, bulk = self._waiting[True], self._waiting[False]
        if replies and bulk:
            over_share = self._interactive_in_window >= self.interactive_share * self._capacity
            return (bulk.popleft(), False) if over_share else (replies.popleft(), True)
        if replies:
            return replies.popleft(), True
        if bulk:
            return bulk.popleft(), False
        return None

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._arrival is not None
        while True:
            if not self.waiting:
                self._arrival.clear()
                await self._arrival.wait()
                continue
            now = loop.time()
            self._forget_old_grants(now)
            ready = max(self._next_slot, self._paused_until)
            if len(self._grants) >= self._capacity:
                ready = max(ready, self._grants[0][0] + self._window)
            if ready > now:
                await asyncio.sleep(ready - now)
                continue
            picked = self._next_waiter()
            if picked is None:
                continue
            future, interactive = picked
            future.set_result(None)
            self._grants.append((now, interactive))
            self._interactive_in_window += interactive
            # Deadline pacing: a late wake-up (a busy event loop) is caught up, a little, so it does
            # not cost rate; the sliding window above still caps every second.
            self._next_slot = max(self._next_slot + self._interval, now - CATCH_UP_S)

    def _remember_chat(self, chat_id: Any) -> None:
        chat = _chat(chat_id)
        if chat is None:
            return
        now = self._clock()
        self.last_sent[chat] = now
        stamp = now.timestamp()
        if stamp - self._last_pruned > CHAT_MEMORY_S:
            self._last_pruned = stamp
            self.last_sent = {c: t for c, t in self.last_sent.items() if stamp - t.timestamp() < CHAT_MEMORY_S}
            self.chat_held_until = {c: t for c, t in self.chat_held_until.items() if t > now}


def _chat(chat_id: Any) -> int | None:
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return None
