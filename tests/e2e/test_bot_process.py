"""The real `volunteer-bot run` process, talking HTTP to the stand-in, as volunteers see it.

One bot process serves the whole module (see conftest.py); each test uses volunteers of its own.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from infra.database import create_engine, create_session_factory
from models.tables import Signup, Volunteer
from sandbox import ChatMessage, SimulatedUser, TelegramStandIn
from tests.e2e.conftest import (
    SITE_TITLE_AR,
    SITE_TITLE_EN,
    BotProcess,
    SeededDatabase,
    shift_checkin_code,
)
from tests.factories import SITE

pytestmark = pytest.mark.asyncio(loop_scope="module")

WAIT = 10.0  # seconds: generous for a loaded CI machine, still bounded
LABELS = {
    "ar": {"language": "العربية", "skip": "تخطي", "center": "مركز حي العوالي", "gender": "امرأة",
           "title": SITE_TITLE_AR, "sign_up": "✋ التسجيل في الوردية 1"},
    "en": {"language": "English", "skip": "Skip", "center": "Al-Awali", "gender": "Male",
           "title": SITE_TITLE_EN, "sign_up": "✋ Sign up for shift 1"},
}


def containing(*parts: str):  # type: ignore[no-untyped-def]
    """A predicate: the bot message's text has every part."""
    return lambda message: all(part in (message.text or "") for part in parts)


def has_button(label: str):  # type: ignore[no-untyped-def]
    return lambda message: any(label in shown for shown in message.button_labels)


async def register(user: SimulatedUser, language: str, name: str) -> ChatMessage:
    """Onboarding: language, name, phone skipped, center, gender; the welcome message."""
    labels = LABELS[language]
    user.send_command("/start")
    await user.wait_for_message(has_button(labels["language"]), timeout=WAIT)
    user.press_button(labels["language"])
    await user.wait_for_message(lambda m: "?" in (m.text or "") or "؟" in (m.text or ""), timeout=WAIT)
    user.send_text(name)
    await user.wait_for_message(lambda m: "2001" in (m.text or ""), timeout=WAIT)  # the year of birth (issue 13)
    user.send_text("1998")
    await user.wait_for_message(lambda m: bool(user.reply_keyboard()), timeout=WAIT)
    user.send_text(labels["skip"])
    await user.wait_for_message(has_button(labels["center"]), timeout=WAIT)
    user.press_button(labels["center"])
    await user.wait_for_message(has_button(labels["gender"]), timeout=WAIT)
    user.press_button(labels["gender"])
    return await user.wait_for_message(containing(name), timeout=WAIT)


async def sign_up_for_the_e2e_shift(user: SimulatedUser, language: str) -> ChatMessage:
    """Browse, open the opportunity that starts soon, take a seat; the confirmation."""
    labels = LABELS[language]
    user.send_command("/opportunities")
    listing = await user.wait_for_message(has_button(labels["title"]), timeout=WAIT)
    assert len(listing.button_labels) > 3  # the demo data set is listed too
    user.press_button(labels["title"], listing)
    detail = await user.wait_for_message(has_button(labels["sign_up"]), timeout=WAIT)
    assert labels["title"] in detail.text
    user.last_sign_up_update = user.press_button(labels["sign_up"], detail)  # type: ignore[attr-defined]
    return await user.wait_for_message(containing("✅", labels["title"]), timeout=WAIT)


