"""The HTTP server: Bot API routes for the bot, control routes and the chat page for people."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from sandbox import bot_profile, messaging
from sandbox.control import add_control_routes
from sandbox.errors import BotApiError, not_found, server_error, too_many_requests, unauthorized
from sandbox.faults import Faults
from sandbox.limits import FloodControl, RateLimitSettings
from sandbox.params import Params, read_params
from sandbox.records import ApiCall, UserProfile
from sandbox.state import SandboxState
from sandbox.users import SimulatedUser

logger = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"(\d+):[A-Za-z0-9_-]{30,}")
BOT_API_METHODS = {**bot_profile.METHODS, **messaging.METHODS}
WEB_DIR = Path(__file__).parent / "web"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's own limit for bot uploads

DEFAULT_PERSONAS = [
    {"user_id": 1001, "name": "سارة", "language_code": "ar"},
    {"user_id": 1002, "name": "Omar", "language_code": "en"},
    {"user_id": 9001, "name": "Coordinator", "language_code": "ar"},
]
DEFAULT_LOCATIONS = [
    {"label": "At the site", "lat": 21.4225, "lon": 39.8262},
    {"label": "Far away", "lat": 24.7136, "lon": 46.6753},
]


class TelegramStandIn:
    """A local Telegram Bot API server with simulated users, faults and flood control."""

    def __init__(
        self,
        *,
        bot_username: str = "sandbox_bot",
        bot_name: str = "Sandbox Bot",
        global_per_second: float | None = 30.0,
        chat_burst: int | None = 3,
        chat_per_second: float | None = 1.0,
        personas: list[dict[str, Any]] | None = None,
        locations: list[dict[str, Any]] | None = None,
        duplicate_updates: bool = False,
        seed: int | None = 0,
        max_recorded_calls: int = 100_000,
        web_port: int | None = None,
        tokens: Iterable[str] | None = None,
    ) -> None:
        # None: any token shaped like Telegram's is accepted; else only these (others get 401).
        self.accepted_tokens: set[str] | None = None if tokens is None else set(tokens)
        self.rejected_tokens: set[str] = set()
        self.state = SandboxState(
            bot_username=bot_username,
            bot_name=bot_name,
            flood_control=FloodControl(
                RateLimitSettings(global_per_second, chat_burst, chat_per_second)
            ),
            faults=Faults(seed),
            duplicate_updates=duplicate_updates,
            max_recorded_calls=max_recorded_calls,
        )
        self.personas = list(DEFAULT_PERSONAS if personas is None else personas)
        self.locations = list(DEFAULT_LOCATIONS if locations is None else locations)
        self._users: dict[int, SimulatedUser] = {}
        self._runners: list[web.AppRunner] = []
        self.host = "127.0.0.1"
        self.port = 0
        self._wanted_web_port = web_port
        self.web_port: int | None = None  # the actual port once started
        for persona in self.personas:
            self.user(
                int(persona["user_id"]),
                first_name=str(persona.get("name", persona["user_id"])),
                language_code=str(persona.get("language_code", "en")),
                phone=persona.get("phone"),
            )

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, web_port: int | None = None
    ) -> None:
        """Serve the Bot API (and control API) on ``port``; the chat page also on ``web_port``.

        Port 0 picks a free port (read it back from ``port`` / ``web_port``). Without a web port
        the page is still served at ``/_sandbox/chat/`` on the main port.
        """
        self.host = host
        self.port = await self._serve(self._bot_api_app(), host, port)
        web_port = self._wanted_web_port if web_port is None else web_port
        if web_port is not None:
            self.web_port = await self._serve(self._page_app(), host, web_port)

    async def stop(self) -> None:
        """Close the listening sockets and open connections."""
        await self.state.webhook_delivery.close()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _serve(self, app: web.Application, host: str, port: int) -> int:
        # A short shutdown grace: long polls still open at stop() need not be waited for.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runners.append(runner)
        return int(runner.addresses[-1][1])

    @property
    def base_url(self) -> str:
        """What to give PTB as ``base_url`` (it appends ``<token>/<method>``)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give PTB as ``base_file_url``."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def control_url(self) -> str:
        """Root of the control API, for ``SandboxClient``."""
        return f"http://{self.host}:{self.port}"

    # -- the Python API ---------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        phone: str | None = None,
    ) -> SimulatedUser:
        """The simulated user ``user_id``, created on first use (its private chat too)."""
        existing = self._users.get(user_id)
        if existing is not None:
            profile = existing.profile
            profile.first_name = first_name or profile.first_name
            profile.language_code = language_code or profile.language_code
            profile.last_name = last_name or profile.last_name
            profile.username = username or profile.username
            profile.phone = phone or profile.phone
            return existing
        profile = UserProfile(
            user_id=user_id,
            first_name=first_name or f"User {user_id}",
            language_code=language_code or "en",
            last_name=last_name,
            username=username,
            phone=phone,
        )
        self.state.users[user_id] = profile
        self._users[user_id] = SimulatedUser(self.state, profile)
        return self._users[user_id]

    @property
    def users(self) -> list[SimulatedUser]:
        """Every simulated user, in creation order."""
        return list(self._users.values())

    @property
    def faults(self) -> Faults:
        """Fault injection knobs (``fail_next``, ``fail_ratio``, ``drop_next``, ``slow``...)."""
        return self.state.faults

    @property
    def stats(self) -> Any:
        """Counters: messages per chat with timestamps, 429s and 5xx given, every call."""
        return self.state.stats

    def set_rate_limits(
        self,
        *,
        global_per_second: float | None = 30.0,
        chat_burst: int | None = 3,
        chat_per_second: float | None = 1.0,
    ) -> None:
        """Change flood control; None turns a limit off."""
        self.state.flood_control.configure(
            global_per_second=global_per_second,
            chat_burst=chat_burst,
            chat_per_second=chat_per_second,
        )

    def disable_rate_limits(self) -> None:
        """No 429s from flood control (injected 429 faults still apply)."""
        self.set_rate_limits(global_per_second=None, chat_burst=None, chat_per_second=None)

    def reject_token(self, token: str) -> None:
        """Answer 401 Unauthorized to this token from now on, as Telegram does once it is revoked."""
        self.rejected_tokens.add(token)

    def _accepts(self, token: str) -> bool:
        if token in self.rejected_tokens:
            return False
        return self.accepted_tokens is None or token in self.accepted_tokens

    def redeliver(self, update_id: int) -> None:
        """Deliver an already-issued update again, same update_id (idempotency tests)."""
        self.state.updates.redeliver(update_id)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """Commands the bot set for ``scope`` (default scope if None) and language."""
        return self.state.commands.get(bot_profile.commands_key(scope, language_code), [])

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Recorded Bot API calls, optionally of one method (case-insensitive)."""
        return [
            call
            for call in self.state.stats.calls
            if method is None or call.method.lower() == method.lower()
        ]

    # -- HTTP -------------------------------------------------------------------------------------

    def _bot_api_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_get("/file/bot{token}/documents/{file_id}", self._handle_file_download)
        add_control_routes(app, self)
        self._add_page_routes(app, "/_sandbox/chat/")
        return app

    def _page_app(self) -> web.Application:
        app = web.Application()
        add_control_routes(app, self)
        self._add_page_routes(app, "/")
        return app

    @staticmethod
    def _add_page_routes(app: web.Application, prefix: str) -> None:
        async def page(request: web.Request) -> web.FileResponse:
            name = request.match_info.get("name") or "index.html"
            if name not in ("index.html", "app.js", "style.css"):
                raise web.HTTPNotFound()
            return web.FileResponse(WEB_DIR / name, headers={"Cache-Control": "no-store"})

        app.router.add_get(prefix, page)
        app.router.add_get(prefix + "{name}", page)

    async def _handle_file_download(self, request: web.Request) -> web.Response:
        stored = self.state.files.get(request.match_info["file_id"])
        if not TOKEN_PATTERN.fullmatch(request.match_info["token"]) or stored is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=stored.content or b"", content_type=stored.mime_type or "application/octet-stream"
        )

    async def _handle_bot_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = Params({})
        try:
            token = TOKEN_PATTERN.fullmatch(request.match_info["token"])
            if token is None or not self._accepts(token.group(0)):
                raise unauthorized()
            self.state.bot_id = int(token.group(1))
            handler = BOT_API_METHODS.get(method.lower())
            if handler is None:
                logger.warning("unknown Bot API method %s answered 404", method)
                raise not_found()
            params = await read_params(request)
            delay = self.state.faults.delay_for(method)
            if delay:
                await asyncio.sleep(delay)
            fault = self.state.faults.pick(method)
            if fault is not None and fault.kind == "status":
                raise (
                    too_many_requests(fault.retry_after)
                    if fault.status == 429
                    else server_error(fault.status)
                )
            if fault is not None and fault.kind == "drop":
                return self._drop_connection(request, method, params)
            result = await handler(self.state, params)
            if fault is not None and fault.kind == "drop_after":
                return self._drop_connection(request, method, params)
        except BotApiError as error:
            self._record(method, params, error.status, error.description)
            return web.json_response(error.payload(), status=error.status)
        self._record(method, params, 200)
        return web.json_response({"ok": True, "result": result})

    def _record(
        self, method: str, params: Params, status: int, description: str | None = None
    ) -> None:
        self.state.stats.record_call(
            ApiCall(method, params.loggable(), time.monotonic(), status, description)
        )

    def _drop_connection(
        self, request: web.Request, method: str, params: Params
    ) -> web.StreamResponse:
        """Close the socket with no answer; the client sees "server disconnected"."""
        self._record(method, params, 0, "connection dropped")
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError()
