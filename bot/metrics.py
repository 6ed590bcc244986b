"""Prometheus metrics of one bot process, on a registry of its own, served at /metrics.

Each figure is counted where its event happens, by a one-line hook:
- updates handled, by type, and how long their handlers took: the update processor (bot/app.py);
- errors: an error handler registered before the handlers' own (`count_error`), the outbox
  sender for failed sends, the sweeps for a failed step;
- outbox sends by outcome, and the send rate over the last few seconds: the sender's `_flush`;
- 429 flood waits (replies and bulk alike): read from the rate limiter when scraped;
- outbox depth (rows still to send, by status, for every instance together): one indexed query
  when scraped, so the figure is the database's, not this process's guess;
- whether this instance runs the sweeps, and how many it ran: bot/leader.py and bot/scheduling.py.

A registry per process object, never the module-level default one: the tests build many
applications in one interpreter, and each must count only its own.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from telegram import Update
from telegram.ext import Application, ContextTypes

from infra.services import Services
from models import outbox
from models.tables import OutboxStatus

CONTENT_TYPE = CONTENT_TYPE_LATEST
SEND_RATE_WINDOW_S = 10.0
# Handlers answer in milliseconds; an export or a locked SQLite can take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def update_type(update: object) -> str:
    """"message", "callback_query", "my_chat_member"...: the field of the update that is set."""
    if not isinstance(update, Update):
        return "other"
    return next((kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None), "other")


class _FloodWaits(Collector):
    """429s the rate limiter saw (it counts them for its own decisions): read when scraped."""

    def __init__(self, limiter: Callable[[], Any]) -> None:
        self._limiter = limiter

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "volunteer_bot_flood_waits", "429 Too Many Requests answers from the Bot API (replies and bulk sends)"
        )
        family.add_metric([], float(getattr(self._limiter(), "flood_waits", 0) or 0))
        yield family


class BotMetrics:
    """Every metric of the process, and the hooks that update them."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter("volunteer_bot_updates_handled", "Updates handled, by type", ["type"], registry=registry)
        self.update_seconds = Histogram(
            "volunteer_bot_update_seconds", "Time the handlers took for one update, by type", ["type"],
            buckets=LATENCY_BUCKETS, registry=registry,
        )
        self.errors = Counter("volunteer_bot_errors", "Errors, by where they happened", ["source"], registry=registry)
        self.deliveries = Counter(
            "volunteer_bot_outbox_deliveries", "Outcomes of outbox sends by this instance, by status", ["status"],
            registry=registry,
        )
        self.outbox_depth = Gauge(
            "volunteer_bot_outbox_messages", "Outbox rows still to send (all instances), by status", ["status"],
            registry=registry,
        )
        self.send_rate = Gauge(
            "volunteer_bot_outbox_send_rate", f"Outbox messages this instance sent per second (last {SEND_RATE_WINDOW_S:g} s)",
            registry=registry,
        )
        self.send_rate.set_function(self._current_send_rate)
        self.leader = Gauge("volunteer_bot_sweep_leader", "1 when this instance runs the periodic sweeps", registry=registry)
        self.sweeps = Counter("volunteer_bot_sweeps", "Runs of the periodic sweeps by this instance", registry=registry)
        self.webhook_refused = Counter(
            "volunteer_bot_webhook_refused", "Webhook requests refused for a missing or wrong secret", registry=registry
        )
        self._sent_at: deque[float] = deque()
        self._limiter: Any = None
        registry.register(_FloodWaits(lambda: self._limiter))

    # -- hooks --------------------------------------------------------------------------------
    def watch_rate_limiter(self, limiter: Any) -> None:
        """Read the 429 count from this limiter when scraped."""
        self._limiter = limiter

    def update_handled(self, update: object, seconds: float) -> None:
        kind = update_type(update)
        self.updates.labels(kind).inc()
        self.update_seconds.labels(kind).observe(seconds)

    def delivered(self, status: str) -> None:
        """One outbox send came back with this outcome."""
        self.deliveries.labels(str(status)).inc()
        if status == OutboxStatus.SENT:
            self._sent_at.append(time.monotonic())
        elif status == OutboxStatus.FAILED:
            self.errors.labels("outbox").inc()

    def _current_send_rate(self) -> float:
        cutoff = time.monotonic() - SEND_RATE_WINDOW_S
        while self._sent_at and self._sent_at[0] < cutoff:
            self._sent_at.popleft()
        return len(self._sent_at) / SEND_RATE_WINDOW_S

    # -- scraping -----------------------------------------------------------------------------
    async def refresh(self, services: Services) -> None:
        """Read what only the database knows (the outbox depth) just before a scrape."""
        async with services.sessions() as session:
            depth = await outbox.depth(session, now=services.clock())
        for status, count in depth.items():
            self.outbox_depth.labels(status).set(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def process_metrics(app: Application) -> BotMetrics:  # type: ignore[type-arg]
    """The metrics of this application's process (made with its ProcessData)."""
    return app.bot_data.metrics  # type: ignore[no-any-return]


async def count_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The first error handler: count the error (a handler's, or fetching updates'), then let the
    others log it and answer the volunteer."""
    source = "handler" if isinstance(update, Update) else "polling"
    process_metrics(context.application).errors.labels(source).inc()
