"""Telegram's expected refusals and odd presses, found by the hostile run (issue 15): each is
handled where it arises, answers the volunteer, and logs at most one INFO line."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram import CallbackQuery, Chat, InaccessibleMessage, Update, User

from models.tables import Signup, SignupStatus, Volunteer
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import make_person
from tests.factories import make_center, make_opportunity
from tests.harness import Person
from tests.journey import register


@pytest.fixture
async def center(session_factory):
    return await make_center(session_factory)


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


async def press_inaccessible(person: Person, data: str, message_id: int) -> None:
    """A press as Telegram sends it for a message the bot can no longer see: the message's date is 0."""
    query = {
        "id": str(next(person.harness.query_ids)), "from": person._user(), "chat_instance": "c", "data": data,
        "message": {"message_id": message_id, "date": 0, "chat": {"id": person.user_id, "type": "private"}},
    }
    await person.harness.deliver(person, {"callback_query": query})


async def test_a_language_button_on_a_deleted_message_gets_a_fresh_message(harness, center, logged):
    sara = harness.person(601, language_code="en")
    [prompt] = await sara.send("/start")
    prompt.deleted = True  # the volunteer deleted it (or it is too old): editing it would fail
    await press_inaccessible(sara, "lang:v1:en", prompt.message_id)
    assert [m.text for m in sara.messages()] == ["Language set: English", "What name should we call you? Please type your name."]
    assert harness.telegram.answer_attempts == {"1000": 1}
    assert errors(logged) == []


@pytest.mark.filterwarnings("ignore:`update.callback_query` is not `None`:UserWarning")
async def test_a_button_on_an_inaccessible_message_object_gets_a_fresh_message(harness, center, logged):
    """python-telegram-bot refuses to edit an InaccessibleMessage (TypeError) before any request."""
    sara = harness.person(602, language_code="en")
    await register(sara, "en")
    bot = harness.app.bot
    chat = Chat(602, "private")
    query = CallbackQuery("q-602", User(602, "Sara", False), "c", message=InaccessibleMessage(chat, 1), data="lang:v1:ar")
    for item in (chat, query, query.message, query.from_user):
        item.set_bot(bot)
    await harness.app.process_update(Update(9_602, callback_query=query))
    assert [m.text for m in sara.messages()[-2:]] == ["تم اختيار اللغة: العربية", "تم. سأتحدث إليك بهذه اللغة من الآن فصاعدًا."]
    assert harness.telegram.answer_attempts["q-602"] == 1
    assert errors(logged) == []


async def test_pressing_the_same_button_twice_is_not_an_error(harness, center, logged):
    sara = harness.person(603)
    await register(sara, "en")
    [settings] = await sara.send("/settings")
    await sara.press_data("set:v1:mute", settings)
    await sara.press_data("set:v1:mute", settings)  # the second tap: the same content again
    assert harness.telegram.refused["editMessageText: message is not modified"] == 1
    assert settings.text.startswith("⚙️ <b>Settings</b>\n\n🔕 Shift reminders: off")
    assert errors(logged) == []


async def test_paging_the_centers_twice_on_the_same_message_is_not_an_error(harness, session_factory, center, logged):
    for number in range(9):  # two pages of centers
        await make_center(session_factory, code=f"c{number}", name_ar=f"مركز {number}", name_en=f"Center {number}")
    sara = harness.person(608, language_code="en")
    await sara.send("/start")
    await sara.press("English")
    await sara.send("Sara")
    await sara.send("1998")
    await sara.send("Skip")
    listing = sara.find_button_message("Next »")
    await sara.press("Next »", listing)
    await sara.press_data("ctrp:v1:1", listing)  # the old "Next »" again: the same page
    assert harness.telegram.refused["editMessageReplyMarkup: message is not modified"] == 1
    assert "« Previous" in listing.labels()
    assert errors(logged) == []


async def test_a_late_answer_is_dropped_and_the_sign_up_still_counts(harness, session_factory, center, logged):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)])
    sara = harness.person(604)
    await register(sara, "en")
    harness.telegram.late_queries.update(str(n) for n in range(1000, 2000))  # the bot was down a while
    [signed] = await sara.press_data(f"su:v1:{shift.id}")
    assert signed.text.startswith("✅ You are signed up")
    async with session_factory() as session:
        [signup] = (await session.execute(select(Signup))).scalars().all()
    assert signup.status == SignupStatus.CONFIRMED
    late = [r for r in logged.records if r.name == "bot.refusals"]
    assert [r.levelno for r in late] == [logging.INFO]
    assert errors(logged) == []


async def test_a_redelivered_forged_press_is_answered_once(harness, center, logged):
    sara = harness.person(605)
    await register(sara, "en")
    await sara.press_data("su:v1:-4")  # one of our kinds, a value no button carries: refused by the error handler
    await harness.redeliver_last(sara)
    query_id = harness.last_update["callback_query"]["id"]
    assert harness.telegram.answer_attempts[query_id] == 1
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."
    assert [r.levelname for r in logged.records if r.exc_info or r.levelno >= logging.ERROR] == []


async def test_a_press_on_an_inline_message_is_answered_and_edits_nothing(harness, session_factory, center, logged):
    await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)])
    sara = harness.person(606)
    await register(sara, "en")
    query = {"id": "q-606", "from": sara._user(), "chat_instance": "c", "inline_message_id": "AgAAAInline", "data": "br:v1:0:0:-"}
    assert await harness.deliver(sara, {"callback_query": query}) == []
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."
    assert harness.telegram.inline_edits == []
    assert [r.levelname for r in logged.records if r.exc_info or r.levelno >= logging.ERROR] == []


async def test_a_reply_to_someone_who_blocked_the_bot_is_one_info_line(harness, session_factory, center, logged):
    sara = harness.person(607)
    await register(sara, "en")
    harness.telegram.blocked.add(607)
    await sara.send("/hours")
    assert [(r.levelname, r.getMessage()) for r in logged.records if r.name.startswith("handlers")] == [
        ("INFO", "user blocked the bot; reply dropped")
    ]
    async with session_factory() as session:
        assert (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 607))).scalar_one().display_name == "سارة"


async def test_a_broadcast_confirmed_on_a_deleted_preview_reports_in_a_new_message(harness, session_factory, logged):
    center = await make_center(session_factory)
    await make_person(harness, COORDINATOR_ID, role="admin", language="en", center=center)
    await make_person(harness, 7_000_000_301, center=center)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await admin.send("Water tonight.")
    [_, summary] = await admin.press("👥 Everyone")
    summary.deleted = True
    await press_inaccessible(admin, summary.inline_buttons()[0]["callback_data"], summary.message_id)
    assert admin.last_text().startswith("📤 <b>Sending the broadcast…</b> 0 of 2")
    assert errors(logged) == []

