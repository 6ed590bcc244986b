"""Counters a test or benchmark reads: messages sent, errors given, every call made."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from sandbox.records import ApiCall


@dataclass
class Stats:
    """Running totals; timestamps are ``time.monotonic()`` seconds."""

    max_recorded_calls: int = 100_000
    sent_at: dict[int, list[float]] = field(default_factory=dict)
    too_many_requests: int = 0
    server_errors: int = 0
    dropped_connections: int = 0
    calls_by_method: Counter[str] = field(default_factory=Counter)
    calls: deque[ApiCall] = field(init=False)

    def __post_init__(self) -> None:
        # Bounded so a long benchmark cannot grow memory without end.
        self.calls = deque(maxlen=self.max_recorded_calls)

    @property
    def messages_sent(self) -> int:
        """New messages the bot sent, in all chats."""
        return sum(len(times) for times in self.sent_at.values())

    def record_call(self, call: ApiCall) -> None:
        """Log one answered (or dropped) call and count its kind of failure."""
        self.calls.append(call)
        self.calls_by_method[call.method] += 1
        if call.status == 429:
            self.too_many_requests += 1
        elif call.status >= 500:
            self.server_errors += 1
        elif call.status == 0:
            self.dropped_connections += 1

    def record_sent(self, chat_id: int, at: float) -> None:
        """Note one new bot message in ``chat_id``."""
        self.sent_at.setdefault(chat_id, []).append(at)

    def busiest_window(self, chat_id: int | None = None, window: float = 1.0) -> int:
        """Most messages sent within any ``window`` seconds (in one chat, or all chats)."""
        if chat_id is None:
            times = sorted(at for chat_times in self.sent_at.values() for at in chat_times)
        else:
            times = self.sent_at.get(chat_id, [])
        best, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def to_json(self) -> dict[str, Any]:
        """A summary for the control API."""
        return {
            "messages_sent": self.messages_sent,
            "per_chat": {str(chat): len(times) for chat, times in self.sent_at.items()},
            "busiest_second_per_chat": {
                str(chat): self.busiest_window(chat) for chat in self.sent_at
            },
            "busiest_second": self.busiest_window(),
            "too_many_requests": self.too_many_requests,
            "server_errors": self.server_errors,
            "dropped_connections": self.dropped_connections,
            "calls_by_method": dict(self.calls_by_method),
            "calls_recorded": len(self.calls),
        }
