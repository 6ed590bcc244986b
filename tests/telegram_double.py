"""An offline stand-in for Telegram's HTTP API inside the test process (PTB's test-suite pattern).

It answers the bot's requests the way Telegram would, enforces the limits the bot must respect
(4096-character texts and 1024-character captions as Telegram counts them, after parsing the HTML;
64-byte callback data; one answer of at most 200 characters per callback query), refuses what
Telegram refuses (malformed HTML, an edit to the same content, an answer to a query answered before
or too late) and records every message so tests can read what a volunteer would see and press the
buttons they would press.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from sandbox.errors import BotApiError
from sandbox.formatting import parse_formatted, utf16_length

BOT_ID = 7000000001
TOKEN = f"{BOT_ID}:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw-test"


@dataclass
class SentMessage:
    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    edits: int = 0
    deleted: bool = False
    # A sent document or photo: its file name and bytes.
    file_name: str | None = None
    file: bytes | None = None
    # What the volunteer sees: the text with its HTML parsed (tags become entities).
    plain: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    method: str = "sendMessage"

    def inline_buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup or "inline_keyboard" not in self.reply_markup:
            return []
        return [button for row in self.reply_markup["inline_keyboard"] for button in row]

    def labels(self) -> list[str]:
        return [b["text"] for b in self.inline_buttons()]

    def reply_keyboard(self) -> list[dict[str, Any]]:
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return []
        return [b if isinstance(b, dict) else {"text": b} for row in self.reply_markup["keyboard"] for b in row]


class TelegramError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class TelegramDouble(BaseRequest):
    """Records requests and answers like the Bot API."""

    messages: list[SentMessage] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answered_queries: dict[str, int] = field(default_factory=dict)
    # Every answerCallbackQuery per query id, refused ones included (a query is answered once).
    answer_attempts: dict[str, int] = field(default_factory=dict)
    # Queries whose answer comes too late: Telegram refuses it ("query is too old").
    late_queries: set[str] = field(default_factory=set)
    # Edits of messages sent through inline mode (inline_message_id): they live in other chats.
    inline_edits: list[dict[str, Any]] = field(default_factory=list)
    # Every refusal answered, by method and reason ("editMessageText: message is not modified").
    refused: Counter[str] = field(default_factory=Counter)
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # Fault knobs for the outbox tests: the next sends answer with these, one fault per send.
    faults: list[dict[str, Any]] = field(default_factory=list)
    hold: Any = None  # an asyncio.Event: sends wait for it (a send stuck on the network)
    # Files users sent (file_id -> bytes), served by getFile and the file download URL.
    uploads: dict[str, bytes] = field(default_factory=dict)

    def fail_next(
        self, count: int = 1, *, code: int = 500, retry_after: int | None = None, timeout: bool = False,
        delivered: bool = False, refused: bool = False,
    ) -> None:
        """The next `count` sends fail: HTTP `code` (429 with retry_after), a read timeout (after
        delivering the message when delivered=True), or a refused connection."""
        fault = {"code": code, "retry_after": retry_after, "timeout": timeout, "delivered": delivered, "refused": refused}
        self.faults.extend(dict(fault) for _ in range(count))

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_: Any) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if "/file/bot" in url:  # a file download (File.download_*)
            content = self.uploads.get(name.split(".")[0])
            return (200, content) if content is not None else (404, b"Not Found")
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            for part in (request_data.multipart_data or {}).values():
                if isinstance(part, tuple) and isinstance(part[1], bytes):
                    params["_file"] = part[:2]
        self.calls.append((name, params))
        if self.hold is not None and name.startswith("send"):
            await self.hold.wait()
        if self.faults and name.startswith("send"):
            fault = self.faults.pop(0)
            if fault["refused"]:
                raise NetworkError("httpx.ConnectError: refused") from httpx.ConnectError("refused")
            if fault["timeout"]:
                if fault["delivered"]:
                    self._answer(name, params)
                raise TimedOut()
            code = fault["code"]
            body_error: dict[str, Any] = {"ok": False, "error_code": code, "description": f"fault {code}"}
            if fault["retry_after"] is not None:
                body_error["parameters"] = {"retry_after": fault["retry_after"]}
            return code, json.dumps(body_error).encode()
        try:
            result = self._answer(name, params)
        except TelegramError as exc:
            self.refused[f"{name}: {exc.description.split(':', 2)[1].strip() if ':' in exc.description else exc.description}"] += 1
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return exc.code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- the Bot API, as far as the bot uses it -------------------------------------------------
    def _answer(self, name: str, p: dict[str, Any]) -> Any:
        if name == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Volunteer Bot", "username": "volunteer_test_bot"}
        if name == "setMyCommands":
            scope = _json(p.get("scope")) or {}
            key = f"chat:{scope['chat_id']}" if scope.get("type") == "chat" else (p.get("language_code") or "")
            self.commands[key] = _json(p.get("commands"))
            return True
        if name in ("deleteWebhook", "setWebhook", "sendChatAction", "deleteMyCommands"):
            return True
        if name == "getUpdates":
            return []
        if name == "getFile":
            file_id = p["file_id"]
            if file_id not in self.uploads:
                raise TelegramError(400, "Bad Request: invalid file_id")
            return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.uploads[file_id]),
                    "file_path": f"documents/{file_id}.csv"}
        if name == "answerCallbackQuery":
            query_id = p["callback_query_id"]
            self.answer_attempts[query_id] = self.answer_attempts.get(query_id, 0) + 1
            if query_id in self.answered_queries or query_id in self.late_queries:
                raise TelegramError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
            if utf16_length(p.get("text") or "") > 200:
                raise TelegramError(400, "Bad Request: MESSAGE_TOO_LONG")
            self.answered_queries[query_id] = 1
            self.callback_answers.append(p)
            return True
        chat_id = int(p.get("chat_id", 0))
        if chat_id in self.blocked and name.startswith(("send", "edit")):
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        if name in ("sendMessage", "sendPhoto", "sendDocument", "sendLocation"):
            text = p.get("text") or p.get("caption") or ""
            plain, entities = _formatted(text, p.get("parse_mode"), caption=name != "sendMessage")
            if name == "sendMessage" and not plain.strip():
                raise TelegramError(400, "Bad Request: message text is empty")
            markup = _json(p.get("reply_markup"))
            _check_markup(markup)
            message = SentMessage(
                chat_id, next(self._ids), text, markup, plain=plain, entities=entities, parse_mode=p.get("parse_mode"), method=name
            )
            if "_file" in p:
                message.file_name, message.file = p["_file"]
            self.messages.append(message)
            return self._message_json(message)
        if name in ("editMessageText", "editMessageReplyMarkup", "editMessageCaption"):
            markup = _json(p.get("reply_markup"))
            _check_markup(markup)
            if "inline_message_id" in p:
                self.inline_edits.append(p)
                return True
            message = self.find(chat_id, int(p["message_id"]))
            if name == "editMessageText" and message.method != "sendMessage":
                raise TelegramError(400, "Bad Request: there is no text in the message to edit")
            if name == "editMessageCaption" and message.method == "sendMessage":
                raise TelegramError(400, "Bad Request: there is no caption in the message to edit")
            if "text" not in p and "caption" not in p:  # only the buttons change
                new_text, plain, entities, mode = message.text, message.plain, message.entities, message.parse_mode
            else:
                new_text, mode = p.get("text", p.get("caption", "")), p.get("parse_mode")
                plain, entities = _formatted(new_text, mode, caption=name == "editMessageCaption")
            # Telegram compares what the volunteer would see, not the source text.
            if (plain, entities, markup) == (message.plain, message.entities, message.reply_markup):
                raise TelegramError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same")
            message.text, message.reply_markup = new_text, markup  # no markup: keyboard removed
            message.plain, message.entities, message.parse_mode = plain, entities, mode
            message.edits += 1
            return self._message_json(message)
        if name == "deleteMessage":
            self.find(chat_id, int(p["message_id"])).deleted = True
            return True
        raise TelegramError(404, f"Not Found: method {name} is not known to the test double")

    def find(self, chat_id: int, message_id: int) -> SentMessage:
        for message in self.messages:
            if message.chat_id == chat_id and message.message_id == message_id and not message.deleted:
                return message
        raise TelegramError(400, "Bad Request: message to edit not found")

    def _message_json(self, message: SentMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": message.chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Volunteer Bot"},
            "text": message.plain or message.text,
        }
        if message.entities:
            data["entities"] = message.entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def calls_to(self, chat_id: int, method: str) -> list[dict[str, Any]]:
        """Every request of this method made for this chat (including refused ones)."""
        return [p for name, p in self.calls if name == method and int(p.get("chat_id", 0)) == chat_id]

    def to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.messages if m.chat_id == chat_id and not m.deleted]


def _json(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value)
    return value


def _formatted(text: str, parse_mode: str | None, *, caption: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """The text as Telegram shows it, refused as Telegram refuses it (bad HTML, too long)."""
    try:
        plain, entities = parse_formatted(text, parse_mode)
    except BotApiError as exc:
        raise TelegramError(exc.status, exc.description) from None
    if utf16_length(plain) > (1024 if caption else 4096):
        raise TelegramError(400, "Bad Request: message caption is too long" if caption else "Bad Request: message is too long")
    return plain, entities


def _check_markup(markup: dict[str, Any] | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and len(data.encode()) > 64:
                raise TelegramError(400, "Bad Request: BUTTON_DATA_INVALID")
