"""``SandboxClient``: the control API from another process (demo scripts, benchmarks)."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self

import aiohttp


class SandboxError(RuntimeError):
    """The control API refused a request (e.g. no such button)."""


class SandboxClient:
    """A thin async wrapper over ``/_sandbox/...``; results are the JSON the API returns."""

    def __init__(self, base: str = "http://127.0.0.1:8081") -> None:
        self.base = base.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(
        self, verb: str, path: str, body: dict[str, Any] | None = None, **query: Any
    ) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        params = {key: str(value) for key, value in query.items() if value is not None}
        async with self._session.request(
            verb, f"{self.base}/_sandbox/{path}", json=body, params=params
        ) as response:
            answer: dict[str, Any] = await response.json()
        if not answer.get("ok"):
            raise SandboxError(answer.get("error", f"HTTP {response.status}"))
        return answer

    # -- acting as users ----------------------------------------------------------------------------

    async def create_user(
        self, user_id: int, first_name: str, language_code: str = "en", **extra: Any
    ) -> dict[str, Any]:
        """Create (or update) a simulated user."""
        body = {
            "user_id": user_id,
            "first_name": first_name,
            "language_code": language_code,
            **extra,
        }
        answer = await self._call("POST", "users", body)
        user: dict[str, Any] = answer["user"]
        return user

    async def _act(self, user_id: int, action: str, **body: Any) -> int | None:
        answer = await self._call("POST", f"users/{user_id}/{action}", body)
        update_id: int | None = answer["update_id"]
        return update_id

    async def send_text(self, user_id: int, text: str) -> int | None:
        """The user sends a text message; returns the update_id."""
        return await self._act(user_id, "text", text=text)

    async def send_command(self, user_id: int, command: str, payload: str = "") -> int | None:
        """The user sends /command payload."""
        return await self._act(user_id, "command", command=command, payload=payload)

    async def send_contact(
        self, user_id: int, phone: str | None = None, own: bool = True
    ) -> int | None:
        """The user shares a contact (their own by default)."""
        return await self._act(user_id, "contact", phone=phone, own=own)

    async def send_location(self, user_id: int, lat: float, lon: float) -> int | None:
        """The user shares a location."""
        return await self._act(user_id, "location", lat=lat, lon=lon)

    async def press_button(
        self, user_id: int, label: str, message_id: int | None = None
    ) -> int | None:
        """The user taps an inline button by label."""
        return await self._act(user_id, "press", label=label, message_id=message_id)

    async def press_reply_button(
        self, user_id: int, label: str, lat: float | None = None, lon: float | None = None
    ) -> int | None:
        """The user taps a reply-keyboard button."""
        return await self._act(user_id, "reply_button", label=label, lat=lat, lon=lon)

    async def block(self, user_id: int) -> None:
        """The user blocks the bot."""
        await self._act(user_id, "block")

    async def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        await self._act(user_id, "unblock")

    # -- reading ------------------------------------------------------------------------------------

    async def messages(self, chat_id: int, since: int = 0, wait: float = 0) -> dict[str, Any]:
        """Messages (both sides) changed after revision ``since``; long-polls up to ``wait`` s.

        Returns ``{"revision", "messages", "toasts", "reply_keyboard"}``.
        """
        return await self._call("GET", f"chats/{chat_id}/messages", since=since, wait=wait)

    async def wait_for_bot_message(
        self, chat_id: int, since: int, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The first bot message sent or edited after revision ``since``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (remaining := deadline - loop.time()) > 0:
            answer = await self.messages(chat_id, since=since, wait=remaining)
            for message in answer["messages"]:
                if message["from_bot"]:
                    return dict(message)
            since = answer["revision"]
        raise TimeoutError(f"no bot message in chat {chat_id} within {timeout}s")

    async def callback_answers(self, user_id: int) -> list[dict[str, Any]]:
        """The user's button taps and the bot's answers."""
        answer = await self._call("GET", f"users/{user_id}/callback_answers")
        answers: list[dict[str, Any]] = answer["answers"]
        return answers

    async def stats(self) -> dict[str, Any]:
        """Counters (messages per chat, busiest second, 429s, 5xx...)."""
        answer = await self._call("GET", "stats")
        stats: dict[str, Any] = answer["stats"]
        return stats

    async def calls(self, method: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The latest recorded Bot API calls."""
        answer = await self._call("GET", "calls", method=method, limit=limit)
        calls: list[dict[str, Any]] = answer["calls"]
        return calls

    async def commands(self, language_code: str = "") -> list[dict[str, str]]:
        """Commands set for the default scope and ``language_code``."""
        answer = await self._call("GET", "commands", language_code=language_code)
        commands: list[dict[str, str]] = answer["commands"]
        return commands

    # -- steering -----------------------------------------------------------------------------------

    async def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule, e.g. ``add_fault(kind="status", status=502, count=3)``."""
        answer = await self._call("POST", "faults", rule)
        faults: dict[str, Any] = answer["faults"]
        return faults

    async def clear_faults(self) -> None:
        """Remove every fault rule."""
        await self._call("DELETE", "faults")

    async def set_rate_limits(
        self,
        global_per_second: float | None = 30.0,
        chat_burst: int | None = 3,
        chat_per_second: float | None = 1.0,
    ) -> dict[str, Any]:
        """Set flood control; None turns a limit off."""
        body = {
            "global_per_second": global_per_second,
            "chat_burst": chat_burst,
            "chat_per_second": chat_per_second,
        }
        return await self._call("POST", "rate_limits", body)

    async def redeliver(self, update_id: int) -> None:
        """Deliver an already-issued update again."""
        await self._call("POST", f"updates/{update_id}/redeliver")
