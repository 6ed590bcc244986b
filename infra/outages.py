"""Outages of what the bot depends on (Telegram, the database), logged once each.

While Telegram or the database is away, every poll, send, sweep and update fails the same way, a
few times a second: the log would bury the one fact the operator needs under identical
tracebacks. An Outage turns that into two lines, one when it starts ("… unreachable (reason);
retrying") and one when it ends ("… reachable again after 42 s"); the failures in between are
counted and shown only with `-v`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class Outage:
    """One dependency: is it away, since when, and has that been said yet."""

    def __init__(
        self,
        what: str,
        logger: logging.Logger,
        *,
        down: str = "unreachable",
        up: str = "reachable again",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what, self.down, self.up = what, down, up
        self.log = logger
        self.clock = clock
        self.since: float | None = None
        self.failures = 0

    @property
    def active(self) -> bool:
        return self.since is not None

    def failed(self, reason: str) -> bool:
        """Another failure; True (and one warning) when it starts an outage."""
        self.failures += 1
        if self.since is not None:
            self.log.debug("%s still %s (%s)", self.what, self.down, reason)
            return False
        self.since = self.clock()
        self.log.warning("%s %s (%s); retrying until it is back", self.what, self.down, reason)
        return True

    def recovered(self) -> None:
        """A success: ends the outage, if there was one, with one line."""
        if self.since is None:
            return
        seconds = self.clock() - self.since
        self.log.info(
            "%s %s after %.0f s (%d failed attempts)", self.what, self.up, seconds, self.failures
        )
        self.since, self.failures = None, 0
