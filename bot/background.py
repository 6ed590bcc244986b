"""Background work started with the bot: the outbox sender and the scheduled sweeps."""

from __future__ import annotations

from telegram.ext import Application

from bot.reports import report_runner
from bot.scheduling import schedule_sweeps
from bot.sender import outbox_sender


async def start_background(app: Application) -> None:  # type: ignore[type-arg]
    """Called at the end of post_init."""
    sender = outbox_sender(app)
    app.bot_data["services"].wake_sender = sender.wake
    sender.start()
    schedule_sweeps(app)


async def stop_background(app: Application) -> None:  # type: ignore[type-arg]
    """Called first in post_shutdown: reports and sends in flight finish and are recorded before we close."""
    services = app.bot_data.get("services")
    if services is not None:
        await report_runner(services.extras).stop()
    sender = app.bot_data.get("outbox_sender")
    if sender is not None:
        await sender.stop()
