"""The stand-in POSTs updates to a webhook as Telegram does; the round-robin balancer spreads them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
import telegram
from aiohttp import web
from telegram.error import BadRequest

from sandbox import RoundRobinBalancer, TelegramStandIn

SECRET = "sandbox_webhook_secret-0123456789abcdef"


@dataclass
class Receiver:
    """A bot's webhook endpoint: records what arrives, answers `status` (or holds until released)."""

    status: int = 200
    received: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    release: asyncio.Event | None = None
    url: str = ""
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        if self.release is not None:
            await self.release.wait()
        return web.Response(status=self.status)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[-1][1]}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def texts(self) -> list[str]:
        return [body["message"]["text"] for _, body in self.received]


@pytest_asyncio.fixture
async def receivers() -> AsyncIterator[list[Receiver]]:
    started = [Receiver(), Receiver()]
    for receiver in started:
        await receiver.start()
    yield started
    for receiver in started:
        await receiver.stop()


async def until(condition: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_updates_are_posted_with_the_secret_and_confirmed_by_a_2xx(
    standin: TelegramStandIn, bot: telegram.Bot, receivers: list[Receiver]
) -> None:
    hook = receivers[0]
    await bot.set_webhook(hook.url + "/hook", secret_token=SECRET, allowed_updates=["message"])
    standin.user(501, "Sara", "ar").send_text("hello")
    await until(lambda: hook.received)
    [(secret, body)] = hook.received
    assert secret == SECRET and body["message"]["text"] == "hello"
    await until(lambda: standin.state.updates.pending_count == 0)


async def test_a_failed_delivery_is_retried_and_reported_in_the_webhook_info(
    standin: TelegramStandIn, bot: telegram.Bot, receivers: list[Receiver]
) -> None:
    hook = receivers[0]
    hook.status = 500
    await bot.set_webhook(hook.url + "/hook", secret_token=SECRET)
    standin.user(502, "Omar", "en").send_text("again?")
    await until(lambda: len(hook.received) >= 2)  # sent again after the 500
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1 and "500" in (info.last_error_message or "")
    hook.status = 200
    await until(lambda: standin.state.updates.pending_count == 0)


async def test_updates_of_one_chat_go_one_after_the_other(
    standin: TelegramStandIn, bot: telegram.Bot, receivers: list[Receiver]
) -> None:
    hook = receivers[0]
    hook.release = asyncio.Event()
    await bot.set_webhook(hook.url + "/hook")
    sara, omar = standin.user(503, "Sara", "ar"), standin.user(504, "Omar", "en")
    sara.send_text("first")
    sara.send_text("second")
    omar.send_text("other chat")
    await until(lambda: len(hook.received) == 2)
    await asyncio.sleep(0.2)
    assert sorted(hook.texts()) == ["first", "other chat"]  # Sara's second waits for her first
    hook.release.set()
    await until(lambda: len(hook.received) == 3)
    assert hook.texts()[-1] == "second"


async def test_http_webhooks_are_accepted_only_on_this_machine(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)https url must be provided"):
        await bot.set_webhook("http://bot.example.org/hook")


async def test_the_balancer_alternates_and_skips_a_backend_that_is_gone(
    standin: TelegramStandIn, bot: telegram.Bot, receivers: list[Receiver]
) -> None:
    async with RoundRobinBalancer([r.url for r in receivers]) as balancer:
        await bot.set_webhook(balancer.url + "/hook", secret_token=SECRET)
        for n in range(4):
            standin.user(600 + n, f"V{n}", "en").send_text(f"n{n}")
        await until(lambda: sum(len(r.received) for r in receivers) == 4)
        assert [len(r.received) for r in receivers] == [2, 2]
        assert {secret for r in receivers for secret, _ in r.received} == {SECRET}
        await receivers[1].stop()  # an instance dies
        for n in range(4):
            standin.user(700 + n, f"W{n}", "en").send_text(f"m{n}")
        await until(lambda: len(receivers[0].received) == 6)
        await until(lambda: standin.state.updates.pending_count == 0)
        assert balancer.unreachable[receivers[1].url] >= 1
