"""Check-in codes that expire: the QR link and its six digits, wrong tries limited, newcomers."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import build_application
from handlers import callback_data as cd
from models.tables import (
    Attendance,
    OnboardingStep,
    Signup,
    SignupStatus,
    Volunteer,
    WrongCheckInCode,
)
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center, make_opportunity, scan, shown_digits
from tests.harness import BotHarness
from tests.journey import LABELS, register
from tests.telegram_double import TelegramDouble

CHECKED_IN = {"en": "🟢 You are checked in to <b>Serving the pilgrims</b>.", "ar": "🟢 تم تسجيل حضورك في <b>خدمة ضيوف الرحمن</b>"}
EXPIRED = {
    "en": "This check-in code has expired: the code on site changes every few minutes, so a photo or a forwarded link stops working. Please scan the code on the coordinator's screen now, or type the 6 digits shown under it.",
    "ar": "انتهت صلاحية رمز الحضور هذا: يتغيّر الرمز في الموقع كل بضع دقائق، فلا تعمل صورته ولا رابطه المُعاد توجيهه. يُرجى مسح الرمز الظاهر على شاشة المنسّق الآن، أو كتابة الأرقام الستة الظاهرة تحته.",
}
BAD_DIGITS = {
    "en": "These digits do not match the code of any of your shifts right now. Please type the 6 digits shown under the QR code on the coordinator's screen, or scan the code.",
    "ar": "هذه الأرقام لا تطابق رمز أيٍّ من فتراتك الآن. يُرجى كتابة الأرقام الستة الظاهرة تحت رمز QR على شاشة المنسّق، أو امسح الرمز.",
}
WAIT = {
    "en": "Too many wrong codes. Please wait {n} minutes before trying again, or ask the coordinator on site to check you in.",
    "ar": "أدخلت رموزًا خاطئة كثيرة. يُرجى الانتظار {n} دقائق قبل المحاولة من جديد، أو اطلب من المنسّق في الموقع تسجيل حضورك.",
}
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
async def shift(harness, session_factory):
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(hours=2)], hours=3)
    return shift


async def holder(harness, shift, language, user_id=701):
    person = harness.person(user_id, language_code=language)
    await register(person, language)
    await person.press_data(cd.SignUp(shift.id).data)
    harness.advance(hours=2)  # the shift starts now
    return person


async def attendance_count(harness) -> int:
    async with sessions(harness)() as session:
        return (await session.execute(select(func.count()).select_from(Attendance))).scalar_one()


def wrong(digits: str) -> str:
    return f"{(int(digits) + 1) % 1_000_000:06d}"


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_photographed_code_stops_working_within_minutes_and_the_fresh_one_checks_in(harness, shift, language):
    sara = await holder(harness, shift, language)
    photographed = scan(shift, harness.now)
    harness.advance(minutes=11)
    [refused] = await sara.send(photographed)
    assert refused.text == EXPIRED[language]
    assert await attendance_count(harness) == 0
    [ok] = await sara.send(scan(shift, harness.now))
    assert ok.text.startswith(CHECKED_IN[language])


async def test_a_code_shown_just_before_it_renews_still_works_in_the_next_window(harness, shift):
    sara = await holder(harness, shift, "en")
    shown = scan(shift, harness.now + timedelta(minutes=4, seconds=59))
    harness.advance(minutes=9, seconds=59)  # the next window, to its last second
    [ok] = await sara.send(shown)
    assert ok.text.startswith(CHECKED_IN["en"])


async def test_a_code_from_the_future_or_of_another_shift_is_not_valid(harness, shift, session_factory):
    sara = await holder(harness, shift, "en")
    center = await make_center(session_factory, code="other", name_ar="مركز آخر", name_en="Other")
    _, [other] = await make_opportunity(session_factory, center=center, starts=[harness.now], hours=3)
    not_valid = "This check-in code is not valid. Please scan the code shown on site again."
    [future] = await sara.send(scan(shift, harness.now + timedelta(minutes=10)))
    assert future.text == not_valid
    forged = scan(other, harness.now).replace(f"ci-{other.id}-", f"ci-{shift.id}-")
    [swapped] = await sara.send(forged)
    assert swapped.text == not_valid


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_the_six_digits_can_be_typed_after_checkin_or_with_it_in_any_digits(harness, shift, language):
    sara = await holder(harness, shift, language)
    await sara.send("/checkin")
    digits = shown_digits(shift, harness.now)
    [ok] = await sara.send(f"{digits[:3]} {digits[3:]}".translate(ARABIC_INDIC))
    assert ok.text.startswith(CHECKED_IN[language])
    [record] = await _records(harness)
    assert record.method == "code"


async def test_checkin_with_the_digits_as_its_argument_checks_in(harness, shift):
    sara = await holder(harness, shift, "en")
    [ok] = await sara.send(f"/checkin {shown_digits(shift, harness.now)}")
    assert ok.text.startswith(CHECKED_IN["en"])


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_too_many_wrong_codes_make_the_volunteer_wait_even_for_a_right_one(harness, shift, language):
    sara = await holder(harness, shift, language)
    right = shown_digits(shift, harness.now)
    [first] = await sara.send(f"/checkin {wrong(right)}")
    assert first.text == BAD_DIGITS[language]
    await sara.send(scan(shift, harness.now - timedelta(minutes=30)))  # genuine but expired: not a guess
    for _ in range(3):
        harness.advance(minutes=1)
        await sara.send(wrong(right))
    harness.advance(minutes=1)
    await sara.send("/start ci-12-34-0123456789ab")  # the fifth wrong code
    harness.advance(minutes=1)
    [wait] = await sara.send(scan(shift, harness.now))
    assert wait.text == WAIT[language].format(n="5")  # the first wrong try counts until 10 minutes after it
    assert await attendance_count(harness) == 0
    harness.advance(minutes=5)
    [ok] = await sara.send(scan(shift, harness.now))
    assert ok.text.startswith(CHECKED_IN[language])


async def test_wrong_codes_are_counted_in_the_database_so_another_instance_refuses_too(harness, shift, engine, settings):
    sara = await holder(harness, shift, "en")
    for _ in range(5):
        await sara.send(f"/checkin {wrong(shown_digits(shift, harness.now))}")
    async with sessions(harness)() as session:
        assert (await session.execute(select(func.count()).select_from(WrongCheckInCode))).scalar_one() == 5
    telegram = TelegramDouble()
    second = build_application(settings, engine=engine, clock=lambda: harness.now, request=telegram,
                               run_migrations=False, start_background_work=False)
    other = BotHarness(app=second, telegram=telegram, now=harness.now, update_ids=itertools.count(10_000))
    await second.initialize()
    await second.post_init(second)  # type: ignore[misc]
    try:
        [wait] = await other.person(sara.user_id, language_code="en").send(f"/checkin {shown_digits(shift, harness.now)}")
        assert wait.text == WAIT["en"].format(n="10")
    finally:
        await second.shutdown()


async def test_the_coordinators_card_shows_the_digits_when_they_renew_and_a_new_code(harness, shift):
    coordinator = harness.person(6_300_000_001, language_code="en")
    await make_person(harness, coordinator.user_id, role="admin", language="en")
    harness.advance(minutes=2)  # 09:02 in Makkah: this code renews at 09:05
    await coordinator.send("/shifts")
    await coordinator.press(coordinator.last().labels()[0])
    [photo] = await coordinator.press("🔳 Check-in QR code")
    digits = shown_digits(shift, harness.now)
    assert f"types this code after /checkin: <b>{digits[:3]} {digits[3:]}</b>" in photo.text
    assert "The code changes at 9:05 am (a photo of it stops working within minutes): tap 🔄 New code then." in photo.text
    assert "https://t.me/volunteer_test_bot?" + scan(shift, harness.now).replace("/start ", "start=") in photo.text
    assert photo.labels() == ["🔄 New code"] and photo.file_name == "checkin.png"
    harness.advance(minutes=4)
    [renewed] = await coordinator.press("🔄 New code", photo)
    assert photo.deleted and coordinator.messages()[-1] is renewed
    assert "The code changes at 9:10 am" in renewed.text and scan(shift, harness.now).split("ci-")[1] in renewed.text


ONBOARD_THEN = {
    "en": "Welcome! Let us register you first: it takes a minute. Right after, I will check you in with the code you scanned, with no need to scan it again.",
    "ar": "أهلًا بك! لنسجّلك أولًا، فالأمر لا يستغرق سوى دقيقة. بعدها مباشرة سأسجّل حضورك بالرمز الذي مسحته، دون حاجة إلى مسحه مرة أخرى.",
}


async def onboard(person, language: str) -> list:  # type: ignore[type-arg]
    """The onboarding steps after the scan (no /start: the scan started it)."""
    labels = LABELS[language]
    await person.press("العربية" if language == "ar" else "English")
    await person.send("Nour")
    await person.send("1998")
    await person.send(labels["skip"])
    await person.press(labels["center"])
    return await person.press(labels["female"])


async def seat_held_before_registering(harness, shift, telegram_id: int) -> None:
    """A seat on the shift for someone who has not finished registering (a coordinator added them)."""
    async with sessions(harness)() as session, session.begin():
        person = Volunteer(telegram_id=telegram_id, language="ar", onboarding_step=OnboardingStep.LANGUAGE)
        session.add(person)
        await session.flush()
        session.add(Signup(shift_id=shift.id, volunteer_id=person.id, status=SignupStatus.CONFIRMED, signed_up_at=harness.now))


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_newcomer_who_scans_is_onboarded_then_checked_in_without_scanning_again(harness, shift, language):
    await seat_held_before_registering(harness, shift, 720)
    harness.advance(hours=2)
    nour = harness.person(720, language_code=language)
    welcome, language_prompt = await nour.send(scan(shift, harness.now))
    assert welcome.text == ONBOARD_THEN["ar"]  # before a language is chosen: the default, Arabic
    assert language_prompt.labels() == ["العربية", "English"]
    harness.advance(minutes=12)  # the scanned code has expired meanwhile: the scan proved presence
    answers = await onboard(nour, language)
    assert answers[-1].text.startswith(CHECKED_IN[language])
    [record] = await _records(harness)
    assert record.method == "code" and record.checked_in_at == harness.now
    async with sessions(harness)() as session:
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 720))).scalar_one()
    assert volunteer.conversation is None  # the pending scan is used once


async def test_a_newcomer_without_a_seat_is_registered_and_told_whom_to_ask(harness, shift):
    harness.advance(hours=2)
    nour = harness.person(721, language_code="en")
    await nour.send(scan(shift, harness.now))
    answers = await onboard(nour, "en")
    assert answers[-1].text == "You do not hold a seat on <b>Serving the pilgrims</b>, so I could not check you in. Please ask the coordinator on site to add you."
    assert await attendance_count(harness) == 0


async def test_a_newcomer_who_takes_too_long_must_scan_again(harness, shift):
    await seat_held_before_registering(harness, shift, 722)
    harness.advance(hours=2)
    nour = harness.person(722, language_code="en")
    await nour.send(scan(shift, harness.now))
    harness.advance(minutes=31)
    answers = await onboard(nour, "en")
    assert answers[-1].text == EXPIRED["en"]
    assert await attendance_count(harness) == 0


async def test_a_newcomer_scanning_an_expired_code_is_told_at_once_and_onboarded(harness, shift):
    harness.advance(hours=2)
    nour = harness.person(723, language_code="ar")
    refused, language_prompt = await nour.send(scan(shift, harness.now - timedelta(minutes=20)))
    assert refused.text == EXPIRED["ar"] and language_prompt.labels() == ["العربية", "English"]
    answers = await onboard(nour, "ar")
    assert not any(a.text.startswith("🟢") for a in answers)


async def _records(harness) -> list[Attendance]:
    async with sessions(harness)() as session:
        return list((await session.execute(select(Attendance))).scalars())
