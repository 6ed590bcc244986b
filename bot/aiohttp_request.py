"""python-telegram-bot's HTTP requests carried by aiohttp instead of httpx.

Every update costs the bot at least two Bot API calls (getUpdates, then the reply; a pressed button
three: the answer and the edit). Through httpx each call costs about 1 ms of CPU in the client
alone (its request and response models, httpcore's pool, h11 in pure Python), a third of the bot's
work per update; aiohttp, with its C HTTP parser, does the same in a fraction of that (see
bot/bulk_transport.py, which the outbox has used for the same reason).

It is still an HTTPXRequest to the rest of the program: same constructor, same default timeouts
and pool size, and the outbox sender recognises it as the real Bot API. Only the transport
changes: PTB's BaseRequest still builds the parameters and turns Telegram's answers into results
or TelegramErrors.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(HTTPXRequest):
    """HTTPXRequest's settings, aiohttp's connection pool and parser."""

    def __init__(self, connection_pool_size: int = 256, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)
        self._connections = connection_pool_size
        self._http: aiohttp.ClientSession | None = None

    async def initialize(self) -> None:
        await super().initialize()
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
                # Like httpx, honour HTTPS_PROXY and friends; aiohttp looks them up (and reads
                # ~/.netrc) on every request when asked to, so only ask when one is set.
                trust_env=bool(urllib.request.getproxies()),
            )

    async def shutdown(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
        await super().shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See BaseRequest.do_request: the status and the body of Telegram's answer."""
        if self._http is None or self._http.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        defaults = self._client.timeout
        if isinstance(read_timeout, DefaultValue):
            read_timeout = defaults.read
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = defaults.connect
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = defaults.pool
        # aiohttp has no write timeout: a request whose answer does not come within the read
        # timeout fails the same way (TimedOut).
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool_timeout is None or connect_timeout is None else pool_timeout + connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            files = request_data.multipart_data
            fields = request_data.json_parameters
            if files:
                form = aiohttp.FormData()
                for name, value in fields.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                body = form
            else:
                # What aiohttp would send for the dict, without the multipart writer (and its
                # uuid4 boundary) that it builds for every form, files or not.
                body = urllib.parse.urlencode(fields).encode()
                headers = FORM_HEADERS
        try:
            async with self._http.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's connect and read timeouts are TimeoutErrors too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
