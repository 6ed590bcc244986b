"""Flood control like Telegram's: a global send rate and a per-chat rate.

Global: a sliding window of one second holding at most ``global_per_second`` sends.
Per chat: a token bucket of ``chat_burst`` tokens refilled at ``chat_per_second``; the default
(3 tokens, 1/s) lets a bot send two or three messages in a row, as Telegram tolerates, but
refuses a sustained rate above one message per second in one chat.
Either limit is off when set to None. Only successful new messages (send*) spend a token;
edits, deletes and callback answers are not counted.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass


@dataclass
class RateLimitSettings:
    """The knobs; None turns a limit off."""

    global_per_second: float | None = 30.0
    chat_burst: int | None = 3
    chat_per_second: float | None = 1.0


class FloodControl:
    """Decides whether one more message may go out now, and if not, how long to wait."""

    def __init__(self, settings: RateLimitSettings | None = None) -> None:
        self.settings = settings or RateLimitSettings()
        self._recent: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, refreshed at)

    def configure(
        self,
        *,
        global_per_second: float | None,
        chat_burst: int | None,
        chat_per_second: float | None,
    ) -> None:
        """Replace the limits (None = off) and forget the spending so far."""
        self.settings = RateLimitSettings(global_per_second, chat_burst, chat_per_second)
        self._recent.clear()
        self._buckets.clear()

    def acquire(self, chat_id: int, now: float | None = None) -> int | None:
        """Spend a token for one message to ``chat_id``; return retry_after seconds if refused."""
        now = time.monotonic() if now is None else now
        waits = [self._global_wait(now), self._chat_wait(chat_id, now)]
        refused = [wait for wait in waits if wait is not None]
        if refused:
            # Telegram always asks for a whole number of seconds, at least one.
            return max(1, math.ceil(max(refused)))
        self._spend(chat_id, now)
        return None

    def _global_wait(self, now: float) -> float | None:
        limit = self.settings.global_per_second
        if limit is None:
            return None
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) < limit:
            return None
        return self._recent[0] + 1.0 - now

    def _tokens(self, chat_id: int, now: float) -> float:
        burst, rate = self.settings.chat_burst, self.settings.chat_per_second
        assert burst is not None and rate is not None
        tokens, refreshed = self._buckets.get(chat_id, (float(burst), now))
        return min(float(burst), tokens + (now - refreshed) * rate)

    def _chat_wait(self, chat_id: int, now: float) -> float | None:
        if self.settings.chat_burst is None or self.settings.chat_per_second is None:
            return None
        tokens = self._tokens(chat_id, now)
        if tokens >= 1.0:
            return None
        return (1.0 - tokens) / self.settings.chat_per_second

    def _spend(self, chat_id: int, now: float) -> None:
        if self.settings.global_per_second is not None:
            self._recent.append(now)
        if self.settings.chat_burst is not None and self.settings.chat_per_second is not None:
            self._buckets[chat_id] = (self._tokens(chat_id, now) - 1.0, now)
