"""A newcomer registers in Arabic or English; coming back never duplicates anything."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.tables import Volunteer
from tests.factories import make_center
from tests.journey import register


async def test_newcomer_is_greeted_in_arabic_first_with_both_language_buttons(harness, session_factory):
    await make_center(session_factory)
    omar = harness.person(101, "Omar", language_code="en")
    [greeting] = await omar.send("/start")
    assert greeting.text.startswith("أهلًا بك في برنامج التطوع")
    assert "Welcome to the volunteer program" in greeting.text
    assert greeting.labels() == ["العربية", "English"]


@pytest.mark.parametrize(
    ("language", "registered_text", "menu_label"),
    [("ar", "تم تسجيلك يا", "🔎 الفرص التطوعية"), ("en", "You are registered,", "🔎 Opportunities")],
)
async def test_volunteer_completes_onboarding(harness, session_factory, language, registered_text, menu_label):
    await make_center(session_factory)
    sara = harness.person(202, "Sara")
    await sara.send("/start")
    await sara.press("العربية" if language == "ar" else "English")
    assert ("اسمك" if language == "ar" else "name") in sara.last_text()
    await sara.send("Sara Al-Harbi")
    await sara.send("1998")
    phone_prompt = sara.last()
    assert phone_prompt.reply_keyboard()[0].get("request_contact") is True
    await sara.share_contact("+966 50 123 4567")
    await sara.press("مركز حي العوالي" if language == "ar" else "Al-Awali Center")
    await sara.press("امرأة" if language == "ar" else "Female")
    welcome = sara.last()
    assert registered_text in welcome.text and "Sara Al-Harbi" in welcome.text
    assert menu_label in [b["text"] for b in welcome.reply_keyboard()]
    async with session_factory() as session:
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 202))).scalar_one()
    assert (volunteer.language, volunteer.gender, volunteer.phone) == (language, "female", "+966501234567")
    assert volunteer.registered_at is not None


async def test_start_again_lands_on_main_menu_without_duplicates(harness, session_factory):
    await make_center(session_factory)
    sara = harness.person(203)
    await register(sara, "en")
    [menu] = await sara.send("/start")
    assert menu.text.startswith("Welcome back, سارة")
    async with session_factory() as session:
        count = (await session.execute(select(func.count()).select_from(Volunteer))).scalar_one()
    assert count == 1


async def test_someone_elses_contact_is_refused(harness, session_factory):
    await make_center(session_factory)
    sara = harness.person(204)
    await sara.send("/start")
    await sara.press("English")
    await sara.send("Sara")
    await sara.send("1998")
    [refusal] = await sara.share_contact("+966500000001", own=False)
    assert refusal.text == "Please share your own number with the button below."


async def test_unusable_name_is_asked_again(harness, session_factory):
    await make_center(session_factory)
    sara = harness.person(205)
    await sara.send("/start")
    await sara.press("العربية")
    [again] = await sara.send("x")
    assert again.text == "يُرجى إرسال اسم يتراوح طوله بين حرفين و64 حرفًا."


async def test_commands_before_registration_resume_onboarding(harness, session_factory):
    await make_center(session_factory)
    sara = harness.person(206)
    await sara.send("/start")
    await sara.press("English")
    replies = await sara.send("/opportunities")
    assert replies[0].text == "Let us finish your registration first."
    assert "name" in replies[1].text


async def test_half_done_onboarding_survives_a_restart(harness, engine, settings, session_factory):
    """The step is kept in the database: a new bot process continues where the volunteer stopped."""
    from bot.app import build_application
    from tests.harness import BotHarness
    from tests.telegram_double import TelegramDouble

    await make_center(session_factory)
    sara = harness.person(207)
    await sara.send("/start")
    await sara.press("English")
    await sara.send("Sara")
    await sara.send("1998")
    await harness.app.shutdown()

    telegram = TelegramDouble()
    restarted = BotHarness(app=build_application(settings, engine=engine, request=telegram, run_migrations=False, start_background_work=False), telegram=telegram)
    restarted.update_ids = harness.update_ids
    await restarted.app.initialize()
    await restarted.app.post_init(restarted.app)  # type: ignore[misc]
    sara_again = restarted.person(207)
    [prompt] = await sara_again.send("/start")
    assert prompt.text.startswith("Would you like to share your phone number?")
    await sara_again.send("Skip")
    await sara_again.press("Al-Awali Center")
    await sara_again.press("Female")
    assert sara_again.last_text().startswith("You are registered, Sara!")
    await restarted.app.shutdown()
    await harness.app.initialize()  # the fixture shuts it down again


async def test_command_menu_is_registered_in_arabic_and_english(harness):
    commands = harness.telegram.commands
    assert {c["command"] for c in commands["ar"]} >= {"opportunities", "my", "checkin", "checkout", "hours", "language", "help"}
    assert next(c for c in commands["ar"] if c["command"] == "hours")["description"] == "ساعاتي التطوعية"
    assert next(c for c in commands["en"] if c["command"] == "hours")["description"] == "My volunteer hours"
