"""What a renderer returns: a message ready for the transport."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup


@dataclass(frozen=True)
class RenderedDocument:
    """A file sent as a document (a certificate's PDF)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Rendered:
    """Text (HTML), an optional keyboard, and an optional photo (a file_id) or document: the text
    is then its caption (at most 1,024 characters)."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    photo: str | None = None
    document: RenderedDocument | None = None
