"""`application.bot_data` of the running process: the handlers' BotData plus the process's own parts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.metrics import BotMetrics
from handlers.context import BotData

if TYPE_CHECKING:
    from bot.leader import Leadership
    from bot.sender import OutboxSender


class ProcessData(BotData):
    """What the process keeps beside the handlers' services: the outbox sender, its metrics and
    whether it leads the sweeps (None: not decided, a lone process, e.g. in tests: it leads)."""

    def __init__(self) -> None:
        super().__init__()
        self._sender: OutboxSender | None = None
        self.metrics = BotMetrics()
        self.leader: Leadership | None = None

    @property
    def sender(self) -> OutboxSender:
        if self._sender is None:
            raise RuntimeError("the outbox sender is built in post_init; the application is not initialized")
        return self._sender

    @sender.setter
    def sender(self, sender: OutboxSender) -> None:
        self._sender = sender

    @property
    def has_sender(self) -> bool:
        return self._sender is not None
