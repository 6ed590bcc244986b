"""The outbox's bulk path against the local Telegram stand-in: answers become PTB's errors."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.bulk_transport import BulkTransport
from bot.sender import is_uncertain
from sandbox import TelegramStandIn
from tests.telegram_double import TOKEN


@pytest.fixture
async def standin():  # type: ignore[no-untyped-def]
    async with TelegramStandIn(personas=[], global_per_second=None, chat_burst=None, chat_per_second=None) as server:
        server.user(42, "سارة", "ar")
        yield server


@pytest.fixture
async def transport(standin):  # type: ignore[no-untyped-def]
    sender = BulkTransport(Bot(TOKEN, base_url=standin.base_url), None)
    yield sender
    await sender.close()


async def test_a_message_with_its_keyboard_arrives(standin, transport):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("إلغاء مقعدي", callback_data="cx:v1:7")]])
    message_id = await transport.send_message(42, "<b>تذكير</b>", markup)
    last = standin.user(42).last_message()
    assert (last.message_id, last.text, last.button_labels) == (message_id, "تذكير", ["إلغاء مقعدي"])


async def test_telegram_answers_become_the_errors_the_sender_knows(standin, transport):
    standin.faults.fail_next(1, status=429, retry_after=3, method="sendMessage")
    with pytest.raises(RetryAfter):
        await transport.send_message(42, "hi", None)

    standin.faults.fail_next(1, status=502, method="sendMessage")
    with pytest.raises(NetworkError) as server_error:
        await transport.send_message(42, "hi", None)
    assert not is_uncertain(server_error.value)  # Telegram said it did not do it

    standin.faults.drop_next(1, method="sendMessage", delivered=True)
    with pytest.raises(NetworkError) as dropped:
        await transport.send_message(42, "hi", None)
    assert is_uncertain(dropped.value)  # it may have arrived (here it did)

    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await transport.send_message(43, "hi", None)

    standin.user(42).block()
    with pytest.raises(Forbidden, match="blocked"):
        await transport.send_message(42, "hi", None)


async def test_a_photo_goes_with_its_caption(standin, transport):
    # A coordinator's photo is known to Telegram by its file_id: upload one to get it.
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x1f\x15\xc4\x89" + bytes(20)
    async with Bot(TOKEN, base_url=standin.base_url) as bot:
        uploaded = await bot.send_photo(42, png)
    message_id = await transport.send_message(42, "📢 <b>سترات جديدة</b>", None, photo=uploaded.photo[-1].file_id)
    last = standin.user(42).last_message()
    assert last.message_id == message_id and last.caption == "📢 سترات جديدة"
