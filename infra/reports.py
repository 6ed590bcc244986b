"""Long reports (exports, program figures) built off the update loop.

Updates are handled one at a time, so a program-wide export that takes seconds would make every
volunteer wait behind it. A report handler checks permissions, answers at once ("preparing…"),
and hands the slow part to this runner: one report is built at a time (they are CPU and memory
heavy), the others queue, and a failure is logged and told to the coordinator, never lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

class ReportRunner:
    """Background tasks for reports, one running at a time; `drain()` waits for all of them."""

    def __init__(self, concurrency: int = 1) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def start(self, job: Callable[[], Awaitable[Any]], *, on_error: Callable[[], Awaitable[Any]], name: str) -> None:
        """Run `job` when a slot is free; if it raises, log it and run `on_error` (tell the user)."""

        async def run() -> None:
            async with self._slots:
                try:
                    await job()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("report %s failed", name)
                    try:
                        await on_error()
                    except Exception:
                        logger.exception("could not tell the user that report %s failed", name)

        task = asyncio.get_running_loop().create_task(run(), name=f"report:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until every report started so far (and any started meanwhile) has finished."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self, timeout: float = 30.0) -> None:
        """At shutdown: let reports in progress finish for a while, then cancel the rest."""
        try:
            await self.drain(timeout)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
