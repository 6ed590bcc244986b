"""Tokens the stand-in turns away with 401, as Telegram does for unknown or revoked ones."""

from __future__ import annotations

import pytest
import telegram
from telegram.error import InvalidToken

from sandbox import TelegramStandIn
from tests.sandbox.conftest import TOKEN

pytestmark = pytest.mark.asyncio

OTHER = "7000000002:AAH-another_bot_token_for_tests_98765"


async def test_only_the_listed_tokens_are_accepted() -> None:
    async with TelegramStandIn(personas=[], tokens=[TOKEN]) as standin:
        async with telegram.Bot(TOKEN, base_url=standin.base_url) as bot:
            assert bot.bot.id == 7000000001
        with pytest.raises(InvalidToken):
            async with telegram.Bot(OTHER, base_url=standin.base_url):
                pass


async def test_a_rejected_token_gets_401_from_then_on(standin: TelegramStandIn, bot: telegram.Bot) -> None:
    assert (await bot.get_me()).username == "volunteer_test_bot"
    standin.reject_token(TOKEN)
    with pytest.raises(InvalidToken, match="Unauthorized"):
        await bot.get_me()
    assert standin.calls("getMe")[-1].status == 401
