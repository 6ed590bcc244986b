"""Telegram's text rules: HTML parse mode into text + entities, and length counting.

Telegram measures entity offsets and message length in UTF-16 code units (an emoji outside the
BMP counts as 2). We do the same, so "4096" means what Telegram means by it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from sandbox.errors import bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

# Tags Telegram's HTML parse mode accepts, and the entity type each one produces.
ENTITY_BY_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHtml(HTMLParser):
    """Collects plain text and entities, refusing what Telegram would refuse."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self.parts: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self._length = 0
        self._open: list[tuple[str, dict[str, Any] | None]] = []

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        return len(self._source[: self._line_starts[line - 1] + column].encode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in ENTITY_BY_TAG or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            raise bad_request(
                f'can\'t parse entities: Unsupported start tag "{tag}" '
                f"at byte offset {self._byte_offset()}"
            )
        if tag == "code" and self._open and self._open[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity carrying a language.
            outer = self._open[-1][1]
            language = (attributes.get("class") or "").removeprefix("language-")
            if outer is not None and language:
                outer["language"] = language
            self._open.append((tag, None))
            return
        entity: dict[str, Any] = {"type": ENTITY_BY_TAG[tag], "offset": self._length}
        if tag == "a":
            entity["url"] = attributes.get("href") or ""
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        self._open.append((tag, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise bad_request(
            f'can\'t parse entities: Unsupported start tag "{tag}" '
            f"at byte offset {self._byte_offset()}"
        )

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            raise bad_request(
                f"can't parse entities: Unexpected end tag at byte offset {self._byte_offset()}"
            )
        _, entity = self._open.pop()
        if entity is not None:
            entity["length"] = self._length - entity["offset"]
            if entity["length"] > 0:
                self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self._length += utf16_length(data)

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        """Feed the whole source and return (plain text, entities sorted by offset)."""
        self.feed(self._source)
        self.close()
        if self._open:
            raise bad_request(
                "can't parse entities: Can't find end tag corresponding to start tag "
                f'"{self._open[-1][0]}"'
            )
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.parts), self.entities


def parse_formatted(
    text: str, parse_mode: str | None, entities: Any = None
) -> tuple[str, list[dict[str, Any]]]:
    """Turn (text, parse_mode, entities) into Telegram's (plain text, entities).

    Only HTML is parsed; Markdown modes pass through unparsed (the text keeps its markup).
    """
    if parse_mode and parse_mode.upper() == "HTML":
        return _TelegramHtml(text).parse()
    return text, list(entities) if isinstance(entities, list) else []
