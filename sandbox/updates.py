"""The update queue behind getUpdates, with Telegram's confirmation rules.

An update stays pending, and is handed out again by every getUpdates, until a later getUpdates
passes an ``offset`` above its id. A redelivered update (``redeliver``) is handed out once more
even though its id was already confirmed, to let tests check that handlers are idempotent.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from sandbox.errors import conflict

# What Telegram sends when a bot never set allowed_updates.
DEFAULT_UPDATE_KINDS = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@dataclass
class PendingUpdate:
    """An update waiting for confirmation; ``forced`` ones ignore the offset once."""

    update_id: int
    kind: str
    payload: dict[str, Any]
    forced: bool = False
    handed_out: bool = False


class UpdateQueue:
    """Pending updates plus the long-poll wake-up signal."""

    def __init__(self, first_update_id: int = 1000) -> None:
        self._next_id = first_update_id
        self._pending: list[PendingUpdate] = []
        self._history: dict[int, PendingUpdate] = {}
        self._arrived = asyncio.Event()
        self._poll_generation = 0
        self.allowed_kinds: frozenset[str] = DEFAULT_UPDATE_KINDS

    @property
    def pending_count(self) -> int:
        """Updates not yet confirmed."""
        return len(self._pending)

    def push(self, kind: str, body: dict[str, Any], *, twice: bool = False) -> int:
        """Queue a new update of ``kind`` (e.g. "message"); return its update_id."""
        update_id = self._next_id
        self._next_id += 1
        update = PendingUpdate(update_id, kind, {"update_id": update_id, kind: body})
        self._history[update_id] = update
        self._pending.append(update)
        if twice:
            self._pending.append(PendingUpdate(update_id, kind, update.payload, forced=True))
        self._wake()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Hand out an already-issued update once more, with the same update_id."""
        original = self._history.get(update_id)
        if original is None:
            raise KeyError(f"no update with id {update_id} was ever issued")
        self._pending.append(PendingUpdate(update_id, original.kind, original.payload, forced=True))
        self._wake()

    def drop_pending(self) -> None:
        """Forget everything unconfirmed (deleteWebhook/setWebhook drop_pending_updates)."""
        self._pending.clear()

    def _wake(self) -> None:
        self._arrived.set()
        self._arrived = asyncio.Event()

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            # Telegram: keep only the last -offset updates, forget the rest.
            self._pending = self._pending[offset:]
            return
        self._pending = [
            update
            for update in self._pending
            if (update.update_id >= offset and not update.forced)
            or (update.forced and not update.handed_out)
        ]

    def _take(self, limit: int) -> list[dict[str, Any]]:
        self._pending = [update for update in self._pending if update.kind in self.allowed_kinds]
        # Redeliveries first: PTB confirms up to the last id in a batch, so an old id placed
        # after newer ones would make it re-fetch (and double-process) those newer ones.
        ordered = sorted(self._pending, key=lambda update: (not update.forced, update.update_id))
        batch = ordered[:limit]
        for update in batch:
            update.handed_out = True
        return [update.payload for update in batch]

    # -- webhook delivery (sandbox/webhook.py) ------------------------------------------------
    def deliverable(self) -> list[PendingUpdate]:
        """Pending updates of the allowed kinds, in delivery order (redeliveries first)."""
        self._pending = [update for update in self._pending if update.kind in self.allowed_kinds]
        return sorted(self._pending, key=lambda update: (not update.forced, update.update_id))

    def acknowledge(self, update: PendingUpdate) -> None:
        """The webhook answered 2xx: this update is delivered."""
        self._pending = [pending for pending in self._pending if pending is not update]

    async def wait_for_arrival(self, timeout: float) -> bool:
        """Wait until an update is pushed (or redelivered); False after ``timeout``."""
        try:
            await asyncio.wait_for(self._arrived.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def get_updates(
        self,
        *,
        offset: int | None,
        limit: int,
        timeout: float,
        allowed_updates: list[str] | None,
    ) -> list[dict[str, Any]]:
        """Telegram's getUpdates: confirm, then answer at once or when an update arrives."""
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older poll still waiting learns it has been superseded
        if allowed_updates is not None:
            self.allowed_kinds = frozenset(allowed_updates) or DEFAULT_UPDATE_KINDS
        self._confirm(offset)
        deadline = time.monotonic() + timeout
        while True:
            batch = self._take(limit)
            if batch:
                return batch
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                return []
            if generation != self._poll_generation:
                raise conflict(
                    "terminated by other getUpdates request; "
                    "make sure that only one bot instance is running"
                )
