"""`volunteer-bot demo` in headless Chromium: Sara onboards in Arabic, browses and signs up."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

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
SCREENSHOTS = Path("/tmp")
STARTUP_TIMEOUT = 40.0

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(
        not CHROMIUM.exists() and shutil.which("chromium") is None,
        reason="headless Chromium is not installed at /usr/bin/chromium",
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def demo_url(tmp_path: Path) -> Iterator[str]:
    """`volunteer-bot demo` on free ports with a fresh database; its page URL."""
    port, api_port = _free_port(), _free_port()
    log_path = tmp_path / "demo.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "DATABASE_URL"):
        env.pop(name, None)
    command = [sys.executable, "-m", "bot.cli", "demo", "--port", str(port), "--api-port", str(api_port),
               "--database", str(tmp_path / "demo.sqlite3")]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "Volunteer bot demo: open" not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the demo did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        urllib.request.urlopen(url, timeout=5).close()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def test_sara_onboards_browses_and_signs_up_in_arabic_in_the_page(demo_url: str) -> None:
    expect = playwright_api.expect
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium"),
            args=CHROMIUM_ARGS,
        )
        try:
            page = await browser.new_page(viewport={"width": 420, "height": 860})
            page.set_default_timeout(10_000)
            await page.goto(demo_url)
            await page.get_by_role("button", name="سارة").click()
            await page.fill("#input", "/start")
            await page.press("#input", "Enter")
            await page.wait_for_timeout(1500)
            await page.screenshot(path=str(SCREENSHOTS / "demo-page-start.png"))
            await page.locator(".inline-button", has_text="العربية").click()
            await expect(page.locator(".msg.bot .text", has_text="اسم")).to_have_count(1)
            await page.fill("#input", "سارة")
            await page.press("#input", "Enter")
            await page.wait_for_timeout(1500)
            await page.screenshot(path=str(SCREENSHOTS / "demo-page-name.png"))
            await page.fill("#input", "١٩٩٨")  # the year of birth, in Arabic-Indic digits
            await page.press("#input", "Enter")
            await page.wait_for_timeout(1000)
            await page.locator(".reply-button", has_text="تخط").click()
            await page.locator(".inline-button", has_text="مركز حي العوالي").click()
            await page.locator(".inline-button", has_text="امرأة").click()
            welcome = page.locator(".msg.bot .text", has_text="سارة").last
            await expect(welcome).to_be_visible()
            assert await welcome.evaluate("el => el.matches(':dir(rtl)')")
            await page.screenshot(path=str(SCREENSHOTS / "demo-page-onboarded.png"))

            await page.locator(".reply-button", has_text="🔎").click()
            first_opportunity = page.locator(".msg.bot").last.locator(".inline-button").first
            await first_opportunity.click()
            sign_up = page.locator(".inline-button", has_text="التسجيل في الوردية 1").last
            await sign_up.click()
            # The newest opportunity needs first aid: the refusal offers the course's next session.
            await expect(page.locator(".msg.bot .text", has_text="الإسعافات الأولية").last).to_be_visible()
            await page.locator(".inline-button", has_text="سجّلني في الدورة").last.click()
            await page.wait_for_timeout(1500)
            await page.screenshot(path=str(SCREENSHOTS / "demo-page-course.png"))
            confirmation = page.locator(".msg.bot .text", has_text="✅").last
            await expect(confirmation).to_be_visible()
            assert await confirmation.evaluate("el => el.matches(':dir(rtl)')")
            await page.screenshot(path=str(SCREENSHOTS / "demo-page-signed-up.png"))
        finally:
            await browser.close()
