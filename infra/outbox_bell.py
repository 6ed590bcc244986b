"""Wakes the outbox sender when a committed transaction queued messages.

`models.outbox` marks a session that queued a row (`mark_queued`); the session factories of
`infra.database` ring the bell after such a session commits. So no caller wakes the sender by
hand, and a rolled-back transaction (nothing queued after all) rings nothing.
"""

from __future__ import annotations

import asyncio
import contextlib


class OutboxBell:
    """An asyncio.Event that may be rung from anywhere in the process's event loop."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.rings = 0  # how many commits queued messages (for tests and operators)

    def ring(self) -> None:
        self.rings += 1
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        """Wait until rung or `timeout` seconds pass; True when rung. Clears the bell."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._event.wait()
        rung = self._event.is_set()
        self._event.clear()
        return rung

    def clear(self) -> None:
        self._event.clear()
