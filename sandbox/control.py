"""The control API (JSON under /_sandbox/): play users and steer the stand-in over HTTP.

This is what the chat page, an out-of-process demo or a benchmark uses; ``SandboxClient``
wraps it. Every answer is ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.errors import SandboxUsageError

if TYPE_CHECKING:
    from sandbox.server import TelegramStandIn
    from sandbox.users import SimulatedUser

MAX_LONG_POLL_SECONDS = 30.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _ok(**fields: Any) -> web.Response:
    return web.json_response(
        {"ok": True, **fields}, dumps=lambda data: json.dumps(data, ensure_ascii=False)
    )


def _failure(status: int, error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)


def _guarded(handler: Handler) -> Handler:
    """Turn a user's mistake into a JSON 4xx instead of a 500."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except SandboxUsageError as error:
            return _failure(404, str(error))
        except (KeyError, ValueError, TypeError) as error:
            return _failure(400, f"bad request: {error!r}")

    return guarded


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise TypeError("the body must be a JSON object")
    return body


class ControlRoutes:
    """Handlers bound to one stand-in."""

    def __init__(self, standin: TelegramStandIn) -> None:
        self.standin = standin
        self.state = standin.state

    def _user(self, request: web.Request, body: dict[str, Any]) -> SimulatedUser:
        return self.standin.user(
            int(request.match_info["user_id"]),
            first_name=body.get("first_name"),
            language_code=body.get("language_code"),
        )

    async def config(self, request: web.Request) -> web.Response:
        """GET /_sandbox/config: bot identity, personas and locations (for the page)."""
        return _ok(
            bot=self.state.bot_user_json(),
            personas=self.standin.personas,
            locations=self.standin.locations,
        )

    async def list_users(self, request: web.Request) -> web.Response:
        """GET /_sandbox/users."""
        return _ok(
            users=[
                {**user.profile.user_json(), "blocked": user.profile.blocked}
                for user in self.standin.users
            ]
        )

    async def create_user(self, request: web.Request) -> web.Response:
        """POST /_sandbox/users {user_id, first_name, language_code, username, phone}."""
        body = await _body(request)
        user = self.standin.user(
            int(body["user_id"]),
            first_name=body.get("first_name"),
            language_code=body.get("language_code"),
            username=body.get("username"),
            phone=body.get("phone"),
        )
        return _ok(user=user.profile.user_json())

    async def user_action(self, request: web.Request) -> web.Response:
        """POST /_sandbox/users/{user_id}/{action}: what a person would do in the chat."""
        body = await _body(request)
        user = self._user(request, body)
        action = request.match_info["action"]
        update_id: int | None = None
        if action == "text":
            update_id = user.send_text(str(body["text"]))
        elif action == "command":
            update_id = user.send_command(str(body["command"]), str(body.get("payload", "")))
        elif action == "contact":
            update_id = user.send_contact(body.get("phone"), own=bool(body.get("own", True)))
        elif action == "location":
            update_id = user.send_location(float(body["lat"]), float(body["lon"]))
        elif action == "press":
            update_id = user.press_button(str(body["label"]), body.get("message_id"))
        elif action == "callback":
            update_id = user.send_callback(str(body["data"]), int(body["message_id"]))
        elif action == "reply_button":
            update_id = user.press_reply_button(
                str(body["label"]), latitude=body.get("lat"), longitude=body.get("lon")
            )
        elif action == "block":
            user.block()
        elif action == "unblock":
            user.unblock()
        else:
            return _failure(404, f"unknown user action {action!r}")
        return _ok(update_id=update_id, revision=self.state.revision)

    async def callback_answers(self, request: web.Request) -> web.Response:
        """GET /_sandbox/users/{user_id}/callback_answers."""
        user = self._user(request, {})
        return _ok(answers=[record.to_json() for record in user.callback_answers()])

    async def chat_messages(self, request: web.Request) -> web.Response:
        """GET /_sandbox/chats/{chat_id}/messages?since=REV&wait=SECONDS (long poll)."""
        chat_id = int(request.match_info["chat_id"])
        since = int(request.query.get("since", 0))
        wait = min(float(request.query.get("wait", 0)), MAX_LONG_POLL_SECONDS)
        deadline = self._now() + wait
        while True:
            messages = [m for m in self.state.chats.get(chat_id, []) if m.revision > since]
            toasts = [
                record
                for record in self.state.callback_queries.values()
                if record.user_id == chat_id and record.revision > since and record.answers
            ]
            remaining = deadline - self._now()
            if messages or toasts or remaining <= 0:
                break
            await self.state.wait_for_change(remaining)
        keyboard = self.state.reply_keyboards.get(chat_id)
        return _ok(
            revision=self.state.revision,
            messages=[message.to_json() for message in messages],
            toasts=[record.to_json() for record in toasts],
            reply_keyboard=keyboard.to_json() if keyboard else None,
        )

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    async def stats(self, request: web.Request) -> web.Response:
        """GET /_sandbox/stats."""
        return _ok(
            stats=self.state.stats.to_json(), pending_updates=self.state.updates.pending_count
        )

    async def calls(self, request: web.Request) -> web.Response:
        """GET /_sandbox/calls?method=sendMessage&limit=100 (latest calls, oldest first)."""
        limit = int(request.query.get("limit", 100))
        calls = self.standin.calls(request.query.get("method"))[-limit:]
        return _ok(calls=[call.to_json() for call in calls])

    async def faults(self, request: web.Request) -> web.Response:
        """GET lists, POST adds one rule (see README), DELETE clears /_sandbox/faults."""
        if request.method == "POST":
            self.state.faults.add(await _body(request))
        elif request.method == "DELETE":
            self.state.faults.clear()
        return _ok(faults=self.state.faults.describe())

    async def rate_limits(self, request: web.Request) -> web.Response:
        """GET shows, POST sets /_sandbox/rate_limits {global_per_second, chat_burst, chat_per_second}."""
        if request.method == "POST":
            body = await _body(request)
            self.standin.set_rate_limits(
                global_per_second=body.get("global_per_second"),
                chat_burst=body.get("chat_burst"),
                chat_per_second=body.get("chat_per_second"),
            )
        settings = self.state.flood_control.settings
        return _ok(
            global_per_second=settings.global_per_second,
            chat_burst=settings.chat_burst,
            chat_per_second=settings.chat_per_second,
        )

    async def commands(self, request: web.Request) -> web.Response:
        """GET /_sandbox/commands?scope=<json>&language_code=ar."""
        scope = json.loads(request.query["scope"]) if "scope" in request.query else None
        return _ok(commands=self.standin.commands(scope, request.query.get("language_code", "")))

    async def redeliver(self, request: web.Request) -> web.Response:
        """POST /_sandbox/updates/{update_id}/redeliver."""
        self.standin.redeliver(int(request.match_info["update_id"]))
        return _ok()

    async def file(self, request: web.Request) -> web.StreamResponse:
        """GET /_sandbox/files/{file_id}: the bytes of a photo or document the bot sent."""
        stored = self.state.files.get(request.match_info["file_id"])
        if stored is None or stored.content is None:
            return _failure(404, "no such file (or only its URL is known)")
        headers = {}
        if stored.file_name:
            headers["Content-Disposition"] = f'inline; filename="{stored.file_name}"'
        return web.Response(
            body=stored.content,
            content_type=stored.mime_type or "application/octet-stream",
            headers=headers,
        )