async def count(url: str, table: type, **where: int) -> int:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            query = select(func.count()).select_from(table)
            for column, value in where.items():
                query = query.where(getattr(table, column) == value)
            return int((await session.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def test_english_volunteer_checks_in_by_location_and_sees_the_hours(
    standin: TelegramStandIn, bot_log: BotProcess
) -> None:
    omar = standin.user(7001, first_name="Omar", language_code="en")
    welcome = await register(omar, "en", "Omar")
    assert "You are registered, Omar!" in welcome.text
    assert "🔎 Opportunities" in omar.reply_keyboard()

    confirmation = await sign_up_for_the_e2e_shift(omar, "en")
    assert "You are signed up for E2E tree planting" in confirmation.text

    omar.send_location(*SITE)
    checked_in = await omar.wait_for_message(containing("🟢"), timeout=WAIT)
    assert checked_in.text.startswith("🟢 You are checked in to E2E tree planting.")

    omar.send_command("/checkout")
    question = await omar.wait_for_message(containing("Check out of"), timeout=WAIT)
    omar.press_button("🏁 Yes, check me out", question)
    checked_out = await omar.wait_for_message(containing("Checked out of"), timeout=WAIT)
    assert checked_out.text.startswith("🏁 Checked out of E2E tree planting.")

    omar.send_command("/hours")
    hours = await omar.wait_for_message(containing("⏱"), timeout=WAIT)
    assert "1 shift completed" in hours.text


async def test_arabic_volunteer_checks_in_by_code_right_to_left_text(
    standin: TelegramStandIn, bot_log: BotProcess, seeded_database: SeededDatabase
) -> None:
    sara = standin.user(7002, first_name="سارة", language_code="ar")
    welcome = await register(sara, "ar", "سارة")
    assert "سارة" in welcome.text

    confirmation = await sign_up_for_the_e2e_shift(sara, "ar")
    assert SITE_TITLE_AR in confirmation.text

    code = await shift_checkin_code(seeded_database.url, seeded_database.shift_id)
    sara.send_command("/start", f"ci-{code}")
    checked_in = await sara.wait_for_message(containing("🟢"), timeout=WAIT)
    assert checked_in.text.startswith(f"🟢 تم تسجيل حضورك في {SITE_TITLE_AR}")

    sara.send_command("/checkout")
    question = await sara.wait_for_message(containing("تسجيل انصرافك"), timeout=WAIT)
    sara.press_button("🏁 نعم، سجّل انصرافي", question)
    checked_out = await sara.wait_for_message(containing("🏁 تم تسجيل انصرافك"), timeout=WAIT)
    assert SITE_TITLE_AR in checked_out.text

    sara.send_command("/hours")
    hours = await sara.wait_for_message(containing("⏱"), timeout=WAIT)
    assert "ساعات التطوع" in hours.text or "ساعاتك" in hours.text, hours.text


async def test_sign_up_delivered_twice_has_one_effect(
    standin: TelegramStandIn, bot_log: BotProcess, seeded_database: SeededDatabase
) -> None:
    nour = standin.user(7003, first_name="Nour", language_code="en")
    await register(nour, "en", "Nour")
    await sign_up_for_the_e2e_shift(nour, "en")

    # Telegram delivers an update again when the bot did not confirm its offset in time.
    standin.redeliver(nour.last_sign_up_update)  # type: ignore[attr-defined]
    nour.send_command("/help")  # a later update: once it is answered, the duplicate was seen
    await nour.wait_for_message(lambda m: "✅" not in (m.text or ""), timeout=WAIT)
    await asyncio.sleep(0.5)
    assert len([m for m in nour.messages() if "✅" in (m.text or "")]) == 1
    volunteer_id = await _volunteer_id(seeded_database.url, 7003)
    assert await count(seeded_database.url, Signup, volunteer_id=volunteer_id) == 1


async def test_hours_delivered_twice_is_answered_once(standin: TelegramStandIn, bot_log: BotProcess) -> None:
    lina = standin.user(7004, first_name="Lina", language_code="en")
    await register(lina, "en", "Lina")
    hours_update = lina.send_command("/hours")
    await lina.wait_for_message(containing("⏱"), timeout=WAIT)
    standin.redeliver(hours_update)
    lina.send_command("/help")
    await lina.wait_for_message(lambda m: "⏱" not in (m.text or ""), timeout=WAIT)
    await asyncio.sleep(0.5)
    assert len([m for m in lina.messages() if "⏱" in (m.text or "")]) == 1


async def _volunteer_id(url: str, telegram_id: int) -> int:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            query = select(Volunteer.id).where(Volunteer.telegram_id == telegram_id)
            return int((await session.execute(query)).scalar_one())
    finally:
        await engine.dispose()



async def _hours_reply_under(standin: TelegramStandIn, user: SimulatedUser) -> ChatMessage | None:
    """Ask for /hours; the reply, or None when it never came."""
    user.send_command("/hours")
    try:
        return await user.wait_for_message(containing("⏱"), timeout=6.0)
    except TimeoutError:
        return None


async def test_bot_survives_slow_answers_without_losing_a_reply(
    standin: TelegramStandIn, bot_log: BotProcess
) -> None:
    hana = standin.user(7010, first_name="Hana", language_code="en")
    await register(hana, "en", "Hana")
    standin.faults.slow(1.5)  # every call, getUpdates included, waits 1.5 s (PTB's timeout is 5 s)
    try:
        assert await _hours_reply_under(standin, hana) is not None
    finally:
        standin.faults.clear()


async def test_reply_is_retried_after_an_injected_429(standin: TelegramStandIn, bot_log: BotProcess) -> None:
    volunteer = standin.user(7011, first_name="Faris", language_code="en")
    await register(volunteer, "en", "Faris")
    standin.faults.fail_next(1, status=429, retry_after=1, method="sendMessage")
    try:
        assert await _hours_reply_under(standin, volunteer) is not None
    finally:
        standin.faults.clear()


@pytest.mark.parametrize(("status", "user_id"), [(502, 7012)])
async def test_bot_survives_a_server_error_and_answers_the_next_update(
    standin: TelegramStandIn, bot_log: BotProcess, status: int, user_id: int
) -> None:
    volunteer = standin.user(user_id, first_name="Faris", language_code="en")
    await register(volunteer, "en", "Faris")
    standin.faults.fail_next(1, status=status, retry_after=1, method="sendMessage")
    try:
        lost = await _hours_reply_under(standin, volunteer)
    finally:
        standin.faults.clear()
    assert bot_log.process.poll() is None, "the bot process died"
    assert await _hours_reply_under(standin, volunteer) is not None
    assert lost is not None, f"the reply to /hours was lost after one injected {status}"


@pytest.mark.parametrize(("status", "user_id"), [(500, 7022), (503, 7023)])
async def test_reply_is_not_lost_under_an_injected_error(
    standin: TelegramStandIn, bot_log: BotProcess, status: int, user_id: int
) -> None:
    volunteer = standin.user(user_id, first_name="Rami", language_code="en")
    await register(volunteer, "en", "Rami")
    standin.faults.fail_next(1, status=status, retry_after=1, method="sendMessage")
    try:
        assert await _hours_reply_under(standin, volunteer) is not None
    finally:
        standin.faults.clear()


async def test_onboarding_at_telegrams_real_flood_limits_loses_no_reply(
    standin: TelegramStandIn, bot_log: BotProcess
) -> None:
    standin.set_rate_limits()  # Telegram's defaults: 30/s overall, 1/s per chat after a burst of 3
    try:
        quick = standin.user(7030, first_name="Quick", language_code="en")
        await register(quick, "en", "Quick")
        quick.send_command("/opportunities")
        await quick.wait_for_message(has_button(SITE_TITLE_EN), timeout=WAIT)
        assert standin.stats.too_many_requests > 0  # the limits were really hit, and survived
    finally:
        standin.disable_rate_limits()
        print("429s given:", standin.stats.too_many_requests)


async def test_the_log_never_shows_the_token_or_a_phone_number(standin: TelegramStandIn, bot_log: BotProcess) -> None:
    """Runs last in this module: by now the bot has logged a whole session of traffic and faults."""
    from tests.e2e.conftest import TOKEN

    volunteer = standin.user(7040, first_name="Huda", language_code="en")
    volunteer.send_command("/start")
    await volunteer.wait_for_message(timeout=WAIT)
    volunteer.press_button("English")
    await volunteer.wait_for_message(timeout=WAIT)
    volunteer.send_text("Huda")
    await volunteer.wait_for_message(timeout=WAIT)
    volunteer.send_contact("+966555123456")
    await volunteer.wait_for_message(timeout=WAIT)
    log = bot_log.log()
    assert "polling" in log.lower() or "application started" in log.lower()  # the log is really there
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "555123456" not in log
