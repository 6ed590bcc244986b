"""A second process polling with the same token: the operator reads one sentence saying what to
do, not a traceback for every 409 Telegram answers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
import telegram
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import Conflict

from bot.app import build_application
from bot.polling import SECOND_POLLER, WEBHOOK_IS_SET, conflict_sentence
from bot.telegram_health import polling_error
from infra.outages import Outage
from infra.settings import Settings
from sandbox import TelegramStandIn

TOKEN = "7000000002:AAH-sandbox_token_for_polling_conflicts"


@pytest.fixture
async def standin() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(personas=[]) as running:
        yield running


async def test_a_second_poller_is_reported_in_one_sentence_without_tracebacks(
    standin: TelegramStandIn, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        telegram_bot_token=TOKEN, telegram_api_base_url=standin.base_url, _env_file=None,  # type: ignore[arg-type,call-arg]
    )
    app = build_application(settings, engine=engine, run_migrations=False, register_menu=False, start_background_work=False)
    caplog.set_level(logging.INFO)
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]

    # What `volunteer-bot run` (bot/startup.py) gives the updater.
    conflict = Outage("Telegram polling", logging.getLogger("bot.telegram"), down="refused", up="works again")
    conflicts: list[str] = []
    record = conflict.failed
    conflict.failed = lambda reason: conflicts.append(reason) or record(reason)  # type: ignore[method-assign]
    assert app.updater is not None
    await app.updater.start_polling(timeout=5, error_callback=polling_error(conflict))
    await app.start()
    other = telegram.Bot(TOKEN, base_url=standin.base_url)  # the forgotten second instance
    try:
        async with other:
            for _ in range(6):
                try:
                    await other.get_updates(timeout=0.3)
                except Conflict:
                    pass  # our bot's next poll ends this one: that is the other side's problem
                await asyncio.sleep(0.1)
        async with asyncio.timeout(10):
            while len(conflicts) < 2:
                await asyncio.sleep(0.05)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    told = [r for r in caplog.records if SECOND_POLLER in r.getMessage()]
    assert len(told) == 1 and told[0].levelno == logging.WARNING and told[0].exc_info is None
    assert "stop the other instance, or run every instance with `volunteer-bot run --webhook`" in SECOND_POLLER
    assert not [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], Conflict)]
    assert "error while handling an update" not in caplog.text


def test_a_webhook_set_by_other_instances_gets_its_own_sentence() -> None:
    refused = Conflict("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    assert conflict_sentence(refused) == WEBHOOK_IS_SET
    assert conflict_sentence(Conflict("Conflict: terminated by other getUpdates request")) == SECOND_POLLER
