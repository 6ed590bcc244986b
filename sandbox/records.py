"""What the stand-in remembers: users, chat messages, stored files, callback queries, calls."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from sandbox.markup import InlineButton, ReplyKeyboard


@dataclass
class UserProfile:
    """A simulated Telegram user; their private chat with the bot has the same id."""

    user_id: int
    first_name: str
    language_code: str = "en"
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None
    blocked: bool = False

    def user_json(self) -> dict[str, Any]:
        """Telegram's ``User`` object."""
        user: dict[str, Any] = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        return user

    def chat_json(self) -> dict[str, Any]:
        """Telegram's ``Chat`` object for the private chat with this user."""
        chat: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass(frozen=True)
class StoredFile:
    """A photo or document the bot uploaded; the bytes are kept so tests can read them."""

    file_id: str
    file_unique_id: str
    content: bytes | None
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None

    @property
    def size(self) -> int:
        """Size in bytes (0 when only a URL is known)."""
        return len(self.content or b"")


@dataclass(frozen=True)
class MessageEdit:
    """The state of a message before one edit, so a test can read its history."""

    at: int
    text: str | None
    caption: str | None
    buttons: list[tuple[str, str | None]]


@dataclass
class ChatMessage:
    """One message in a private chat, from the bot or from the user."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    revision: int
    text: str | None = None
    caption: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    inline_keyboard: tuple[tuple[InlineButton, ...], ...] = ()
    inline_json: list[list[dict[str, Any]]] = field(default_factory=list)
    reply_keyboard: ReplyKeyboard | None = None
    removes_keyboard: bool = False
    force_reply: bool = False
    photo: StoredFile | None = None
    document: StoredFile | None = None
    location: tuple[float, float] | None = None
    contact: dict[str, Any] | None = None
    edits: list[MessageEdit] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Inline buttons as (label, callback_data), row by row."""
        return [
            (button.text, button.callback_data) for row in self.inline_keyboard for button in row
        ]

    @property
    def button_labels(self) -> list[str]:
        """Inline button labels, row by row."""
        return [label for label, _ in self.buttons]

    @property
    def photo_bytes(self) -> bytes | None:
        """The uploaded photo's bytes, if this is a photo message."""
        return self.photo.content if self.photo else None

    @property
    def document_bytes(self) -> bytes | None:
        """The uploaded document's bytes, if this is a document message."""
        return self.document.content if self.document else None

    @property
    def shown_text(self) -> str | None:
        """Text or caption, whichever the message has."""
        return self.text if self.text is not None else self.caption

    def to_json(self) -> dict[str, Any]:
        """The message as the control API (and the chat page) shows it."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "from_bot": self.from_bot,
            "date": self.date,
            "revision": self.revision,
            "text": self.text,
            "caption": self.caption,
            "entities": self.entities,
            "buttons": [
                [
                    {"text": button.text, "callback_data": button.callback_data, "url": button.url}
                    for button in row
                ]
                for row in self.inline_keyboard
            ],
            "reply_keyboard": self.reply_keyboard.to_json() if self.reply_keyboard else None,
            "removes_keyboard": self.removes_keyboard,
            "photo": _file_json(self.photo),
            "document": _file_json(self.document),
            "location": (
                {"latitude": self.location[0], "longitude": self.location[1]}
                if self.location
                else None
            ),
            "contact": self.contact,
            "edits": [
                {"at": edit.at, "text": edit.text, "caption": edit.caption} for edit in self.edits
            ],
            "edit_date": self.edit_date,
            "deleted": self.deleted,
        }


def _file_json(stored: StoredFile | None) -> dict[str, Any] | None:
    if stored is None:
        return None
    return {
        "file_id": stored.file_id,
        "file_name": stored.file_name,
        "mime_type": stored.mime_type,
        "size": stored.size,
        "url": f"/_sandbox/files/{stored.file_id}",
    }


@dataclass
class CallbackQueryRecord:
    """A button tap and what the bot did about it; Telegram wants exactly one answer."""

    query_id: str
    user_id: int
    message_id: int
    data: str
    revision: int
    answers: int = 0
    text: str | None = None
    show_alert: bool = False
    url: str | None = None

    @property
    def answered_once(self) -> bool:
        """Whether answerCallbackQuery was called exactly once for this tap."""
        return self.answers == 1

    def to_json(self) -> dict[str, Any]:
        """The record as the control API shows it."""
        return {
            "query_id": self.query_id,
            "user_id": self.user_id,
            "message_id": self.message_id,
            "data": self.data,
            "revision": self.revision,
            "answers": self.answers,
            "answered_once": self.answered_once,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
        }


@dataclass(frozen=True)
class ApiCall:
    """One Bot API request as the stand-in saw it (``at`` is ``time.monotonic()``)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The call as the control API shows it (binary values as base64)."""
        return {
            "method": self.method,
            "params": {
                key: base64.b64encode(value).decode() if isinstance(value, bytes) else value
                for key, value in self.params.items()
            },
            "at": self.at,
            "status": self.status,
            "description": self.description,
        }
