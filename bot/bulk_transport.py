"""sendMessage for the outbox, straight over aiohttp, paced by the bot's own rate limiter.

PTB's `bot.send_message` costs about 2 ms of CPU per call (measured over httpx, before the bot's
own calls moved to aiohttp in bot/aiohttp_request.py; building the request and a `Message` from
the answer remain): against the local stand-in on a 2-core machine it topped out near 540
messages/s, below the 1,000/s a large broadcast wants when Telegram allows it. The outbox only
sends text with a keyboard and reads back the message id, so it posts the JSON itself (about
3,000/s on the same machine). Every call still goes through the PriorityRateLimiter installed on
the Application, and failures are raised as PTB's own errors, so the sender handles both paths
alike. Replies to volunteers keep using PTB.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.ratelimit import PriorityRateLimiter

CONNECTIONS = 32
TIMEOUT = aiohttp.ClientTimeout(total=None, connect=5, sock_connect=5, sock_read=10)
# Raised before the request reached Telegram: resending cannot duplicate anything.
NEVER_LEFT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


class BulkTransport:
    """One aiohttp session to the Bot API, for outbox sends."""

    def __init__(self, bot: Bot, limiter: PriorityRateLimiter | None, *, connections: int = CONNECTIONS) -> None:
        self._base_url = bot.base_url
        self._limiter = limiter
        self._connections = connections
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def send_message(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, *, photo: str | None = None
    ) -> int:
        """Send one HTML message (or a photo with the text as its caption); Telegram's message id,
        or PTB's exception for the failure."""
        method = "sendMessage" if photo is None else "sendPhoto"
        data: dict[str, Any] = {"chat_id": chat_id, "parse_mode": "HTML"}
        if photo is None:
            data["text"] = text
        else:
            data["photo"], data["caption"] = photo, text
        if markup is not None:
            data["reply_markup"] = markup.to_dict()
        if self._limiter is None:
            result = await self._post(method, data)
        else:
            result = await self._limiter.process_request(self._post, (method, data), {}, method, data, {"bulk": True})
        return int(result["message_id"])  # type: ignore[index,call-overload]

    async def _post(self, method: str, data: dict[str, Any]) -> dict[str, Any]:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections), timeout=TIMEOUT, json_serialize=json.dumps
            )
        try:
            async with self._http.post(f"{self._base_url}/{method}", json=data) as response:
                status = response.status
                raw = await response.read()
        except NEVER_LEFT as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut(f"aiohttp.{type(error).__name__}") from error  # the answer never came back
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        return _answer(status, raw)


def _answer(status: int, raw: bytes) -> dict[str, Any]:
    """The result, or the error PTB would raise for this answer."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = {}
    if 200 <= status <= 299 and body.get("ok"):
        return body["result"]  # type: ignore[no-any-return]
    description = str(body.get("description") or f"HTTP {status}")
    retry_after = (body.get("parameters") or {}).get("retry_after")
    if retry_after:
        raise RetryAfter(int(retry_after))
    if status == 403:
        raise Forbidden(description)
    if status == 400:
        raise BadRequest(description)
    if status in (401, 404):
        raise InvalidToken(description)
    raise NetworkError(description)  # 5xx: Telegram answered that it did not do it
