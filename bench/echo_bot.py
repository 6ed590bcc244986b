"""The floor for bench/updates.py: a minimal python-telegram-bot echo bot, nothing else.

    TELEGRAM_BOT_TOKEN=123:... TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot python bench/echo_bot.py

Same framework defaults as the real bot (long polling, updates handled one at a time), no database,
no rate limiter: no bot on this framework can answer faster.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the text that came in."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def main() -> None:
    builder = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    base_url = os.environ.get("TELEGRAM_API_BASE_URL")
    if base_url:
        builder = builder.base_url(base_url)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo_text))
    app.run_polling(allowed_updates=[Update.MESSAGE])


if __name__ == "__main__":
    main()
