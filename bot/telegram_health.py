"""Is Telegram there: what a failed Bot API call means, and the getUpdates heartbeat of a running bot.

Every way a call to the Bot API can fail to get an answer we can use, and what follows:

- no connection (host name not found, connection refused, TLS failure, proxy error), no answer in
  time, or a 5xx from Telegram's front end: Telegram (or TELEGRAM_API_BASE_URL) is unreachable
  for now; start-up retries for STARTUP_RETRY_SECONDS, a running bot keeps polling (an outage,
  logged once, over at the first getUpdates that is answered);
- 401 Unauthorized: Telegram does not know the token (mistyped, or revoked with @BotFather); no
  retry helps: start-up stops, a running bot stops (the token was revoked under it);
- 404 Not Found on getMe: the URL is not a Bot API (TELEGRAM_API_BASE_URL must end in /bot), or
  the token is malformed in a way Telegram answers 404 to;
- 409 Conflict on getUpdates: another process polls with the same token; logged once.

The base URL that PTB builds contains the token, so a sentence names `api_url` (the setting, or
Telegram's default) and nothing from PTB's URL; sentences are masked for token shapes anyway.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from telegram.error import (
    BadRequest,
    Conflict,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, RequestData

from bot.aiohttp_request import AiohttpRequest
from bot.logs import mask_tokens
from bot.polling import conflict_sentence
from infra.outages import Outage
from infra.settings import Settings

log = logging.getLogger(__name__)
TELEGRAM_API_URL = "https://api.telegram.org/bot"
REJECTED = "Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized)"
ASK_BOTFATHER = "ask @BotFather for the token again (/mybots, API Token) and put it in .env"


@dataclass(frozen=True)
class TelegramProblem:
    """Why a call got no usable answer, what to do about it, and whether waiting may fix it."""

    what: str
    fix: str
    retryable: bool

    @property
    def sentence(self) -> str:
        return f"{self.what}: {self.fix}"


def api_url(settings: Settings) -> str:
    """The Bot API base URL as it may be shown (PTB appends the token to it)."""
    return settings.telegram_api_base_url or TELEGRAM_API_URL


def _network_reason(error: TelegramError) -> str:
    cause = error.__cause__
    if isinstance(error, TimedOut):
        return "no answer in time"
    if isinstance(cause, aiohttp.ClientConnectorDNSError):
        return "host name not found"
    if isinstance(cause, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError) or isinstance(cause, ssl.SSLError):
        return "TLS error: " + str(cause)[:200]
    if isinstance(cause, aiohttp.ClientProxyConnectionError):
        return "the proxy refused the connection"
    if isinstance(cause, aiohttp.ClientConnectorError):
        os_error = cause.os_error
        return "connection refused" if isinstance(os_error, ConnectionRefusedError) else (os_error.strerror or str(os_error))
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    if cause is None:
        return f"Telegram answered {error.message}"  # a 5xx
    return f"{type(cause).__name__}: {cause}"[:200]


def describe_telegram_error(error: TelegramError, url: str) -> TelegramProblem:
    """What a failed call (getMe at start-up, or from `doctor`) means for the operator."""
    if isinstance(error, InvalidToken):
        # Bot.initialize re-raises with the token in the message; Telegram's own answer is the cause.
        answer = error.__cause__ if isinstance(error.__cause__, InvalidToken) else error
        if "not found" in answer.message.lower():
            return TelegramProblem(
                f"the Bot API at {url} answered 404 Not Found",
                "TELEGRAM_API_BASE_URL must end in /bot (e.g. http://127.0.0.1:8081/bot), "
                "and TELEGRAM_BOT_TOKEN must be the token @BotFather gave",
                retryable=False,
            )
        return TelegramProblem(REJECTED, ASK_BOTFATHER, retryable=False)
    if isinstance(error, RetryAfter):
        return TelegramProblem(f"Telegram asked to wait ({error.message})", "wait", retryable=True)
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return TelegramProblem(
            f"cannot reach the Telegram Bot API at {url} ({mask_tokens(_network_reason(error))})",
            "check this machine's internet access, a proxy (HTTPS_PROXY) or TELEGRAM_API_BASE_URL",
            retryable=True,
        )
    reason = mask_tokens(f"{type(error).__name__}: {error.message}")
    return TelegramProblem(f"the Telegram Bot API at {url} refused the call ({reason})", "check TELEGRAM_API_BASE_URL", False)


def telegram_problem(error: BaseException) -> str | None:
    """For the log filter: a short reason when `error` means Telegram is away, else None."""
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return _network_reason(error)
    return None


class HeartbeatRequest(AiohttpRequest):
    """The getUpdates connection, reporting to the Telegram outage: a poll is always open, so its
    answers (or their absence) say whether Telegram is there, within a poll's timeout."""

    def __init__(self, outage: Outage, conflict: Outage, on_rejected: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(connection_pool_size=1, **kwargs)
        self.outage, self.conflict, self.on_rejected = outage, conflict, on_rejected

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        try:
            status, body = await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )
        except NetworkError as error:
            self.outage.failed(_network_reason(error))
            raise
        if status >= 500:
            self.outage.failed(f"Telegram answered HTTP {status}")
        elif status == 401:
            self.on_rejected()
        else:
            self.outage.recovered()
            if status == 200:
                self.conflict.recovered()
        return status, body


def polling_error(conflict: Outage) -> Callable[[TelegramError], None]:
    """PTB's error_callback for polling: outages are the heartbeat's to tell; a 409 is logged once."""

    def on_error(error: TelegramError) -> None:
        if isinstance(error, Conflict):
            conflict.failed(conflict_sentence(error))
        else:
            log.debug("polling failed: %s", mask_tokens(str(error)))

    return on_error
