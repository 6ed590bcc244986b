"""Webhook delivery: once setWebhook named a URL, updates are POSTed to it, as Telegram does.

Telegram's rules, as a bot sees them: each update is POSTed as JSON, with the
`X-Telegram-Bot-Api-Secret-Token` header when setWebhook gave a secret; any 2xx answer confirms
it; anything else, or no answer within DELIVERY_TIMEOUT_S, leaves it pending and it is sent again
later (after RETRY_AFTER_S here; Telegram waits longer and longer); at most `max_connections`
requests (default 40) are open at once. Updates of one chat go one after the other (the next once
the previous is confirmed), so a bot sees each chat's updates in order; different chats in
parallel. getWebhookInfo reports the pending count and the last error.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import Counter
from typing import Any

import aiohttp

from sandbox.updates import PendingUpdate, UpdateQueue

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_MAX_CONNECTIONS = 40
DELIVERY_TIMEOUT_S = 10.0
RETRY_AFTER_S = 1.0
IDLE_WAKE_S = 0.5


def chat_of(update: PendingUpdate) -> int | None:
    """The chat (or, failing that, the user) an update comes from: its delivery order key."""
    body = update.payload.get(update.kind)
    if not isinstance(body, dict):
        return None
    for holder in (body, body.get("message")):
        if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
            return int(holder["chat"]["id"])
    sender = body.get("from")
    return int(sender["id"]) if isinstance(sender, dict) else None


class WebhookDelivery:
    """POSTs pending updates to the webhook URL while one is set."""

    def __init__(self, queue: UpdateQueue) -> None:
        self._queue = queue
        self.url: str | None = None
        self.secret: str | None = None
        self.max_connections = DEFAULT_MAX_CONNECTIONS
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered: Counter[str] = Counter()  # confirmed updates, by URL
        self.failed_attempts = 0
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._changed = asyncio.Event()

    def configure(self, url: str, *, secret: str | None, max_connections: int | None) -> None:
        """setWebhook: deliver to `url` from now on."""
        self.url, self.secret = url, secret
        self.max_connections = max(1, min(100, max_connections or DEFAULT_MAX_CONNECTIONS))
        self.last_error_date = self.last_error_message = None
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="sandbox-webhook")
        self._changed.set()

    def clear(self) -> None:
        """deleteWebhook (or setWebhook with an empty URL): stop delivering."""
        self.url = self.secret = None
        self._changed.set()

    async def close(self) -> None:
        """Stop the delivery loop and its connections (the stand-in is stopping)."""
        self.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    def info(self) -> dict[str, Any]:
        """The webhook part of getWebhookInfo."""
        fields: dict[str, Any] = {"max_connections": self.max_connections}
        if self.last_error_date is not None:
            fields["last_error_date"] = self.last_error_date
            fields["last_error_message"] = self.last_error_message
        return fields

    async def _run(self) -> None:
        in_flight: dict[int, asyncio.Task[None]] = {}  # id(PendingUpdate) -> its POST
        retry_at: dict[int, float] = {}
        try:
            while self.url is not None:
                self._changed.clear()
                now = time.monotonic()
                held: set[int] = set()  # chats with an earlier update still pending
                for update in self._queue.deliverable():
                    chat = chat_of(update)
                    if chat is not None and chat in held:
                        continue
                    if chat is not None:
                        held.add(chat)
                    key = id(update)
                    if key in in_flight or retry_at.get(key, 0.0) > now or len(in_flight) >= self.max_connections:
                        continue
                    in_flight[key] = asyncio.get_running_loop().create_task(self._deliver(update, retry_at))
                    in_flight[key].add_done_callback(functools.partial(self._finished, in_flight, key))
                arrival = asyncio.ensure_future(self._queue.wait_for_arrival(IDLE_WAKE_S))
                changed = asyncio.ensure_future(self._changed.wait())
                await asyncio.wait([arrival, changed], timeout=IDLE_WAKE_S, return_when=asyncio.FIRST_COMPLETED)
                arrival.cancel()
                changed.cancel()
        finally:
            for task in list(in_flight.values()):
                task.cancel()

    def _finished(self, in_flight: dict[int, asyncio.Task[None]], key: int, _task: asyncio.Task[None]) -> None:
        in_flight.pop(key, None)
        self._changed.set()

    async def _deliver(self, update: PendingUpdate, retry_at: dict[int, float]) -> None:
        url = self.url
        if url is None:
            return
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_S))
        headers = {SECRET_HEADER: self.secret} if self.secret else {}
        try:
            async with self._http.post(url, json=update.payload, headers=headers) as response:
                await response.read()
                error = None if 200 <= response.status < 300 else f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as failure:
            error = f"Connection failed: {type(failure).__name__}"
        if error is None:
            self._queue.acknowledge(update)
            retry_at.pop(id(update), None)
            self.delivered[url] += 1
            return
        self.failed_attempts += 1
        self.last_error_date, self.last_error_message = int(time.time()), error
        retry_at[id(update)] = time.monotonic() + RETRY_AFTER_S
        logger.debug("webhook delivery of update %s failed: %s", update.update_id, error)
