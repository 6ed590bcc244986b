"""Fault injection: make calls fail, slow down or lose their connection, on purpose.

Rules are consulted in the order they were added; the first matching rule decides. A rule with
a ``count`` is used up after that many calls; a rule with a ``ratio`` fires at random (seeded,
so runs repeat) on that share of matching calls and stays until cleared. ``method`` restricts a
rule to one Bot API method (case-insensitive); without it a rule also hits getUpdates.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Literal

FaultKind = Literal["status", "drop", "drop_after"]


@dataclass
class FaultRule:
    """One failure recipe.

    ``status``: answer ``status`` (500, 502 or 429 with ``retry_after``) without running the call.
    ``drop``: close the connection without answering; the call has no effect.
    ``drop_after``: run the call (a message IS sent) and then close without answering.
    """

    kind: FaultKind
    status: int = 500
    retry_after: int = 1
    method: str | None = None
    count: int | None = 1
    ratio: float | None = None

    def matches(self, method: str) -> bool:
        """Whether this rule concerns calls to ``method``."""
        return self.method is None or self.method.lower() == method.lower()


@dataclass
class DelayRule:
    """Answer after ``low``..``high`` seconds (a fixed delay when they are equal)."""

    low: float
    high: float
    method: str | None = None


class Faults:
    """The runtime-configurable set of fault rules for the Bot API side."""

    def __init__(self, seed: int | None = 0) -> None:
        self._random = random.Random(seed)
        self.rules: list[FaultRule] = []
        self.delays: list[DelayRule] = []

    def fail_next(
        self, count: int = 1, *, status: int = 500, method: str | None = None, retry_after: int = 1
    ) -> None:
        """Answer the next ``count`` calls with ``status`` (500, 502, 429...)."""
        self.rules.append(FaultRule("status", status, retry_after, method, count=count))

    def fail_ratio(
        self, ratio: float, *, status: int = 500, method: str | None = None, retry_after: int = 1
    ) -> None:
        """Answer a share ``ratio`` (0..1) of calls with ``status``, until cleared."""
        self.rules.append(FaultRule("status", status, retry_after, method, count=None, ratio=ratio))

    def drop_next(
        self, count: int = 1, *, method: str | None = None, delivered: bool = False
    ) -> None:
        """Close the connection of the next ``count`` calls; ``delivered`` runs the call first."""
        self.rules.append(
            FaultRule("drop_after" if delivered else "drop", method=method, count=count)
        )

    def drop_ratio(
        self, ratio: float, *, method: str | None = None, delivered: bool = False
    ) -> None:
        """Drop the connection of a share ``ratio`` of calls, until cleared."""
        kind: FaultKind = "drop_after" if delivered else "drop"
        self.rules.append(FaultRule(kind, method=method, count=None, ratio=ratio))

    def slow(
        self, seconds: float, *, up_to: float | None = None, method: str | None = None
    ) -> None:
        """Delay answers by ``seconds`` (or a random time up to ``up_to``); 0 removes delays."""
        if seconds <= 0 and not up_to:
            self.delays = [rule for rule in self.delays if rule.method != method]
            return
        self.delays.append(DelayRule(seconds, max(seconds, up_to or seconds), method))

    def clear(self) -> None:
        """Remove every rule and delay."""
        self.rules.clear()
        self.delays.clear()

    def add(self, spec: dict[str, Any]) -> None:
        """Add a rule from its JSON description (the control API's body); see README."""
        kind = spec.get("kind", "status")
        method = spec.get("method")
        if kind == "delay":
            self.slow(float(spec.get("seconds", 0)), up_to=spec.get("up_to"), method=method)
        elif kind in ("drop", "drop_after"):
            delivered = kind == "drop_after"
            if spec.get("ratio") is not None:
                self.drop_ratio(float(spec["ratio"]), method=method, delivered=delivered)
            else:
                self.drop_next(int(spec.get("count", 1)), method=method, delivered=delivered)
        elif kind == "status":
            status = int(spec.get("status", 500))
            retry_after = int(spec.get("retry_after", 1))
            if spec.get("ratio") is not None:
                self.fail_ratio(
                    float(spec["ratio"]), status=status, method=method, retry_after=retry_after
                )
            else:
                self.fail_next(
                    int(spec.get("count", 1)), status=status, method=method, retry_after=retry_after
                )
        else:
            raise ValueError(f"unknown fault kind {kind!r}")

    def describe(self) -> dict[str, Any]:
        """The active rules as JSON."""
        return {
            "rules": [asdict(rule) for rule in self.rules],
            "delays": [asdict(rule) for rule in self.delays],
        }

    def delay_for(self, method: str) -> float:
        """Seconds to wait before answering a call to ``method``."""
        for rule in self.delays:
            if rule.method is None or rule.method.lower() == method.lower():
                return self._random.uniform(rule.low, rule.high)
        return 0.0

    def pick(self, method: str) -> FaultRule | None:
        """The fault to inject into this call, if any (consumes counted rules)."""
        for rule in list(self.rules):
            if not rule.matches(method):
                continue
            if rule.count is not None:
                rule.count -= 1
                if rule.count <= 0:
                    self.rules.remove(rule)
                return rule
            if rule.ratio is not None and self._random.random() < rule.ratio:
                return rule
        return None
