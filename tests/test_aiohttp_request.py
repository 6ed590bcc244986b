"""The bot's Bot API calls over aiohttp: what reaches the server, and PTB's errors for failures."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.aiohttp_request import AiohttpRequest
from bot.ratelimit import certainly_undelivered


@pytest.fixture
async def api() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A tiny Bot API: records each call's form fields and files, answers like Telegram."""
    seen: list[dict[str, Any]] = []

    async def call(request: web.Request) -> web.Response:
        form = await request.post()
        fields = {k: (v.filename, v.file.read()) if isinstance(v, web.FileField) else v for k, v in form.items()}
        seen.append({"method": request.match_info["method"], **fields})
        if request.match_info["method"] == "slow":
            await asyncio.sleep(2)
        if "chat_id" not in fields:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, status=400)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot/{method}", call)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/bot", seen
    await runner.cleanup()


def params(**values: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(name, value) for name, value in values.items()])


async def test_form_fields_and_files_reach_the_api(api) -> None:  # type: ignore[no-untyped-def]
    url, seen = api
    async with AiohttpRequest() as request:
        assert await request.post(f"{url}/sendMessage", params(chat_id=5, text="سلام")) is True
        document = InputFile(b"a,b\n1,2\n", filename="hours.csv")
        assert await request.post(f"{url}/sendDocument", params(chat_id=5, document=document)) is True
    assert seen[0] == {"method": "sendMessage", "chat_id": "5", "text": "سلام"}
    assert seen[1]["chat_id"] == "5"
    assert seen[1][document.attach_name or "document"] == ("hours.csv", b"a,b\n1,2\n")


async def test_telegram_refusals_and_network_failures_are_ptb_errors(api) -> None:  # type: ignore[no-untyped-def]
    url, _ = api
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with AiohttpRequest(read_timeout=0.2) as request:
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await request.post(f"{url}/sendMessage", params(text="hi"))
        with pytest.raises(TimedOut):
            await request.post(f"{url}/slow", params(chat_id=5))
        with pytest.raises(NetworkError) as refused:
            await request.post(f"http://127.0.0.1:{closed_port}/bot/sendMessage", params(chat_id=5))
    # A connection that was never opened: the reply can safely be sent again.
    assert certainly_undelivered(refused.value)
