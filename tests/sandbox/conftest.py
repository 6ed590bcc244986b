"""Fixtures: a running stand-in and a real PTB ``Bot`` pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
import telegram

from sandbox import TelegramStandIn

BOT_ID = 7000000001
TOKEN = f"{BOT_ID}:AAH-sandbox_token_for_tests_0123456789"


@pytest_asyncio.fixture
async def standin() -> AsyncIterator[TelegramStandIn]:
    """A stand-in with no preset personas, on a free port."""
    async with TelegramStandIn(personas=[], bot_username="volunteer_test_bot") as running:
        yield running


@pytest_asyncio.fixture
async def bot(standin: TelegramStandIn) -> AsyncIterator[telegram.Bot]:
    """A real python-telegram-bot client talking HTTP to the stand-in."""
    client = telegram.Bot(TOKEN, base_url=standin.base_url, base_file_url=standin.base_file_url)
    async with client:
        yield client
