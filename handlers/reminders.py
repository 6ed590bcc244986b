"""Reminder buttons and /settings (the outbox feature fills this in)."""

from __future__ import annotations

from telegram.ext import Application


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Handlers and notice renderers of reminders, thanks and settings."""
