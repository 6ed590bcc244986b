"""The real `volunteer-bot run` process, talking HTTP to the stand-in, as volunteers see it."""

from __future__ import annotations

import pytest

from sandbox import TelegramStandIn

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_explore(standin: TelegramStandIn, bot_log, seeded_database) -> None:
    user = standin.user(7001, first_name="Omar", language_code="en")
    async def show(label):
        try:
            while True:
                m = await user.wait_for_reply(timeout=3)
                print(label, "->", repr(m.text), m.button_labels, user.reply_keyboard())
        except TimeoutError:
            pass
    user.send_command("/start"); await show("/start")
    user.press_button("English"); await show("English")
    user.send_text("Omar"); await show("name")
    user.send_text("Skip"); await show("skip")
    user.press_button("Al-Awali"); await show("center")
    user.press_button("Male"); await show("gender")
    user.send_command("/opportunities"); await show("opps")
    user.press_button("E2E tree"); await show("detail")
    user.press_button("Sign up for shift 1"); await show("signup")
    user.send_location(21.4225, 39.8262); await show("loc")
    user.send_command("/checkout"); await show("checkout")
    user.send_command("/hours"); await show("hours")
    assert False
