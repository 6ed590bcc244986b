"""The stand-in speaks the Bot API well enough for a real PTB client, errors included."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp
import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter

from sandbox import SandboxUsageError, TelegramStandIn
from tests.sandbox.conftest import BOT_ID, TOKEN

pytestmark = [
    pytest.mark.asyncio,
    # PTB 22 warns that RetryAfter.retry_after will become a timedelta; ``seconds`` takes both.
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

USER = 5_000_000_001  # above 32 bits, as real Telegram ids can be


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"cb:{label}")] for label in labels]
    )


def seconds(retry_after: int | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


async def test_get_me_reports_the_bot_behind_the_token(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (BOT_ID, True, "volunteer_test_bot")


async def test_a_malformed_token_is_unauthorized(standin: TelegramStandIn) -> None:
    with pytest.raises(InvalidToken):
        async with telegram.Bot("123:short", base_url=standin.base_url):
            pass


async def test_user_reads_what_the_bot_sent_with_formatting_and_buttons(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    sara = standin.user(USER, "سارة", "ar")
    sent = await bot.send_message(
        USER, "<b>أهلاً</b> بك", parse_mode="HTML", reply_markup=keyboard("نعم", "لا")
    )
    assert sent.text == "أهلاً بك" and sent.entities[0].type == "bold"
    message = sara.last_message()
    assert message is not None
    assert (message.message_id, message.text) == (sent.message_id, "أهلاً بك")
    assert message.buttons == [("نعم", "cb:نعم"), ("لا", "cb:لا")]


async def test_sending_to_an_unknown_chat_fails(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hello")


async def test_long_poll_returns_as_soon_as_the_user_writes(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    omar = standin.user(USER, "Omar")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    omar.send_command("/start", "ref42")
    updates = await poll
    assert time.monotonic() - started < 1.0
    message = updates[0].message
    assert message is not None and message.text == "/start ref42"
    assert message.entities[0].type == "bot_command" and message.from_user.id == USER


async def test_an_update_comes_back_until_a_higher_offset_confirms_it(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    update_id = standin.user(USER, "Omar").send_text("hi")
    first = await bot.get_updates(timeout=0)
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [u.update_id for u in again] == [update_id]
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()


async def test_redeliver_hands_out_a_confirmed_update_once_more(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    user = standin.user(USER, "Omar")
    first_id = user.send_text("one")
    second_id = user.send_text("two")
    await bot.get_updates(offset=second_id + 1, timeout=0)  # confirms both
    standin.redeliver(first_id)
    redelivered = await bot.get_updates(offset=second_id + 1, timeout=0)
    assert [u.update_id for u in redelivered] == [first_id]
    assert await bot.get_updates(offset=first_id + 1, timeout=0) == ()


async def test_every_update_twice_when_asked(bot: telegram.Bot) -> None:
    async with TelegramStandIn(personas=[], duplicate_updates=True) as twice:
        client = telegram.Bot(TOKEN, base_url=twice.base_url)
        update_id = twice.user(USER, "Omar").send_text("hi")
        updates = await client.get_updates(timeout=0)
        assert [u.update_id for u in updates] == [update_id, update_id]
        await client.shutdown()


async def test_answering_a_callback_query_twice_is_refused(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    user = standin.user(USER, "Omar")
    await bot.send_message(USER, "Join?", reply_markup=keyboard("Join", "Later"))
    user.press_button("Join")
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.data == "cb:Join" and query.message.text == "Join?"
    assert await bot.answer_callback_query(query.id, text="Joined")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    (record,) = user.callback_answers()
    assert (record.answers, record.text, record.answered_once) == (2, "Joined", False)


async def test_an_unknown_callback_query_id_is_refused(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="query id is invalid"):
        await bot.answer_callback_query("123")


async def test_pressing_a_missing_button_lists_the_visible_ones(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    user = standin.user(USER, "Omar")
    await bot.send_message(USER, "Pick", reply_markup=keyboard("Morning shift", "Evening shift"))
    with pytest.raises(SandboxUsageError, match="Morning shift"):
        user.press_button("Night")
    with pytest.raises(SandboxUsageError, match="several"):
        user.press_button("shift")
    user.press_button("evening")  # a unique substring, any case
    (update,) = await bot.get_updates(timeout=0)
    assert update.callback_query.data == "cb:Evening shift"


async def test_text_limit_counts_utf16_units(standin: TelegramStandIn, bot: telegram.Bot) -> None:
    standin.user(USER, "Omar")
    await bot.send_message(USER, "a" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "😀" * 2049)  # 2049 characters, 4098 UTF-16 units
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "   ")


async def test_callback_data_over_64_bytes_is_refused(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    standin.user(USER, "Omar")
    too_long = InlineKeyboardMarkup(
        [[InlineKeyboardButton("x", callback_data="ش" * 33)]]
    )  # 66 bytes
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "Pick", reply_markup=too_long)


async def test_unsupported_html_tag_is_refused(standin: TelegramStandIn, bot: telegram.Bot) -> None:
    standin.user(USER, "Omar")
    with pytest.raises(BadRequest, match="(?i)unsupported start tag"):
        await bot.send_message(USER, "line<br>break", parse_mode="HTML")


async def test_a_user_who_blocked_the_bot_cannot_be_messaged(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    user = standin.user(USER, "Omar")
    user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "still there?")
    (update,) = await bot.get_updates(timeout=0)
    assert update.my_chat_member.new_chat_member.status == "kicked"
    user.unblock()
    await bot.send_message(USER, "welcome back")


async def test_per_chat_flood_control_allows_a_burst_then_asks_to_retry(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    standin.user(USER, "Omar")
    for number in range(3):
        await bot.send_message(USER, f"burst {number}")
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(USER, "one too many")
    assert seconds(refused.value.retry_after) >= 1
    assert standin.stats.too_many_requests == 1
    assert standin.stats.busiest_window(USER) == 3


async def test_global_flood_control_counts_all_chats(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    standin.set_rate_limits(global_per_second=5, chat_burst=None, chat_per_second=None)
    for user_id in range(1, 6):
        standin.user(user_id, f"U{user_id}")
        await bot.send_message(user_id, "news")
    standin.user(6, "U6")
    with pytest.raises(RetryAfter):
        await bot.send_message(6, "news")
    standin.disable_rate_limits()
    await bot.send_message(6, "news")


async def test_injected_faults(standin: TelegramStandIn, bot: telegram.Bot) -> None:
    standin.user(USER, "Omar")
    standin.faults.fail_next(2, status=502, method="sendMessage")
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(USER, "hello")
    await bot.send_message(USER, "hello")
    standin.faults.fail_next(status=429, retry_after=7)
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(USER, "hello")
    assert seconds(refused.value.retry_after) == 7
    assert standin.stats.server_errors == 2 and len(standin.user(USER).messages()) == 1


async def test_dropped_connection_may_still_have_delivered(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    user = standin.user(USER, "Omar")
    standin.faults.drop_next(method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "lost")
    standin.faults.drop_next(method="sendMessage", delivered=True)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "delivered anyway")
    assert [m.text for m in user.messages()] == ["delivered anyway"]
    assert standin.stats.dropped_connections == 2


async def test_slow_answers(standin: TelegramStandIn, bot: telegram.Bot) -> None:
    standin.faults.slow(0.3, method="getMe")
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.3


async def test_edits_follow_telegrams_rules(standin: TelegramStandIn, bot: telegram.Bot) -> None:
    user = standin.user(USER, "Omar")
    sent = await bot.send_message(USER, "Shift at 9", reply_markup=keyboard("Join"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Shift at 9", USER, sent.message_id, reply_markup=keyboard("Join")
        )
    await bot.edit_message_text("Shift at 9", USER, sent.message_id)  # no markup: keyboard goes
    message = user.last_message()
    assert (
        message is not None
        and message.buttons == []
        and message.edits[0].buttons == [("Join", "cb:Join")]
    )
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    user_message_id = standin.state.chats[USER][-1].message_id + 1
    user.send_text("mine")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", USER, user_message_id)
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("Leave"))
    assert user.last_message().button_labels == ["Leave"]
    assert await bot.delete_message(USER, sent.message_id)
    assert user.messages() == [] and user.messages(include_deleted=True)[0].deleted


async def test_wait_for_reply_reads_messages_in_order(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    user = standin.user(USER, "Omar")
    user.send_text("hi")

    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(USER, "first")
        await bot.send_message(USER, "second")

    replying = asyncio.create_task(reply_later())
    assert (await user.wait_for_reply()).text == "first"
    assert (await user.wait_for_reply()).text == "second"
    await replying
    with pytest.raises(TimeoutError):
        await user.wait_for_reply(timeout=0.1)


async def test_reply_keyboard_buttons_send_text_contact_and_location(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    user = standin.user(USER, "Omar", phone="+966500000001")
    buttons = [
        [KeyboardButton("📱 Share phone", request_contact=True)],
        [KeyboardButton("📍 I'm here", request_location=True), KeyboardButton("Help")],
    ]
    await bot.send_message(USER, "Menu", reply_markup=ReplyKeyboardMarkup(buttons))
    assert user.reply_keyboard() == ["📱 Share phone", "📍 I'm here", "Help"]
    user.press_reply_button("Share phone")
    user.press_reply_button("I'm here", latitude=21.4225, longitude=39.8262)
    user.press_reply_button("Help")
    contact, place, text = (u.message for u in await bot.get_updates(timeout=0))
    assert (contact.contact.phone_number, contact.contact.user_id) == ("+966500000001", USER)
    assert (place.location.latitude, place.location.longitude) == (21.4225, 39.8262)
    assert text.text == "Help"
    await bot.send_message(USER, "Done", reply_markup=ReplyKeyboardRemove())
    assert user.reply_keyboard() == []


async def test_files_are_kept_for_the_user(standin: TelegramStandIn, bot: telegram.Bot) -> None:
    standin.disable_rate_limits()
    user = standin.user(USER, "Omar")
    png = (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + (64).to_bytes(4, "big")
        + (32).to_bytes(4, "big")
    )
    photo_message = await bot.send_photo(USER, png, caption="QR")
    await bot.send_document(USER, b"name,hours\n", filename="hours.csv", caption="Report")
    await bot.send_location(USER, 21.4, 39.8)
    photo, document, place = user.messages()
    assert photo.photo_bytes == png and photo.caption == "QR"
    assert photo_message.photo[-1].width == 64
    assert (document.document_bytes, document.document.file_name) == (b"name,hours\n", "hours.csv")
    assert place.location == (21.4, 39.8)
    again = await bot.send_photo(USER, photo_message.photo[-1].file_id)
    assert user.last_message().photo_bytes == png and again.photo
    downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"name,hours\n"


async def test_webhook_and_get_updates_exclude_each_other(bot: telegram.Bot) -> None:
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_commands_are_kept_per_scope_and_language(
    standin: TelegramStandIn, bot: telegram.Bot
) -> None:
    await bot.set_my_commands([("start", "ابدأ")], language_code="ar")
    await bot.set_my_commands([("start", "Start"), ("help", "Help")])
    await bot.set_my_commands([("broadcast", "Send")], scope=telegram.BotCommandScopeChat(9001))
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert standin.commands(language_code="ar") == [{"command": "start", "description": "ابدأ"}]
    assert standin.commands({"type": "chat", "chat_id": 9001})[0]["command"] == "broadcast"
    await bot.delete_my_commands(language_code="ar")
    assert await bot.get_my_commands(language_code="ar") == ()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([("Bad-Name", "x")])


async def test_get_chat_and_chat_action(standin: TelegramStandIn, bot: telegram.Bot) -> None:
    standin.user(USER, "Omar", username="omar_v")
    chat = await bot.get_chat(USER)
    assert (chat.id, chat.type, chat.username) == (USER, "private", "omar_v")
    assert await bot.send_chat_action(USER, "typing")


async def test_raw_http_json_bodies_and_unknown_methods(standin: TelegramStandIn) -> None:
    standin.user(USER, "Omar")
    url = f"{standin.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as session:
        body = {
            "chat_id": USER,
            "text": "json",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        }
        async with session.post(f"{url}/sendMessage", json=body) as response:
            assert (await response.json())["result"]["reply_markup"]["inline_keyboard"][0][0][
                "text"
            ] == "A"
        async with session.get(f"{url}/getMe") as response:
            assert (await response.json())["ok"] is True
        async with session.post(f"{url}/sendUnicorn") as response:
            assert response.status == 404 and (await response.json())["description"] == "Not Found"
    calls = standin.calls("sendMessage")
    assert calls[0].params["chat_id"] == USER and calls[0].status == 200
