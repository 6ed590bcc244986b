"""Coordinator tools (the coordinator feature fills this in)."""

from __future__ import annotations

from telegram.ext import Application


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Coordinator commands, buttons, text flows and notice renderers."""
