"""What the process writes to its log: a handful of lines by default, more with `-v`, never a secret.

- Default: our own INFO lines (start-up, outages, one line per problem) and third parties'
  warnings. alembic's INFO lines ("setup plugin …", "Context impl …") and APScheduler's two lines
  per job run say nothing an operator needs.
- `-v`: our loggers at DEBUG, third parties at INFO. Never DEBUG for python-telegram-bot, httpx
  or aiosqlite: they log request URLs (which contain the token), update payloads (names, phone
  numbers) and SQL parameters.
- Always: anything shaped like a bot token is masked in the formatted line, tracebacks included;
  while an Outage is on, the errors it explains are dropped (they are counted by the Outage).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from infra.outages import Outage

OUR_LOGGERS = ("bot", "handlers", "infra", "models", "volunteer_bot")
# Warnings only by default, INFO with -v.
QUIET_LOGGERS = ("alembic", "apscheduler", "telegram")
# Warnings only, always: request URLs with the token, SQL parameters, font lookups, plugin lists.
SILENT_LOGGERS = ("httpx", "httpcore", "aiosqlite", "matplotlib", "alembic.runtime.plugins")
TOKEN_SHAPE = re.compile(r"(\d{3,}):[A-Za-z0-9_-]{30,}")
Classifier = Callable[[BaseException], str | None]


def mask_tokens(text: str) -> str:
    """`123456:AAE…` becomes `123456:***` (the bot id alone is no secret)."""
    return TOKEN_SHAPE.sub(r"\1:***", text)


class MaskingFormatter(logging.Formatter):
    """A formatter whose output never contains a bot token."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_tokens(super().format(record))


@dataclass
class OutageFilter(logging.Filter):
    """Drops the logged errors that an ongoing outage already explains."""

    verbose: bool = False
    watched: list[tuple[Outage | None, Classifier]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def watch(self, outage: Outage, classify: Classifier) -> None:
        """Errors for which `classify` gives a reason belong to `outage`."""
        self.watched.append((outage, classify))

    def ignore(self, classify: Classifier) -> None:
        """Errors for which `classify` gives a reason were told already, in a line of their own."""
        self.watched.append((None, classify))

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return True
        for outage, classify in self.watched:
            reason = classify(error)
            if reason is not None:
                if outage is not None:
                    outage.failed(reason)  # the one line, when this error starts the outage
                return self.verbose
        return True


def configure_logging(verbose: bool) -> OutageFilter:
    """Log to stderr (unless something, like pytest, set up logging already); the filter that
    start-up registers its outages with."""
    outages = OutageFilter(verbose=verbose)
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        detail = " %(name)s" if verbose else ""
        handler.setFormatter(MaskingFormatter(f"%(asctime)s %(levelname)s{detail}: %(message)s", "%Y-%m-%d %H:%M:%S"))
        handler.addFilter(outages)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    for name in SILENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return outages
