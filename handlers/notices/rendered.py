"""What a renderer returns: a message ready for the transport."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup


@dataclass(frozen=True)
class Rendered:
    """Text (HTML), an optional keyboard, and an optional photo (a file_id: the text is its caption)."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    photo: str | None = None
