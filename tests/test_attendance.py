"""Check-in by location or code, check-out, and the hours that come of them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from handlers import callback_data as cd
from models.tables import Attendance
from tests.factories import FAR_AWAY, SITE, make_center, make_opportunity, scan
from tests.journey import check_out, register


@pytest.fixture
async def shift(harness, session_factory):
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(hours=2)], hours=3)
    return shift


async def signed_up(harness, shift, language="en", user_id=401):
    person = harness.person(user_id)
    await register(person, language)
    await person.press_data(cd.SignUp(shift.id).data)
    return person


async def test_check_in_opens_thirty_minutes_before_the_shift(harness, shift):
    sara = await signed_up(harness, shift)
    harness.advance(minutes=80)  # 40 minutes before the start
    [early] = await sara.share_location(*SITE)
    assert early.text == "It is too early to check in to <b>Serving the pilgrims</b>. Check-in opens at 10:30 am."
    harness.advance(minutes=15)  # 25 minutes before
    [ok] = await sara.share_location(*SITE)
    assert ok.text.startswith("🟢 You are checked in to <b>Serving the pilgrims</b>.")


@pytest.mark.parametrize(("language", "far_text"), [("en", "You seem to be 5.5 km away"), ("ar", "يبدو أنك على بُعد 5.5 كم")])
async def test_check_in_far_from_the_site_is_refused(harness, shift, language, far_text):
    sara = await signed_up(harness, shift, language)
    harness.advance(hours=2)
    [far] = await sara.share_location(*FAR_AWAY)
    assert far.text.startswith(far_text)
    async with harness.app.bot_data.services.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Attendance))).scalar_one() == 0


async def test_check_in_button_asks_for_the_location(harness, shift):
    sara = await signed_up(harness, shift)
    [prompt] = await sara.send("📍 Check in")
    assert prompt.reply_keyboard()[0] == {"text": "📍 Share my location", "request_location": True}


async def test_double_check_in_is_refused(harness, shift):
    sara = await signed_up(harness, shift)
    harness.advance(hours=2)
    await sara.share_location(*SITE)
    [again] = await sara.share_location(*SITE)
    assert again.text == "You are already checked in to <b>Serving the pilgrims</b>."
    [again_code] = await sara.send(scan(shift, harness.now))
    assert again_code.text == "You are already checked in to <b>Serving the pilgrims</b>."


async def test_check_in_by_the_code_deep_link(harness, shift):
    sara = await signed_up(harness, shift, "ar")
    harness.advance(hours=2, minutes=10)
    [ok] = await sara.send(scan(shift, harness.now))
    assert ok.text.startswith("🟢 تم تسجيل حضورك في <b>خدمة ضيوف الرحمن</b>")


async def test_wrong_code_and_stranger_are_refused(harness, shift):
    await signed_up(harness, shift)
    stranger = harness.person(499)
    await register(stranger, "en")
    harness.advance(hours=2)
    [bad] = await stranger.send("/start ci-NOTAREALCODE")
    assert bad.text == "This check-in code is not valid. Please scan the code shown on site again."
    [not_holder] = await stranger.send(scan(shift, harness.now))
    assert not_holder.text == "You are not signed up for <b>Serving the pilgrims</b>, so you cannot check in to it."


async def test_no_shift_to_check_in_to(harness, shift):
    idle = harness.person(498)
    await register(idle, "en")
    [none] = await idle.share_location(*SITE)
    assert none.text == "You have no shift to check in to right now. See 📅 My schedule."


async def test_check_out_without_check_in_is_refused(harness, shift):
    sara = await signed_up(harness, shift)
    [refusal] = await sara.send("/checkout")
    assert refusal.text == "You are not checked in, so there is nothing to check out of."


async def test_check_out_credits_the_minutes_actually_spent(harness, shift):
    sara = await signed_up(harness, shift)
    harness.advance(hours=2, minutes=5)
    await sara.share_location(*SITE)
    harness.advance(hours=2, minutes=17, seconds=59)
    [done] = await check_out(sara)
    assert done.text.splitlines()[0] == "🏁 Checked out of <b>Serving the pilgrims</b>. 2 hours and 17 minutes credited to you. Thank you for your time!"


async def test_check_out_never_credits_more_than_the_shift_plus_grace(harness, shift):
    sara = await signed_up(harness, shift, "ar")
    harness.advance(hours=1, minutes=30)  # checks in 30 minutes early
    await sara.share_location(*SITE)
    harness.advance(hours=6)
    [done] = await check_out(sara)
    # 3-hour shift + 30 minutes grace
    assert "احتُسبت لك 3 ساعات و30 دقيقة" in done.text


async def test_hours_show_totals_year_shifts_and_next_milestone(harness, session_factory):
    center = await make_center(session_factory)
    _, shifts = await make_opportunity(
        session_factory, center=center, starts=[harness.now + timedelta(hours=1), harness.now + timedelta(days=40)], hours=4
    )
    sara = harness.person(450)
    await register(sara, "en")
    for shift in shifts:
        await sara.press_data(cd.SignUp(shift.id).data)
    harness.advance(hours=1)
    await sara.send(scan(shifts[0], harness.now))
    harness.advance(hours=4)
    await check_out(sara)
    harness.now = shifts[1].starts_at  # into the new year (2027 in Riyadh)
    await sara.send(scan(shifts[1], harness.now))
    harness.advance(hours=3, minutes=45)
    await check_out(sara)
    [hours] = await sara.send("/hours")
    assert hours.text.splitlines() == [
        "<b>⏱ Your volunteer hours</b>",
        "Total: 7 hours and 45 minutes",
        "This year: 3 hours and 45 minutes",
        "2 shifts completed",
        "Next milestone: 10 hours, 2 hours and 15 minutes to go. Keep it up!",
        "",
        "🎖 <b>Your badges</b>",
        "No badges yet: your first comes with 10 confirmed hours.",
    ]


async def test_hours_in_arabic_use_the_right_plural_forms(harness, session_factory):
    sara = harness.person(451)
    await make_center(session_factory)
    await register(sara, "ar")
    [hours] = await sara.send("/hours")
    assert "المجموع: 0 دقيقة" in hours.text
    assert "لا توجد ورديات مكتملة" in hours.text
    assert "المحطة التالية: 10 ساعات" in hours.text
