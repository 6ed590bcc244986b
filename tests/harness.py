"""Drive the real Application with real Update objects, as a volunteer would, fully offline."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from tests.telegram_double import SentMessage, TelegramDouble


@dataclass
class Person:
    """A Telegram user talking to the bot in a private chat."""

    harness: BotHarness
    user_id: int
    first_name: str = "Test"
    language_code: str = "ar"
    _seen: int = 0

    def _user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self.harness.message_ids),
            "date": int(self.harness.now.timestamp()),
            "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
            "from": self._user(),
            **content,
        }

    async def send(self, text: str) -> list[SentMessage]:
        """Type text (a command when it starts with '/')."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self.harness.deliver(self, {"message": self._message(**content)})

    async def share_contact(self, phone: str, own: bool = True) -> list[SentMessage]:
        contact = {"phone_number": phone, "first_name": self.first_name, "user_id": self.user_id if own else self.user_id + 1}
        return await self.harness.deliver(self, {"message": self._message(contact=contact)})

    async def share_location(self, latitude: float, longitude: float, *, accuracy: float | None = None, **extra: Any) -> list[SentMessage]:
        """The current location (the 📍 button); `extra` adds message fields (forward_origin, venue...)."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if accuracy is not None:
            location["horizontal_accuracy"] = accuracy
        return await self.harness.deliver(self, {"message": self._message(location=location, **extra)})

    async def forward_location(self, latitude: float, longitude: float, *, live: bool = False) -> list[SentMessage]:
        """A friend's location forwarded into the chat."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude, **({"live_period": 900} if live else {})}
        origin = {"type": "user", "date": int(self.harness.now.timestamp()) - 60,
                  "sender_user": {"id": self.user_id + 7, "is_bot": False, "first_name": "Friend"}}
        return await self.harness.deliver(self, {"message": self._message(location=location, forward_origin=origin)})

    async def share_venue(self, latitude: float, longitude: float, title: str = "Al-Haram", address: str = "Makkah") -> list[SentMessage]:
        """A place picked from Telegram's list (a venue carries its location too)."""
        location = {"latitude": latitude, "longitude": longitude}
        venue = {"location": location, "title": title, "address": address}
        return await self.harness.deliver(self, {"message": self._message(location=location, venue=venue)})

    async def share_live_location(self, latitude: float, longitude: float, *, period: int = 3600, accuracy: float | None = None) -> tuple[dict[str, Any], list[SentMessage]]:
        """Start sharing a live location: returns its message (to move it) and the bot's answer."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude, "live_period": period}
        if accuracy is not None:
            location["horizontal_accuracy"] = accuracy
        message = self._message(location=location)
        return message, await self.harness.deliver(self, {"message": message})

    async def move_live_location(self, message: dict[str, Any], latitude: float, longitude: float, *, accuracy: float | None = None) -> list[SentMessage]:
        """A position update of a live location: Telegram sends it as an edit of the first message."""
        location = {**message["location"], "latitude": latitude, "longitude": longitude}
        if accuracy is not None:
            location["horizontal_accuracy"] = accuracy
        moved = {**message, "location": location, "edit_date": int(self.harness.now.timestamp())}
        return await self.harness.deliver(self, {"edited_message": moved})

    async def send_document(self, name: str, content: bytes) -> list[SentMessage]:
        """Send a file (the double serves it back through getFile and the download URL)."""
        file_id = f"doc{len(self.harness.telegram.uploads) + 1}"
        self.harness.telegram.uploads[file_id] = content
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name, "file_size": len(content)}
        return await self.harness.deliver(self, {"message": self._message(document=document)})

    async def send_sticker(self) -> list[SentMessage]:
        sticker = {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": False, "is_video": False, "type": "regular"}
        return await self.harness.deliver(self, {"message": self._message(sticker=sticker)})

    async def press(self, label: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Press the inline button with this label on the latest message that has it."""
        target = message or self.find_button_message(label)
        button = next((b for b in target.inline_buttons() if b["text"] == label), None)
        if button is None:
            raise AssertionError(f"no button {label!r}; visible: {target.labels()}")
        return await self.press_data(button["callback_data"], target)

    async def press_data(self, data: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Send a callback query with this payload (also used to forge one)."""
        target = message or self.messages()[-1]
        query = {
            "id": str(next(self.harness.query_ids)),
            "from": self._user(),
            "chat_instance": str(self.user_id),
            "data": data,
            "message": {
                "message_id": target.message_id,
                "date": int(self.harness.now.timestamp()),
                "chat": {"id": self.user_id, "type": "private"},
                "from": {"id": 1, "is_bot": True, "first_name": "Volunteer Bot"},
                "text": target.text,
            },
        }
        return await self.harness.deliver(self, {"callback_query": query})

    def find_button_message(self, label: str) -> SentMessage:
        for message in reversed(self.messages()):
            if label in message.labels():
                return message
        visible = [m.labels() for m in self.messages()[-3:]]
        raise AssertionError(f"no message with a button {label!r}; last buttons: {visible}")

    def messages(self) -> list[SentMessage]:
        return self.harness.telegram.to(self.user_id)

    def last(self) -> SentMessage:
        return self.messages()[-1]

    def last_text(self) -> str:
        return self.last().text

    def answers(self) -> list[dict[str, Any]]:
        return [a for a in self.harness.telegram.callback_answers]


@dataclass
class BotHarness:
    app: Application  # type: ignore[type-arg]
    telegram: TelegramDouble
    now: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    update_ids: Any = field(default_factory=lambda: itertools.count(1))
    message_ids: Any = field(default_factory=lambda: itertools.count(1))
    query_ids: Any = field(default_factory=lambda: itertools.count(1000))
    last_update: dict[str, Any] | None = None

    def person(self, user_id: int, first_name: str = "Test", language_code: str = "ar") -> Person:
        return Person(self, user_id, first_name, language_code)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    async def deliver(self, person: Person, payload: dict[str, Any], update_id: int | None = None) -> list[SentMessage]:
        """Process one update and return the messages it made appear (new or edited) in the chat."""
        before = {(m.message_id, m.edits) for m in person.messages()}
        data = {"update_id": update_id if update_id is not None else next(self.update_ids), **payload}
        self.last_update = data
        await self.app.process_update(Update.de_json(data, self.app.bot))
        # Reports (exports) are built off the update loop: wait for them, as a user would.
        await self.app.bot_data.services.reports.drain(timeout=60)
        await self.app.bot_data.services.certificates.drain(timeout=60)
        return [m for m in person.messages() if (m.message_id, m.edits) not in before]

    async def redeliver_last(self, person: Person) -> list[SentMessage]:
        """Telegram delivering the same update again (at-least-once getUpdates)."""
        assert self.last_update is not None
        payload = {k: v for k, v in self.last_update.items() if k != "update_id"}
        return await self.deliver(person, payload, update_id=self.last_update["update_id"])
