"""The chat page in headless Chromium: pick a persona, talk to a scripted bot, tap, share."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

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

from sandbox import TelegramStandIn
from tests.sandbox.conftest import TOKEN

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path("/tmp/sandbox-chat-page.png")

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(
        not CHROMIUM.exists() and shutil.which("chromium") is None,
        reason="headless Chromium is not installed at /usr/bin/chromium",
    ),
]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets in the user's language, with a button."""
    user = update.effective_user
    if user.language_code == "ar":
        text, label = f"أهلاً <b>{user.first_name}</b>، هل تنضم إلى حملة التشجير؟", "انضم"
    else:
        text, label = f"Welcome <b>{user.first_name}</b>! Join the tree planting?", "Join"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data="join")]])
    await update.message.reply_text(text, parse_mode="HTML", reply_markup=markup)


async def joined(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the tap with a toast and edits the message in place."""
    await update.callback_query.answer("Done ✓")
    await update.callback_query.edit_message_text("You joined the tree planting 🌳")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echoes text, in the user's language."""
    prefix = "قلت" if update.effective_user.language_code == "ar" else "You said"
    await update.message.reply_text(f"{prefix}: {update.message.text}")


async def located(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledges a shared location."""
    place = update.message.location
    await update.message.reply_text(f"Checked in at {place.latitude:.4f}, {place.longitude:.4f}")


@pytest_asyncio.fixture
async def chat_page() -> AsyncIterator[tuple[TelegramStandIn, str]]:
    """Stand-in with the default personas, its page on a second port, and a polling bot."""
    standin = TelegramStandIn(global_per_second=None, chat_burst=None, chat_per_second=None)
    await standin.start(web_port=0)
    app = Application.builder().token(TOKEN).base_url(standin.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(joined))
    app.add_handler(MessageHandler(filters.LOCATION, located))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield standin, f"http://127.0.0.1:{standin.web_port}/"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await standin.stop()


async def test_a_volunteer_chats_with_the_bot_in_the_page(
    chat_page: tuple[TelegramStandIn, str],
) -> None:
    standin, url = chat_page
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium"),
            args=CHROMIUM_ARGS,
        )
        try:
            page = await browser.new_page(viewport={"width": 480, "height": 900})
            await page.goto(url)
            expect = playwright_api.expect

            # Omar, in English: /start, tap the inline button, see the edit and the toast.
            await page.get_by_role("button", name="Omar").click()
            await page.fill("#input", "/start")
            await page.press("#input", "Enter")
            welcome = page.locator(".msg.bot .text", has_text="Welcome Omar")
            await expect(welcome).to_be_visible()
            assert await welcome.evaluate("el => el.matches(':dir(ltr)')")
            assert await welcome.locator("b").inner_text() == "Omar"
            await page.locator(".inline-button", has_text="Join").click()
            await expect(
                page.locator(".msg.bot .text", has_text="You joined the tree planting")
            ).to_be_visible()
            await expect(page.locator("#toast")).to_have_text("Done ✓")
            await expect(page.locator(".inline-button")).to_have_count(0)
            assert standin.user(1002).callback_answers()[0].answered_once

            # Sara, in Arabic: her own chat, right-to-left bubbles.
            await page.get_by_role("button", name="سارة").click()
            await expect(page.locator(".msg")).to_have_count(0)
            await page.fill("#input", "/start")
            await page.press("#input", "Enter")
            await page.fill("#input", "مرحبا")
            await page.click("#send")
            reply = page.locator(".msg.bot .text", has_text="قلت: مرحبا")
            await expect(reply).to_be_visible()
            assert await reply.evaluate("el => el.matches(':dir(rtl)')")
            mine = page.locator(".msg.user .text", has_text="مرحبا")
            assert (
                await mine.evaluate("el => getComputedStyle(el.closest('.msg')).alignSelf")
                == "flex-end"
            )

            # Share a location from the paperclip sheet.
            await page.click("#attach")
            await page.locator(".location-option", has_text="At the site").click()
            await expect(
                page.locator(".msg.bot .text", has_text="Checked in at 21.4225, 39.8262")
            ).to_be_visible()
            await expect(page.locator(".msg.user .location")).to_have_count(1)
            await page.screenshot(path=str(SCREENSHOT))
        finally:
            await browser.close()
