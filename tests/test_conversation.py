"""Help, language, unknown input, forged buttons and redelivered updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from handlers import callback_data as cd
from models.tables import Attendance, Shift, Signup
from tests.factories import SITE, make_center, make_opportunity
from tests.journey import check_out, register


@pytest.fixture
async def center(session_factory):
    return await make_center(session_factory)


@pytest.mark.parametrize(("language", "heading", "line"), [
    ("ar", "<b>إليك ما يمكنني فعله من أجلك:</b>", "/hours — ساعاتي التطوعية"),
    ("en", "<b>Here is what I can do for you:</b>", "/hours — My volunteer hours"),
])
async def test_help_lists_the_commands_in_the_users_language(harness, center, language, heading, line):
    sara = harness.person(501)
    await register(sara, language)
    [help_message] = await sara.send("/help")
    assert help_message.text.startswith(heading) and line in help_message.text


async def test_switching_language_changes_every_later_message(harness, center):
    sara = harness.person(502)
    await register(sara, "ar")
    [prompt] = await sara.send("🌐 اللغة")
    assert prompt.text == "اختر لغتك:"
    replies = await sara.press("English")
    assert replies[-1].text == "Done. I will speak to you in this language from now on."
    assert "🔎 Opportunities" in [b["text"] for b in replies[-1].reply_keyboard()]
    [hours] = await sara.send("/hours")
    assert hours.text.startswith("<b>⏱ Your volunteer hours</b>")


async def test_an_old_arabic_menu_button_still_works_after_switching_to_english(harness, center):
    sara = harness.person(503)
    await register(sara, "ar")
    await sara.send("/language")
    await sara.press("English")
    [hours] = await sara.send("⏱ ساعاتي")
    assert hours.text.startswith("<b>⏱ Your volunteer hours</b>")


@pytest.mark.parametrize(("language", "expected"), [
    ("ar", "عذرًا، لم أفهم ذلك."),
    ("en", "Sorry, I did not understand that."),
])
async def test_unknown_text_gets_a_helpful_reply(harness, center, language, expected):
    sara = harness.person(504)
    await register(sara, language)
    [answer] = await sara.send("؟؟ what is this ؟؟")
    assert answer.text.startswith(expected)


async def test_unknown_command_and_sticker_are_explained(harness, center):
    sara = harness.person(505)
    await register(sara, "en")
    [unknown] = await sara.send("/dance")
    assert unknown.text == "I do not know that command. Send /help to see what I can do."
    [sticker] = await sara.send_sticker()
    assert sticker.text.startswith("I can only read text, buttons")


@pytest.mark.parametrize("payload", ["su:v1:abc", "su:v2:1", "op:v1:1", "zz:v1:1", "br:v1:0:0:weapons", "su:v1:999999", "su:v1:-4"])
async def test_forged_or_stale_buttons_are_answered_and_change_nothing(harness, session_factory, center, payload):
    await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)])
    sara = harness.person(506)
    await register(sara, "en")
    answers_before = len(harness.telegram.callback_answers)
    replies = await sara.press_data(payload)
    assert len(harness.telegram.callback_answers) == answers_before + 1
    answer = harness.telegram.callback_answers[-1]
    if replies:  # a well-formed payload for a missing shift gets a message instead of an alert
        assert replies[-1].text == "This shift is no longer available."
    else:
        assert answer["text"] == "This button is no longer valid. Please open the menu again."
    async with session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(Signup))).scalar_one() == 0


async def test_every_button_press_is_answered_exactly_once(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)])
    sara = harness.person(507)
    await register(sara, "en")
    await sara.send("/opportunities")
    await sara.press("Serving the pilgrims")
    await sara.press("« Back to the list")
    await sara.press("Serving the pilgrims")
    await sara.press("✋ Sign up for shift 1")
    await sara.press("Cancel my seat")
    await sara.press("Yes, cancel")
    pressed = [c for c in harness.telegram.calls if c[0] == "answerCallbackQuery"]
    assert len(pressed) == len(harness.telegram.answered_queries) == 9  # 3 in onboarding + 6 here


async def test_a_redelivered_sign_up_has_one_effect(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)], capacity=3)
    sara = harness.person(508)
    await register(sara, "en")
    await sara.press_data(cd.SignUp(shift.id).data)
    replies = await harness.redeliver_last(sara)
    assert replies == []  # no second reply, no second answer
    async with session_factory() as session:
        assert (await session.get(Shift, shift.id)).seats_taken == 1


async def test_a_redelivered_check_in_and_check_out_have_one_effect(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(minutes=10)], hours=2)
    sara = harness.person(509)
    await register(sara, "en")
    await sara.press_data(cd.SignUp(shift.id).data)
    await sara.share_location(*SITE)
    assert await harness.redeliver_last(sara) == []
    harness.advance(hours=1)
    await check_out(sara)
    harness.advance(hours=1)
    assert await harness.redeliver_last(sara) == []
    async with session_factory() as session:
        [attendance] = (await session.execute(select(Attendance))).scalars().all()
    assert attendance.credited_minutes == 60


async def test_a_redelivered_read_only_command_is_answered_once(harness, center):
    sara = harness.person(510)
    await register(sara, "en")
    [hours] = await sara.send("/hours")
    assert hours.text.startswith("<b>⏱ Your volunteer hours</b>")
    assert await harness.redeliver_last(sara) == []
    await sara.send("/opportunities")
    assert await harness.redeliver_last(sara) == []