def add_control_routes(app: web.Application, standin: TelegramStandIn) -> None:
    """Mount the control API on ``app``."""
    routes = ControlRoutes(standin)
    add = app.router.add_route
    add("GET", "/_sandbox/config", _guarded(routes.config))
    add("GET", "/_sandbox/users", _guarded(routes.list_users))
    add("POST", "/_sandbox/users", _guarded(routes.create_user))
    add("POST", "/_sandbox/users/{user_id}/{action}", _guarded(routes.user_action))
    add("GET", "/_sandbox/users/{user_id}/callback_answers", _guarded(routes.callback_answers))
    add("GET", "/_sandbox/chats/{chat_id}/messages", _guarded(routes.chat_messages))
    add("GET", "/_sandbox/stats", _guarded(routes.stats))
    add("GET", "/_sandbox/calls", _guarded(routes.calls))
    for verb in ("GET", "POST", "DELETE"):
        add(verb, "/_sandbox/faults", _guarded(routes.faults))
    for verb in ("GET", "POST"):
        add(verb, "/_sandbox/rate_limits", _guarded(routes.rate_limits))
    add("GET", "/_sandbox/commands", _guarded(routes.commands))
    add("POST", "/_sandbox/updates/{update_id}/redeliver", _guarded(routes.redeliver))
    add("GET", "/_sandbox/files/{file_id}", _guarded(routes.file))
