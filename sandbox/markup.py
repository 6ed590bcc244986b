"""Reply markup: validating keyboards the way Telegram does and keeping them in typed form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import bad_request

MAX_CALLBACK_DATA_BYTES = 64
# Inline button fields that give a button its action; a button needs exactly one.
INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


@dataclass(frozen=True)
class InlineButton:
    """One inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ReplyButton:
    """One reply keyboard button; a tap sends its text, contact or location."""

    text: str
    request_contact: bool = False
    request_location: bool = False


@dataclass(frozen=True)
class ReplyKeyboard:
    """A custom keyboard shown above the user's input box."""

    rows: tuple[tuple[ReplyButton, ...], ...]
    one_time: bool = False
    placeholder: str | None = None

    @property
    def labels(self) -> list[str]:
        """Every button label, row by row."""
        return [button.text for row in self.rows for button in row]

    def to_json(self) -> dict[str, Any]:
        """The keyboard as the control API shows it."""
        return {
            "rows": [
                [
                    {
                        "text": button.text,
                        "request_contact": button.request_contact,
                        "request_location": button.request_location,
                    }
                    for button in row
                ]
                for row in self.rows
            ],
            "one_time": self.one_time,
            "placeholder": self.placeholder,
        }


@dataclass(frozen=True)
class ReplyMarkup:
    """What a reply_markup parameter asked for; at most one of its parts is set."""

    inline_keyboard: tuple[tuple[InlineButton, ...], ...] = ()
    inline_json: list[list[dict[str, Any]]] = field(default_factory=list)
    reply_keyboard: ReplyKeyboard | None = None
    remove_keyboard: bool = False
    force_reply: bool = False

    @property
    def is_inline(self) -> bool:
        """Whether this is an inline keyboard (the only kind a message carries and edits)."""
        return bool(self.inline_keyboard)


def _parse_inline_button(raw: Any) -> tuple[InlineButton, dict[str, Any]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    actions = [name for name in INLINE_ACTIONS if name in raw]
    if not raw["text"]:
        raise bad_request("text must be non-empty")
    if len(actions) != 1:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    data = raw.get("callback_data")
    if data is not None:
        size = len(str(data).encode())
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    url = raw.get("url")
    if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
        raise bad_request("BUTTON_URL_INVALID")
    button = InlineButton(
        text=raw["text"],
        callback_data=None if data is None else str(data),
        url=None if url is None else str(url),
    )
    return button, {key: raw[key] for key in ("text", *actions)}


def _parse_reply_button(raw: Any) -> ReplyButton:
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
        raise bad_request("can't parse keyboard button: Text must be a non-empty String")
    return ReplyButton(
        text=raw["text"],
        request_contact=bool(raw.get("request_contact")),
        request_location=bool(raw.get("request_location")),
    )


def _rows(value: Any, what: str) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f'can\'t parse {what}: Field "{what}" must be an Array of Arrays')
    return value


def parse_reply_markup(value: Any) -> ReplyMarkup:
    """Validate a decoded reply_markup object; None means "no markup"."""
    if value is None:
        return ReplyMarkup()
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        buttons: list[tuple[InlineButton, ...]] = []
        raw_rows: list[list[dict[str, Any]]] = []
        for row in _rows(value["inline_keyboard"], "inline_keyboard"):
            parsed = [_parse_inline_button(raw) for raw in row]
            buttons.append(tuple(button for button, _ in parsed))
            raw_rows.append([raw for _, raw in parsed])
        return ReplyMarkup(inline_keyboard=tuple(buttons), inline_json=raw_rows)
    if "keyboard" in value:
        rows = tuple(
            tuple(_parse_reply_button(raw) for raw in row)
            for row in _rows(value["keyboard"], "keyboard")
        )
        if not any(rows):
            raise bad_request("keyboard must be non-empty")
        keyboard = ReplyKeyboard(
            rows=rows,
            one_time=bool(value.get("one_time_keyboard")),
            placeholder=value.get("input_field_placeholder"),
        )
        return ReplyMarkup(reply_keyboard=keyboard)
    if value.get("remove_keyboard"):
        return ReplyMarkup(remove_keyboard=True)
    if value.get("force_reply"):
        return ReplyMarkup(force_reply=True)
    raise bad_request("can't parse reply keyboard markup JSON object")
