"""A round-robin load balancer, for running several bot instances behind one webhook URL.

Telegram posts every update to the one URL given to setWebhook; in production a load balancer
spreads them over the instances. This is the smallest one that behaves like the usual ones: each
request goes to the next backend in turn; a backend that cannot be reached (connection refused,
reset, timed out) is skipped and the request tried on the next, so an instance that died costs no
update; the answer of the backend that took it is passed back as it is (a 403 stays a 403).

```python
async with RoundRobinBalancer(["http://127.0.0.1:8441", "http://127.0.0.1:8442"]) as balancer:
    balancer.url            # e.g. http://127.0.0.1:40123: give TELEGRAM_WEBHOOK_URL this + a path
    balancer.forwarded      # Counter: requests answered by each backend
```
"""

from __future__ import annotations

import logging
from collections import Counter
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp import web

logger = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=10)
HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


class RoundRobinBalancer:
    """Forwards each request to the next reachable backend."""

    def __init__(self, backends: list[str]) -> None:
        if not backends:
            raise ValueError("a balancer needs at least one backend")
        self.backends = [backend.rstrip("/") for backend in backends]
        self.forwarded: Counter[str] = Counter()
        self.unreachable: Counter[str] = Counter()
        self.host = "127.0.0.1"
        self.port = 0
        self._next = 0
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.host, self.port = host, int(self._runner.addresses[-1][1])
        self._http = aiohttp.ClientSession(timeout=TIMEOUT, auto_decompress=False)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.stop()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {name: value for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.remote or ""
        start = self._next
        self._next = (self._next + 1) % len(self.backends)
        for offset in range(len(self.backends)):
            backend = self.backends[(start + offset) % len(self.backends)]
            try:
                async with self._http.request(
                    request.method, backend + request.path_qs, data=body, headers=headers
                ) as answer:
                    content = await answer.read()
                    self.forwarded[backend] += 1
                    kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
                    return web.Response(status=answer.status, body=content, headers=kept)
            except (aiohttp.ClientError, TimeoutError) as error:
                self.unreachable[backend] += 1
                logger.debug("balancer: %s unreachable (%s); trying the next", backend, type(error).__name__)
        return web.Response(status=502, text="Bad Gateway: no backend reachable")
