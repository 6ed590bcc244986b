"""Long polling beside another poller: the sentence that tells the operator what to do.

Telegram hands a bot's updates to one getUpdates caller at a time: when a second process polls
with the same token, each poll ends the other's with 409 Conflict. A webhook set by instances in
webhook mode gives 409 too. Neither is a bug of ours and neither is fixed by waiting: the operator
has to stop one side. bot/telegram_health.py logs the sentence once per outage (no traceback)
and polling goes on, since the other process may be an old one on its way out.
"""

from __future__ import annotations

from telegram.error import Conflict

SECOND_POLLER = (
    "409 Conflict: another process is polling Telegram with this bot's token; stop the other "
    "instance, or run every instance with `volunteer-bot run --webhook`"
)
WEBHOOK_IS_SET = (
    "409 Conflict: a webhook is set for this bot, so Telegram refuses long polling; run this "
    "instance with `volunteer-bot run --webhook` like the others, or stop them"
)


def conflict_sentence(error: Conflict) -> str:
    """What to tell the operator about this 409."""
    return WEBHOOK_IS_SET if "webhook" in error.message.lower() else SECOND_POLLER
