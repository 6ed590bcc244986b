"""Simulated users: what a test (or the chat page) does in place of a person with a phone."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from sandbox.errors import SandboxUsageError
from sandbox.formatting import utf16_length
from sandbox.markup import InlineButton, ReplyButton
from sandbox.messaging import message_json
from sandbox.records import CallbackQueryRecord, ChatMessage, UserProfile
from sandbox.state import SandboxState

MessagePredicate = Callable[[ChatMessage], bool]


class SimulatedUser:
    """One Telegram user talking to the bot in a private chat (chat id == user id).

    Actions (``send_text``, ``press_button``...) queue an update and return its update_id.
    The ``wait_for_*`` helpers read through a cursor: each returns the next bot message sent or
    edited after the user's last action (or after the message the previous wait returned).
    """

    def __init__(self, state: SandboxState, profile: UserProfile) -> None:
        self._state = state
        self.profile = profile
        self._cursor = 0

    @property
    def user_id(self) -> int:
        """The user's (and private chat's) id."""
        return self.profile.user_id

    @property
    def revision(self) -> int:
        """The stand-in's current revision: pass it as ``after=`` to wait for later changes."""
        return self._state.revision

    # -- actions ----------------------------------------------------------------------------------

    def _send(self, **fields: Any) -> int:
        message = self._state.add_message(self.user_id, from_bot=False, **fields)
        self._cursor = max(self._cursor, message.revision)
        return self._state.updates.push(
            "message",
            message_json(self._state, message),
            twice=self._state.duplicate_updates,
        )

    def send_text(self, text: str) -> int:
        """Type and send a text message."""
        return self._send(text=text)

    def send_command(self, command: str, payload: str = "") -> int:
        """Send "/command payload" with the ``bot_command`` entity Telegram attaches."""
        command = command if command.startswith("/") else f"/{command}"
        text = f"{command} {payload}" if payload else command
        entity = {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
        return self._send(text=text, entities=[entity])

    def send_contact(
        self, phone: str | None = None, *, own: bool = True, first_name: str | None = None
    ) -> int:
        """Share a contact; ``own=True`` is the "share my phone number" button (user_id set)."""
        contact: dict[str, Any] = {
            "phone_number": phone or self.profile.phone or f"+9665{self.user_id % 10**8:08d}",
            "first_name": first_name or (self.profile.first_name if own else "Contact"),
        }
        if own:
            contact["user_id"] = self.user_id
        return self._send(contact=contact)

    def send_location(self, latitude: float, longitude: float) -> int:
        """Share a location."""
        return self._send(location=(latitude, longitude))

    def press_button(self, label: str, message: ChatMessage | int | None = None) -> int:
        """Tap an inline button by label (exact, or a unique substring) on the latest message
        that has it, or on ``message``; delivers a callback_query update."""
        target, button = self._find_inline_button(label, message)
        if button.callback_data is None:
            raise SandboxUsageError(
                f"button {button.text!r} opens {button.url!r}, it sends no callback"
            )
        return self.send_callback(button.callback_data, target)

    def send_callback(self, data: str, message: ChatMessage | int) -> int:
        """Deliver a callback query with arbitrary data (e.g. a forged or stale payload)."""
        target = message if isinstance(message, ChatMessage) else self._bot_message(message)
        query_id = str(uuid.uuid4().int % 10**18)
        self._state.callback_queries[query_id] = CallbackQueryRecord(
            query_id=query_id,
            user_id=self.user_id,
            message_id=target.message_id,
            data=data,
            revision=self._state.touch(),
        )
        self._cursor = max(self._cursor, self._state.revision)
        return self._state.updates.push(
            "callback_query",
            {
                "id": query_id,
                "from": self.profile.user_json(),
                "message": message_json(self._state, target),
                "chat_instance": str(self.user_id * 7919 % 10**12),
                "data": data,
            },
            twice=self._state.duplicate_updates,
        )

    def press_reply_button(
        self, label: str, *, latitude: float | None = None, longitude: float | None = None
    ) -> int:
        """Tap a reply-keyboard button: sends its text, or the contact/location it requests."""
        button = self._find_reply_button(label)
        keyboard = self._state.reply_keyboards.get(self.user_id)
        if keyboard is not None and keyboard.one_time:
            self._state.reply_keyboards[self.user_id] = None
        if button.request_contact:
            return self.send_contact(own=True)
        if button.request_location:
            if latitude is None or longitude is None:
                raise SandboxUsageError(
                    f"button {button.text!r} shares a location: pass latitude and longitude"
                )
            return self.send_location(latitude, longitude)
        return self.send_text(button.text)

    def block(self) -> None:
        """Block the bot: sends now answer 403, and the bot gets a my_chat_member update."""
        self._set_blocked(True)

    def unblock(self) -> None:
        """Unblock the bot (Telegram then reports the bot as a member again)."""
        self._set_blocked(False)

    def _set_blocked(self, blocked: bool) -> None:
        if self.profile.blocked == blocked:
            return
        self.profile.blocked = blocked
        bot = self._state.bot_user_json()
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self._state.touch()
        self._state.updates.push(
            "my_chat_member",
            {
                "chat": self.profile.chat_json(),
                "from": self.profile.user_json(),
                "date": int(time.time()),
                "old_chat_member": {"status": old, "user": bot, "until_date": 0},
                "new_chat_member": {"status": new, "user": bot, "until_date": 0},
            },
        )

    # -- reading the chat -------------------------------------------------------------------------

    def transcript(self) -> list[ChatMessage]:
        """Every message of the chat, both sides, deleted ones included, in order."""
        return list(self._state.chats.get(self.user_id, []))

    def messages(self, *, include_deleted: bool = False) -> list[ChatMessage]:
        """The bot's messages in this chat, in order."""
        return [
            message
            for message in self.transcript()
            if message.from_bot and (include_deleted or not message.deleted)
        ]

    def last_message(self) -> ChatMessage | None:
        """The bot's latest visible message, if any."""
        messages = self.messages()
        return messages[-1] if messages else None

    def reply_keyboard(self) -> list[str]:
        """Labels of the reply keyboard the user currently sees (empty if none)."""
        keyboard = self._state.reply_keyboards.get(self.user_id)
        return keyboard.labels if keyboard else []

    def callback_answers(self) -> list[CallbackQueryRecord]:
        """This user's button taps with what the bot answered (see ``answered_once``)."""
        return [
            record
            for record in self._state.callback_queries.values()
            if record.user_id == self.user_id
        ]

    async def wait_for_message(
        self,
        predicate: MessagePredicate | None = None,
        *,
        timeout: float = 5.0,
        after: int | None = None,
    ) -> ChatMessage:
        """The first bot message sent or edited after the cursor (or ``after``) that matches."""
        since = self._cursor if after is None else after
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            changed = sorted(
                (message for message in self.messages() if message.revision > since),
                key=lambda message: message.revision,
            )
            for message in changed:
                if predicate is None or predicate(message):
                    self._cursor = max(self._cursor, message.revision)
                    return message
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or not await self._state.wait_for_change(remaining):
                recent = [message.shown_text for message in self.messages()[-3:]]
                raise TimeoutError(
                    f"user {self.user_id}: no matching bot message within {timeout}s "
                    f"(latest bot messages: {recent})"
                )

    async def wait_for_reply(
        self, after: int | None = None, *, timeout: float = 5.0
    ) -> ChatMessage:
        """The next bot message (new or edited) after the user's last action."""
        return await self.wait_for_message(timeout=timeout, after=after)

    # -- lookups ----------------------------------------------------------------------------------

    def _bot_message(self, message_id: int) -> ChatMessage:
        message = self._state.find_message(self.user_id, message_id)
        if message is None or not message.from_bot or message.deleted:
            raise SandboxUsageError(f"chat {self.user_id} has no visible bot message {message_id}")
        return message

    def _visible_buttons(self) -> str:
        shown = [
            f"message {message.message_id}: {message.button_labels}"
            for message in reversed(self.messages())
            if message.inline_keyboard
        ]
        return "; ".join(shown[:5]) or "none"

    def _find_inline_button(
        self, label: str, message: ChatMessage | int | None
    ) -> tuple[ChatMessage, InlineButton]:
        if message is None:
            candidates = [m for m in reversed(self.messages()) if m.inline_keyboard]
        else:
            candidates = [
                message if isinstance(message, ChatMessage) else self._bot_message(message)
            ]
        for candidate in candidates:
            for row in candidate.inline_keyboard:
                for button in row:
                    if button.text == label:
                        return candidate, button
        wanted = label.casefold()
        for candidate in candidates:
            partial = [
                button
                for row in candidate.inline_keyboard
                for button in row
                if wanted in button.text.casefold()
            ]
            if len(partial) == 1:
                return candidate, partial[0]
            if partial:
                raise SandboxUsageError(
                    f"{label!r} matches several buttons of message {candidate.message_id}: "
                    f"{[button.text for button in partial]}"
                )
        raise SandboxUsageError(
            f"no inline button {label!r} in chat {self.user_id}; visible buttons: {self._visible_buttons()}"
        )

    def _find_reply_button(self, label: str) -> ReplyButton:
        keyboard = self._state.reply_keyboards.get(self.user_id)
        if keyboard is None:
            raise SandboxUsageError(f"chat {self.user_id} shows no reply keyboard")
        buttons = [button for row in keyboard.rows for button in row]
        for button in buttons:
            if button.text == label:
                return button
        partial = [button for button in buttons if label.casefold() in button.text.casefold()]
        if len(partial) == 1:
            return partial[0]
        raise SandboxUsageError(
            f"no single reply button {label!r} in chat {self.user_id}; keyboard: {keyboard.labels}"
        )
