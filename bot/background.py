"""Background work started with the bot: the outbox sender and the scheduled sweeps."""

from __future__ import annotations

from telegram.ext import Application


async def start_background(app: Application) -> None:  # type: ignore[type-arg]
    """Called at the end of post_init."""


async def stop_background(app: Application) -> None:  # type: ignore[type-arg]
    """Called first in post_shutdown."""
