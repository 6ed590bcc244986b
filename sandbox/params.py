"""The parameters of one Bot API call, however the client encoded them.

PTB sends url-encoded forms (multipart when a file is attached) whose values are strings, with
structured fields such as ``reply_markup`` JSON-encoded inside the string; other clients send
JSON bodies with native values. ``Params`` hides the difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from sandbox.errors import bad_request


@dataclass(frozen=True)
class UploadedFile:
    """A file that arrived as a multipart part."""

    filename: str
    content: bytes
    mime_type: str


class Params:
    """Typed access to call parameters; a bad value becomes a Telegram-worded 400."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def has(self, name: str) -> bool:
        """Whether the parameter was sent at all (an empty string counts as absent)."""
        return self._values.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        """A string parameter, or None if absent."""
        value = self._values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        """An integer parameter; ``required`` gives Telegram's "<name> is empty"."""
        if not self.has(name):
            if required:
                raise bad_request(f"{name} is empty")
            return None
        value = self._values[name]
        try:
            return int(value)
        except (TypeError, ValueError):
            if name == "chat_id":
                raise bad_request("chat not found") from None
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, *, required: bool = False) -> float | None:
        """A float parameter such as a latitude."""
        if not self.has(name):
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return float(self._values[name])
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        """A boolean parameter; forms carry "true"/"false"."""
        value = self._values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def structure(self, name: str) -> Any:
        """A JSON-serialised field (reply_markup, scope, ...) decoded, or None if absent."""
        value = self._values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def upload(self, name: str) -> UploadedFile | str | None:
        """A file field: the uploaded part, or the file_id/URL string the client gave."""
        value = self._values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self._values.get(value.removeprefix("attach://"))
        if value in (None, ""):
            return None
        return value if isinstance(value, UploadedFile) else str(value)

    def loggable(self) -> dict[str, Any]:
        """The parameters as recorded in the call log: files summarised, not copied."""
        return {
            key: (
                f"<file {value.filename!r}, {len(value.content)} bytes>"
                if isinstance(value, UploadedFile)
                else value
            )
            for key, value in self._values.items()
        }


async def read_params(request: web.Request) -> Params:
    """Collect query, form, multipart and JSON parameters of a request into one ``Params``."""
    values: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if isinstance(body, dict):
            values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            if isinstance(value, FileField):
                values[key] = UploadedFile(
                    filename=value.filename,
                    content=value.file.read(),
                    mime_type=value.content_type,
                )
            else:
                values[key] = value
    return Params(values)
