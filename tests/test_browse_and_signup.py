"""Browsing opportunities, signing up, the waitlist and cancelling, in both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import callback_data as cd
from models.tables import OutboxMessage, Shift, Signup
from tests.factories import make_center, make_opportunity, scan
from tests.journey import check_out, register


@pytest.fixture
async def center(session_factory):
    return await make_center(session_factory)


async def test_list_is_paged_newest_first_with_a_button_per_opportunity(harness, session_factory, center):
    for day in range(8):
        await make_opportunity(
            session_factory, center=center, starts=[harness.now + timedelta(days=2)],
            title_en=f"Opportunity {day}", title_ar=f"فرصة {day}", published_at=harness.now - timedelta(days=10 - day),
        )
    omar = harness.person(301)
    await register(omar, "en", gender="male", name="Omar")
    [first] = await omar.send("/opportunities")
    assert first.text.startswith("8 upcoming opportunities.")
    assert "Page 1 of 2" in first.text
    assert first.labels()[:6] == [f"Opportunity {d}" for d in (7, 6, 5, 4, 3, 2)]
    [second] = await omar.press("Next »")
    assert second.message_id == first.message_id  # the list pages in place
    assert second.labels()[:2] == ["Opportunity 1", "Opportunity 0"]


async def test_list_filters_by_center_and_category(harness, session_factory, center):
    other = await make_center(session_factory, code="aziziyah", name_ar="مركز حي العزيزية", name_en="Al-Aziziyah Center")
    await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)], title_en="Water for pilgrims", category="pilgrims")
    await make_opportunity(session_factory, center=other, starts=[harness.now + timedelta(days=1)], title_en="Visit the elderly", category="elderly")
    sara = harness.person(302)
    await register(sara, "en")
    await sara.send("/opportunities")
    await sara.press("🏢 Center")
    [filtered] = await sara.press("Al-Aziziyah Center")
    assert filtered.labels()[0] == "Visit the elderly" and "Water for pilgrims" not in filtered.labels()
    assert "Filter: Al-Aziziyah Center" in filtered.text
    await sara.press("✖ Clear filters")
    await sara.press("🏷 Category")
    [by_category] = await sara.press("Serving pilgrims")
    assert by_category.labels()[0] == "Water for pilgrims" and "Visit the elderly" not in by_category.labels()


async def test_opportunities_for_the_other_gender_are_not_listed(harness, session_factory, center):
    await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)], title_en="Men's team", gender="male")
    sara = harness.person(303)
    await register(sara, "en", gender="female")
    [listing] = await sara.send("/opportunities")
    assert listing.text.startswith("No upcoming opportunities match right now.")


async def test_detail_shows_times_in_riyadh_with_hijri_date_in_arabic(harness, session_factory, center):
    start = harness.now.replace(hour=13, minute=0) + timedelta(days=2)  # 16:00 in Riyadh
    await make_opportunity(session_factory, center=center, starts=[start], capacity=5)
    sara = harness.person(304)
    await register(sara, "ar")
    await sara.send("/opportunities")
    [detail] = await sara.press("خدمة ضيوف الرحمن")
    assert "<b>خدمة ضيوف الرحمن</b>" in detail.text
    assert "🏢 المركز: مركز حي العوالي" in detail.text
    assert "الخميس 3 ديسمبر 2026 (23 جمادى الآخرة 1448 هـ)، 4:00 م – 7:00 م" in detail.text
    assert "بقيت 5 مقاعد" in detail.text
    assert detail.labels() == ["✋ التسجيل في الوردية 1", "« العودة إلى القائمة"]


async def test_english_detail_has_no_hijri_date(harness, session_factory, center):
    start = harness.now.replace(hour=13, minute=0) + timedelta(days=2)
    await make_opportunity(session_factory, center=center, starts=[start], capacity=1)
    omar = harness.person(305)
    await register(omar, "en", gender="male")
    await omar.send("/opportunities")
    [detail] = await omar.press("Serving the pilgrims")
    assert "Thursday 3 December 2026, 4:00 pm – 7:00 pm" in detail.text and "هـ" not in detail.text
    assert "1 seat left" in detail.text


@pytest.mark.parametrize(("language", "confirmed"), [("ar", "✅ تم تسجيلك في"), ("en", "✅ You are signed up for")])
async def test_volunteer_signs_up_and_the_seat_is_taken(harness, session_factory, center, language, confirmed):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)], capacity=2)
    sara = harness.person(306)
    await register(sara, language)
    await sara.send("/opportunities")
    await sara.press("خدمة ضيوف الرحمن" if language == "ar" else "Serving the pilgrims")
    [answer] = await sara.press("✋ التسجيل في الوردية 1" if language == "ar" else "✋ Sign up for shift 1")
    assert answer.text.startswith(confirmed)
    async with session_factory() as session:
        assert (await session.get(Shift, shift.id)).seats_taken == 1


async def test_second_sign_up_for_the_same_shift_is_refused(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)])
    sara = harness.person(307)
    await register(sara, "en")
    await sara.press_data(cd.SignUp(shift.id).data)
    [again] = await sara.press_data(cd.SignUp(shift.id).data)
    assert again.text == "You are already signed up for this shift."
    async with session_factory() as session:
        assert (await session.get(Shift, shift.id)).seats_taken == 1


async def test_full_shift_offers_the_waitlist_and_tells_the_position(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)], capacity=1)
    first, second, third = harness.person(311), harness.person(312), harness.person(313)
    for person in (first, second, third):
        await register(person, "en")
    await first.press_data(cd.SignUp(shift.id).data)
    [full] = await second.press_data(cd.SignUp(shift.id).data)
    assert full.text.startswith("Sorry, this shift is full:")
    [joined] = await second.press("⏳ Join the waitlist")
    assert "You are number 1 in line." in joined.text
    await third.press_data(cd.SignUp(shift.id).data)
    [joined_third] = await third.press("⏳ Join the waitlist")
    assert "You are number 2 in line." in joined_third.text


async def test_cancelling_frees_the_seat_and_promotes_the_first_in_line(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)], capacity=1)
    holder, waiting = harness.person(321), harness.person(322)
    await register(holder, "en")
    await register(waiting, "ar")
    await holder.press_data(cd.SignUp(shift.id).data)
    await waiting.press_data(cd.JoinWaitlist(shift.id).data)
    await holder.press("Cancel my seat")
    [done] = await holder.press("Yes, cancel")
    assert done.text == "Your seat is cancelled. Thank you for letting us know in time."
    async with session_factory() as session:
        promoted = (await session.execute(select(Signup).where(Signup.volunteer_id != None, Signup.status == "confirmed"))).scalars().all()  # noqa: E711
        notice = (await session.execute(select(OutboxMessage))).scalar_one()
        assert (await session.get(Shift, shift.id)).seats_taken == 1
    assert len(promoted) == 1 and notice.chat_id == 322 and notice.kind == "promoted"
    # The promoted volunteer is told in their own language when the outbox sends the notice.
    from handlers.notices import render_notice

    async with session_factory() as session:
        rendered = await render_notice(session, harness.app.bot_data.services.catalogs.for_language("ar"), notice)
    assert rendered is not None and rendered.text.startswith("🎉 بشرى سارة! توفّر مقعد وأصبح لك")


async def test_volunteer_can_keep_the_seat_after_all(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)])
    sara = harness.person(323)
    await register(sara, "en")
    await sara.press_data(cd.SignUp(shift.id).data)
    await sara.press("Cancel my seat")
    [kept] = await sara.press("No, keep it")
    assert kept.text == "Good, your place is kept."
    async with session_factory() as session:
        assert (await session.get(Shift, shift.id)).seats_taken == 1


async def test_sign_up_refused_once_the_shift_started(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(hours=1)])
    sara = harness.person(331)
    await register(sara, "ar")
    harness.advance(hours=1, minutes=5)
    [refusal] = await sara.press_data(cd.SignUp(shift.id).data)
    assert refusal.text == "لقد بدأت هذه الوردية، لذا أُغلق التسجيل فيها."


async def test_sign_up_refused_for_the_other_gender(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)], gender="male")
    sara = harness.person(332)
    await register(sara, "en", gender="female")
    [refusal] = await sara.press_data(cd.SignUp(shift.id).data)
    assert refusal.text == "Sorry, this opportunity is for men only."


async def test_sign_up_refused_when_it_overlaps_a_held_shift(harness, session_factory, center):
    start = harness.now + timedelta(days=1)
    _, [held] = await make_opportunity(session_factory, center=center, starts=[start], hours=3)
    _, [clash] = await make_opportunity(session_factory, center=center, starts=[start + timedelta(hours=2)], title_en="Cleanup")
    sara = harness.person(333)
    await register(sara, "en")
    await sara.press_data(cd.SignUp(held.id).data)
    [refusal] = await sara.press_data(cd.SignUp(clash.id).data)
    assert refusal.text.startswith("You already hold a shift at that time (")
    async with session_factory() as session:
        assert (await session.get(Shift, clash.id)).seats_taken == 0


async def test_my_schedule_lists_upcoming_with_cancel_buttons_and_past_with_hours(harness, session_factory, center):
    _, [soon] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(hours=1)], hours=2)
    _, [later] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=3)], title_en="Tree planting", category="environment")
    sara = harness.person(341)
    await register(sara, "en")
    await sara.press_data(cd.SignUp(soon.id).data)
    await sara.press_data(cd.SignUp(later.id).data)
    [schedule] = await sara.send("/my")
    assert "Serving the pilgrims" in schedule.text and "Tree planting" in schedule.text
    assert schedule.labels() == ["Cancel shift 1", "📅 Calendar 1", "Cancel shift 2", "📅 Calendar 2"]
    harness.advance(minutes=60)
    await sara.send(scan(soon, harness.now))
    harness.advance(minutes=90)
    await check_out(sara)
    harness.advance(hours=1)
    [after] = await sara.send("/my")
    assert "Past shifts" in after.text and "Serving the pilgrims" in after.text.split("Past shifts")[1]
    assert "1 hour and 30 minutes credited" in after.text
    assert after.labels() == ["Cancel shift 1", "📅 Calendar 1"]
