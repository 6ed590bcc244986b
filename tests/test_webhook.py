"""Webhook mode: only Telegram (the secret) gets in, updates are answered at once and handled,
/healthz and /metrics tell an operator how the instance is doing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.webhook import SECRET_HEADER, webhook_app
from models.tables import ProcessedUpdate, Volunteer
from tests.harness import BotHarness

SECRET = "Zq8v-3nW_p0LkT7yXc2RbH9sJmA4eUdF1gNiQoV6"
PATH = "/telegram/updates"


@pytest.fixture
async def client(harness: BotHarness) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """The webhook server of the harness's real Application, started as `run --webhook` does."""
    await harness.app.start()
    server = TestServer(webhook_app(harness.app, path=PATH, secret=SECRET))
    async with TestClient(server) as running:
        yield running
    await harness.app.stop()


def start_update(update_id: int, user_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Sara", "language_code": "ar"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_796_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Sara"},
            "from": user,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def count(harness: BotHarness, table: type) -> int:
    async with harness.app.bot_data.services.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def replies(harness: BotHarness, chat_id: int, *, at_least: int = 1, timeout: float = 10.0) -> list[Any]:
    async with asyncio.timeout(timeout):
        while len(harness.telegram.to(chat_id)) < at_least:
            await asyncio.sleep(0.02)
    return harness.telegram.to(chat_id)


async def test_a_request_without_the_secret_or_with_a_wrong_one_is_refused_and_changes_nothing(
    harness: BotHarness, client: TestClient, caplog: pytest.LogCaptureFixture  # type: ignore[type-arg]
) -> None:
    caplog.set_level(logging.WARNING, logger="volunteer_bot")
    without = await client.post(PATH, json=start_update(1, 7001))
    wrong = await client.post(PATH, json=start_update(2, 7001), headers={SECRET_HEADER: SECRET[:-1] + "x"})
    again = await client.post(PATH, json=start_update(3, 7001), headers={SECRET_HEADER: "guess"})
    assert [without.status, wrong.status, again.status] == [403, 403, 403]
    await asyncio.sleep(0.3)  # what a wrongly accepted update would have needed to be handled
    assert harness.telegram.to(7001) == []
    assert await count(harness, ProcessedUpdate) == 0 and await count(harness, Volunteer) == 0
    refusals = [r for r in caplog.records if "refused a request" in r.getMessage()]
    assert len(refusals) == 1  # once per source, however often it knocks
    assert SECRET not in caplog.text and "guess" not in caplog.text
    metrics = (await (await client.get("/metrics")).text())
    assert "volunteer_bot_webhook_refused_total 3.0" in metrics


async def test_an_update_with_the_right_secret_is_answered_at_once_and_handled(
    harness: BotHarness, client: TestClient  # type: ignore[type-arg]
) -> None:
    harness.telegram.hold = asyncio.Event()  # the bot's reply is stuck on the network...
    answer = await client.post(PATH, json=start_update(10, 7002), headers={SECRET_HEADER: SECRET})
    assert answer.status == 200  # ...and Telegram has its answer anyway
    harness.telegram.hold.set()
    [welcome] = await replies(harness, 7002)
    assert "العربية" in welcome.labels() and "English" in welcome.labels()  # the language picker
    async with harness.app.bot_data.services.sessions() as session:
        claimed = (await session.execute(select(ProcessedUpdate.update_id))).scalars().all()
    assert claimed == [10]


async def test_a_body_that_is_not_an_update_is_refused_even_with_the_secret(
    harness: BotHarness, client: TestClient  # type: ignore[type-arg]
) -> None:
    bad = await client.post(PATH, data=b"{not json", headers={SECRET_HEADER: SECRET})
    not_update = await client.post(PATH, json={"hello": 1}, headers={SECRET_HEADER: SECRET})
    assert [bad.status, not_update.status] == [400, 400]


async def test_healthz_reports_the_database_and_the_sender(harness: BotHarness, client: TestClient) -> None:  # type: ignore[type-arg]
    stopped = await client.get("/healthz")
    report = await stopped.json()
    assert stopped.status == 503  # the sender is not running (tests start it by hand)
    assert report["status"] == "unavailable" and report["database"]["ok"] is True
    assert report["sender"] == {"alive": False, "outbox": {"due": 0, "waiting": 0, "sending": 0}}
    harness.app.bot_data.sender.start()
    try:
        running = await client.get("/healthz")
        report = await running.json()
        assert running.status == 200 and report["status"] == "ok"
        assert report["sender"]["alive"] is True and isinstance(report["sweeps_leader"], bool)
    finally:
        await harness.app.bot_data.sender.stop()


async def test_healthz_is_503_when_the_database_is_gone(harness: BotHarness, client: TestClient) -> None:  # type: ignore[type-arg]
    services = harness.app.bot_data.services

    def broken() -> Any:
        raise ConnectionRefusedError("database down")

    services.sessions = broken  # type: ignore[assignment]
    answer = await client.get("/healthz")
    assert answer.status == 503
    assert (await answer.json())["database"] == {"ok": False, "error": "ConnectionRefusedError"}


async def test_metrics_count_updates_latency_outbox_depth_and_flood_waits(
    harness: BotHarness, client: TestClient  # type: ignore[type-arg]
) -> None:
    await client.post(PATH, json=start_update(20, 7003), headers={SECRET_HEADER: SECRET})
    await replies(harness, 7003)
    await asyncio.sleep(0.05)  # the processor records the latency once the handler returned
    answer = await client.get("/metrics")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/plain; version=")
    text = await answer.text()
    assert 'volunteer_bot_updates_handled_total{type="message"} 1.0' in text
    assert 'volunteer_bot_update_seconds_count{type="message"} 1.0' in text
    assert 'volunteer_bot_update_seconds_bucket{le="0.5",type="message"}' in text
    assert 'volunteer_bot_outbox_messages{status="due"} 0.0' in text
    for name in (
        "volunteer_bot_flood_waits_total", "volunteer_bot_outbox_send_rate", "volunteer_bot_sweep_leader",
        "# TYPE volunteer_bot_errors_total counter", "# TYPE volunteer_bot_outbox_deliveries_total counter",
    ):
        assert name in text
