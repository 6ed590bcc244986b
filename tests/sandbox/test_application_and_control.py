"""A real PTB Application polls the stand-in; users are driven in-process and over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox import SandboxClient, SandboxError, TelegramStandIn
from sandbox.__main__ import build_parser
from tests.sandbox.conftest import TOKEN

pytestmark = pytest.mark.asyncio

SARA = 1001


async def greet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: a welcome with one inline button."""
    join = InlineKeyboardMarkup([[InlineKeyboardButton("انضم", callback_data="join:v1")]])
    await update.effective_message.reply_text(
        f"<b>أهلاً</b> {context.args[0] if context.args else ''}".strip(),
        parse_mode="HTML",
        reply_markup=join,
    )


async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button: answer the query, then edit the message (dropping the keyboard)."""
    query = update.callback_query
    await query.answer("تم!")
    await query.edit_message_text("انضممت ✅")


async def count_texts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Counts text updates, to see redelivery reach the handler."""
    context.bot_data.setdefault("seen", []).append(update.update_id)


@pytest_asyncio.fixture
async def application(standin: TelegramStandIn) -> AsyncIterator[Application]:
    """A polling PTB application with three handlers."""
    app = Application.builder().token(TOKEN).base_url(standin.base_url).build()
    app.add_handler(CommandHandler("start", greet))
    app.add_handler(CallbackQueryHandler(join))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, count_texts))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_volunteer_starts_joins_and_sees_the_message_change(
    standin: TelegramStandIn, application: Application
) -> None:
    sara = standin.user(SARA, "سارة", "ar")
    sara.send_command("/start", "ref7")
    welcome = await sara.wait_for_reply()
    assert welcome.text == "أهلاً ref7" and welcome.button_labels == ["انضم"]
    sara.press_button("انضم")
    edited = await sara.wait_for_reply()
    assert (
        edited.message_id == welcome.message_id
        and edited.text == "انضممت ✅"
        and edited.buttons == []
    )
    (answer,) = sara.callback_answers()
    assert answer.answered_once and answer.text == "تم!"


async def test_a_redelivered_update_reaches_the_handler_again(
    standin: TelegramStandIn, application: Application
) -> None:
    sara = standin.user(SARA, "سارة", "ar")
    update_id = sara.send_text("hello")
    await _until(lambda: len(application.bot_data.get("seen", [])) == 1)
    standin.redeliver(update_id)
    await _until(lambda: application.bot_data["seen"] == [update_id, update_id])


async def _until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_control_api_drives_users_and_reads_the_chat(
    standin: TelegramStandIn, application: Application
) -> None:
    async with SandboxClient(standin.control_url) as client:
        await client.create_user(SARA, "سارة", "ar")
        await client.send_command(SARA, "/start")
        welcome = await client.wait_for_bot_message(SARA, since=0)
        assert welcome["text"] == "أهلاً" and welcome["buttons"][0][0]["text"] == "انضم"
        assert welcome["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
        chat = await client.messages(SARA)
        assert [m["from_bot"] for m in chat["messages"]] == [False, True]
        await client.press_button(SARA, "انضم")
        edited = await client.wait_for_bot_message(SARA, since=chat["revision"])
        assert edited["text"] == "انضممت ✅" and edited["edits"][0]["text"] == "أهلاً"
        answers = await client.callback_answers(SARA)
        assert answers[0]["answered_once"] is True
        with pytest.raises(SandboxError, match="visible buttons"):
            await client.press_button(SARA, "Nope")
        stats = await client.stats()
        assert stats["messages_sent"] == 1 and stats["calls_by_method"]["editMessageText"] == 1
        assert [call["method"] for call in await client.calls("answerCallbackQuery")] == [
            "answerCallbackQuery"
        ]


async def test_control_api_sets_faults_and_rate_limits(standin: TelegramStandIn) -> None:
    async with SandboxClient(standin.control_url) as client:
        faults = await client.add_fault(kind="status", status=502, count=2, method="sendMessage")
        assert faults["rules"][0]["status"] == 502
        await client.add_fault(kind="delay", seconds=0.2)
        await client.add_fault(kind="drop_after", ratio=0.5)
        assert len(standin.faults.rules) == 2 and standin.faults.delays
        await client.clear_faults()
        assert standin.faults.rules == [] and standin.faults.delays == []
        limits = await client.set_rate_limits(
            global_per_second=None, chat_burst=5, chat_per_second=2
        )
        assert (limits["global_per_second"], limits["chat_burst"]) == (None, 5)
        await client.block(SARA)
        assert standin.user(SARA).profile.blocked
        update_id = await client.send_location(SARA, 21.4225, 39.8262)
        await client.redeliver(update_id)
        assert standin.state.updates.pending_count == 3  # my_chat_member, location, its redelivery


async def test_command_line_turns_limits_off() -> None:
    args = build_parser().parse_args(
        ["--chat-rate", "off", "--global-rate", "50", "--web-port", "-1"]
    )
    assert (args.chat_rate, args.global_rate, args.web_port) == (None, 50.0, -1)
