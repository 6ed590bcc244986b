"""Check-out asks first, and a check-out tapped by mistake can be undone for ten minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import callback_data as cd
from models.tables import Attendance, AuditLog
from tests.factories import SITE, make_center, make_opportunity
from tests.journey import register

YES = {"en": "🏁 Yes, check me out", "ar": "🏁 نعم، سجّل انصرافي"}
UNDO = {"en": "↩️ Undo check-out", "ar": "↩️ التراجع عن الانصراف"}


@pytest.fixture
async def shift(harness, session_factory):
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(hours=2)], hours=3)
    return shift


async def checked_in(harness, shift, language, user_id=701):
    sara = harness.person(user_id)
    await register(sara, language)
    await sara.press_data(cd.SignUp(shift.id).data)
    harness.advance(hours=2)
    await sara.share_location(*SITE)
    return sara


async def record(session_factory) -> Attendance:
    async with session_factory() as session:
        return (await session.execute(select(Attendance))).scalar_one()


@pytest.mark.parametrize(("language", "question", "done"), [
    ("en", "Check out of <b>Serving the pilgrims</b> now? You checked in at 11:00 am (1 hour and 30 minutes ago).",
     "🏁 Checked out of <b>Serving the pilgrims</b>. 1 hour and 30 minutes credited to you. Thank you for your time!"),
    ("ar", "هل تريد تسجيل انصرافك من <b>خدمة ضيوف الرحمن</b> الآن؟",
     "🏁 تم تسجيل انصرافك من <b>خدمة ضيوف الرحمن</b>، واحتُسبت لك ساعة واحدة و30 دقيقة."),
])
async def test_check_out_asks_first_and_then_offers_the_undo(harness, shift, session_factory, language, question, done):
    sara = await checked_in(harness, shift, language)
    harness.advance(hours=1, minutes=30)
    [asked] = await sara.send("/checkout")
    assert asked.text.startswith(question)
    assert (await record(session_factory)).checked_out_at is None  # nothing happens before the tap
    [answered] = await sara.press(YES[language], asked)
    assert answered.message_id == asked.message_id and answered.text.startswith(done)
    assert answered.labels() == [UNDO[language]]
    closed = await record(session_factory)
    assert (closed.credited_minutes, closed.checked_out_by) == (90, sara.user_id)


async def test_the_menu_button_asks_too_and_not_yet_changes_nothing(harness, shift, session_factory):
    sara = await checked_in(harness, shift, "en")
    [asked] = await sara.send("🏁 Check out")
    assert asked.labels() == ["🏁 Yes, check me out", "Not yet"]
    yes = asked.inline_buttons()[0]["callback_data"]
    [kept] = await sara.press("Not yet", asked)
    assert kept.text == "Fine, you are still checked in. Check out with 🏁 when you leave." and kept.labels() == []
    assert (await record(session_factory)).checked_out_at is None
    await sara.press_data(yes, asked)  # an older copy of the question still works, once
    await sara.press_data(yes, asked)  # a second tap
    assert harness.telegram.callback_answers[-1]["text"] == "You have already checked out of this shift."


@pytest.mark.parametrize(("language", "undone"), [
    ("en", "↩️ Check-out undone: you are checked in to <b>Serving the pilgrims</b> again, since 11:00 am."),
    ("ar", "↩️ تم التراجع عن الانصراف: حضورك مسجّل من جديد في <b>خدمة ضيوف الرحمن</b>"),
])
async def test_an_accidental_check_out_is_undone_within_ten_minutes(harness, shift, session_factory, language, undone):
    sara = await checked_in(harness, shift, language)
    harness.advance(minutes=40)
    [asked] = await sara.send("/checkout")
    [answered] = await sara.press(YES[language], asked)
    harness.advance(minutes=9, seconds=59)
    [reopened] = await sara.press(UNDO[language], answered)
    assert reopened.text.startswith(undone) and reopened.labels() == []
    attendance = await record(session_factory)
    assert (attendance.checked_out_at, attendance.credited_minutes, attendance.checked_out_by) == (None, 0, None)
    async with session_factory() as session:
        [line] = (await session.execute(select(AuditLog).where(AuditLog.action == "attendance.undo_checkout"))).scalars()
    assert line.actor_telegram_id == sara.user_id and line.detail.endswith("min=40 -> open min=0: the volunteer undid their check-out")
    harness.advance(hours=1)  # the real check-out later credits the whole stay
    [asked] = await sara.send("/checkout")
    await sara.press(YES[language], asked)
    assert (await record(session_factory)).credited_minutes == 109  # 40 + 9:59 + 60, in whole minutes


async def test_the_undo_is_refused_after_ten_minutes_and_the_button_goes(harness, shift, session_factory):
    sara = await checked_in(harness, shift, "en")
    [asked] = await sara.send("/checkout")
    [answered] = await sara.press(YES["en"], asked)
    harness.advance(minutes=10, seconds=1)
    [after] = await sara.press(UNDO["en"], answered)
    assert harness.telegram.callback_answers[-1]["text"].startswith("It is too late to undo this check-out: that is possible for 10 minutes only.")
    assert after.labels() == []
    assert (await record(session_factory)).checked_out_at is not None


async def test_the_undo_is_refused_once_the_shift_and_its_grace_are_over(harness, shift, session_factory):
    sara = await checked_in(harness, shift, "ar")
    harness.now = shift.ends_at + timedelta(minutes=25)
    [asked] = await sara.send("/checkout")
    [answered] = await sara.press(YES["ar"], asked)
    harness.advance(minutes=6)  # within ten minutes of the check-out, but 31 minutes after the end
    await sara.press(UNDO["ar"], answered)
    assert harness.telegram.callback_answers[-1]["text"].startswith("انتهت هذه الوردية، فلم يعد التراجع عن الانصراف ممكنًا.")
    assert (await record(session_factory)).checked_out_at is not None


async def test_someone_elses_check_out_cannot_be_undone_with_a_forged_button(harness, shift, session_factory):
    sara = await checked_in(harness, shift, "en")
    [asked] = await sara.send("/checkout")
    [answered] = await sara.press(YES["en"], asked)
    undo = answered.inline_buttons()[0]["callback_data"]
    omar = harness.person(702)
    await register(omar, "en", gender="male", name="Omar")
    await omar.press_data(undo)
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."
    assert (await record(session_factory)).checked_out_at is not None
