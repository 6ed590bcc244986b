"""Proof of presence by location: what cannot be faked, and a live location followed quietly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import callback_data as cd
from models.tables import Attendance
from tests.coordinator_support import sessions
from tests.factories import FAR_AWAY, SITE, make_center, make_opportunity
from tests.journey import register

# Points north of the site (one degree of latitude is about 111 km): inside, and clearly outside.
NEAR = (SITE[0] + 0.001, SITE[1])  # ~110 m: within the 300 m radius
OUTSIDE = (SITE[0] + 0.006, SITE[1])  # ~670 m: beyond the radius and its margin


@pytest.fixture
async def shift(harness, session_factory):
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(hours=2)], hours=3)
    return shift


async def holder(harness, shift, language, user_id=601):
    person = harness.person(user_id, language_code=language)
    await register(person, language)
    await person.press_data(cd.SignUp(shift.id).data)
    harness.advance(hours=2, minutes=5)  # the shift has started
    return person


async def records(harness) -> list[Attendance]:
    async with sessions(harness)() as session:
        return list((await session.execute(select(Attendance).order_by(Attendance.id))).scalars())  # type: ignore[arg-type]


FORWARDED = {
    "en": "This location was forwarded or sent through another bot, so it does not show where you are. Please share your own location at the site (best: your live location, from 📎 → Location), or scan the code your coordinator shows.",
    "ar": "هذا الموقع مُعاد توجيهه أو مُرسَل عبر بوت آخر، فلا يدل على مكانك أنت. يُرجى مشاركة موقعك أنت من مكان الفرصة (والأفضل موقعك المباشر، من 📎 ← الموقع)، أو امسح الرمز الذي يعرضه المنسّق.",
}


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_friends_forwarded_location_at_the_site_does_not_check_anyone_in(harness, shift, language):
    sara = await holder(harness, shift, language)
    [refused] = await sara.forward_location(*SITE)
    assert refused.text == FORWARDED[language]
    [refused_live] = await sara.forward_location(*SITE, live=True)
    assert refused_live.text == FORWARDED[language]
    assert await records(harness) == []


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_location_posted_through_an_inline_bot_is_refused_like_a_forward(harness, shift, language):
    sara = await holder(harness, shift, language)
    inline_bot = {"id": 8_000_000_001, "is_bot": True, "first_name": "Maps", "username": "maps_bot"}
    [refused] = await sara.share_location(*SITE, via_bot=inline_bot)
    assert refused.text == FORWARDED[language]
    assert await records(harness) == []


@pytest.mark.parametrize(("language", "text"), [
    ("en", "This is a place picked from a list: it shows where the place is, not where you are. Please share your own location"),
    ("ar", "هذا مكان مختار من قائمة: يدل على موضع المكان، لا على موضعك أنت. يُرجى مشاركة موقعك أنت"),
])
async def test_a_venue_pin_dropped_on_the_site_is_refused(harness, shift, language, text):
    sara = await holder(harness, shift, language)
    [refused] = await sara.share_venue(*SITE)
    assert refused.text.startswith(text)
    assert await records(harness) == []


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Your phone can place you only within 800 m, which is not precise enough to tell whether you are at the site of <b>Serving the pilgrims</b>. Please step into the open"),
    ("ar", "لا يستطيع هاتفك تحديد موقعك إلا في حدود 800 م، وهذه دقة لا تكفي لمعرفة ما إذا كنت في مكان <b>خدمة ضيوف الرحمن</b>. يُرجى الخروج إلى مكان مكشوف"),
])
async def test_a_location_less_precise_than_the_site_asks_to_try_again_in_the_open(harness, shift, language, text):
    sara = await holder(harness, shift, language)
    [again] = await sara.share_location(*NEAR, accuracy=800)
    assert again.text.startswith(text)
    assert await records(harness) == []
    [ok] = await sara.share_location(*NEAR, accuracy=25)
    assert ok.text.startswith("🟢")
    [record] = await records(harness)
    assert record.method == "location"


async def test_an_imprecise_location_clearly_far_away_is_simply_too_far(harness, shift):
    sara = await holder(harness, shift, "en")
    [far] = await sara.share_location(*FAR_AWAY, accuracy=500)
    assert far.text.startswith("You seem to be 5.5 km away from the site of <b>Serving the pilgrims</b>.")


@pytest.mark.parametrize(("language", "lines"), [
    ("en", ["To check in, at the site:",
            "📡 Best: share your live location. Tap 📎, then Location, then Share My Live Location (the button below can send only your current location).",
            "📍 Or send your current location with the button below.",
            "🔳 Or scan the QR code your coordinator shows, or type the 6 digits shown under it here."]),
    ("ar", ["لتسجيل حضورك وأنت في الموقع:",
            "📡 الأفضل: شارك موقعك المباشر. اضغط 📎 ثم «الموقع» ثم «مشاركة موقعي المباشر» (الزر أدناه يرسل موقعك الحالي فقط).",
            "📍 أو أرسل موقعك الحالي بالزر أدناه.",
            "🔳 أو امسح رمز QR الذي يعرضه المنسّق، أو اكتب هنا الأرقام الستة الظاهرة تحته."]),
])
async def test_the_check_in_prompt_asks_for_a_live_location_first(harness, shift, language, lines):
    sara = await holder(harness, shift, language)
    [prompt] = await sara.send("/checkin")
    assert prompt.text.splitlines() == lines
    assert prompt.reply_keyboard()[0]["request_location"] is True


@pytest.mark.parametrize(("language", "checked_in", "live_hint"), [
    ("en", "🟢 You are checked in to <b>Serving the pilgrims</b>.",
     "📡 Keep sharing your live location: if you seem to leave the site, I will ask whether to check you out."),
    ("ar", "🟢 تم تسجيل حضورك في <b>خدمة ضيوف الرحمن</b>",
     "📡 استمر في مشاركة موقعك المباشر: إن بدا أنك غادرت الموقع فسأسألك هل تريد تسجيل انصرافك."),
])
async def test_a_live_location_with_ten_updates_gives_one_check_in_and_one_reply(harness, shift, language, checked_in, live_hint):
    sara = await holder(harness, shift, language)
    live, answers = await sara.share_live_location(*SITE, accuracy=15)
    [answer] = answers
    assert answer.text.startswith(checked_in) and answer.text.endswith(live_hint)
    for step in range(10):
        harness.advance(minutes=1)
        assert await sara.move_live_location(live, SITE[0] + 0.0001 * step, SITE[1], accuracy=15) == []
    [record] = await records(harness)
    assert record.method == "live" and record.checked_out_at is None
    assert record.live_seen_at == harness.now and record.live_distance_m == 100
    assert record.left_site_at is None


async def test_a_live_location_shared_on_the_way_checks_in_on_arrival_and_says_so_once(harness, shift):
    sara = await holder(harness, shift, "en")
    live, [far] = await sara.share_live_location(*FAR_AWAY)
    assert far.text.endswith("📡 Keep sharing your live location: I will check you in as soon as you are at the site and check-in is open.")
    harness.advance(minutes=5)
    assert await sara.move_live_location(live, *OUTSIDE) == []  # still on the way: silence
    harness.advance(minutes=5)
    [arrived] = await sara.move_live_location(live, *NEAR)
    assert arrived.text.startswith("🟢 You are checked in to <b>Serving the pilgrims</b>.")
    for _ in range(3):
        harness.advance(minutes=1)
        assert await sara.move_live_location(live, *SITE) == []
    [record] = await records(harness)
    assert record.method == "live" and record.checked_in_at == harness.now - timedelta(minutes=3)


@pytest.mark.parametrize(("language", "left", "button", "done"), [
    ("en", "📡 You seem to have left the site of <b>Serving the pilgrims</b>. Check out now? If you are still there, ignore this: you stay checked in.",
     "🏁 Check out", "🏁 Checked out of <b>Serving the pilgrims</b>. 40 minutes credited to you. Thank you for your time!"),
    ("ar", "📡 يبدو أنك غادرت موقع <b>خدمة ضيوف الرحمن</b>. هل تريد تسجيل انصرافك الآن؟ إن كنت لا تزال هناك فتجاهل هذه الرسالة، وسيبقى حضورك مسجّلًا.",
     "🏁 تسجيل الانصراف", "🏁 تم تسجيل انصرافك من <b>خدمة ضيوف الرحمن</b>، واحتُسبت لك 40 دقيقة."),
])
async def test_leaving_the_site_with_a_live_location_asks_once_whether_to_check_out(harness, shift, language, left, button, done):
    sara = await holder(harness, shift, language)
    live, _ = await sara.share_live_location(*SITE)
    harness.advance(minutes=30)
    assert await sara.move_live_location(live, SITE[0] + 0.0035, SITE[1], accuracy=100) == []  # 390 m, but ±100 m: not clearly out
    harness.advance(minutes=10)
    [asked] = await sara.move_live_location(live, *OUTSIDE)
    assert asked.text == left and asked.labels() == [button]
    for _ in range(5):  # still outside, back inside, outside again: asked once per check-in
        harness.advance(minutes=2)
        assert await sara.move_live_location(live, *FAR_AWAY) == []
        assert await sara.move_live_location(live, *SITE) == []
    [record] = await records(harness)
    assert record.checked_out_at is None and record.credited_minutes == 0  # nothing changed on its own
    assert record.left_site_at == harness.now - timedelta(minutes=10)
    harness.now = record.left_site_at
    tapped = asked.inline_buttons()[0]["callback_data"]
    [checked_out] = await sara.press(button, asked)
    assert checked_out.text.startswith(done) and checked_out.labels() == []
    [record] = await records(harness)
    assert record.checked_out_at == record.left_site_at and record.credited_minutes == 40
    await sara.press_data(tapped, asked)  # a second tap
    assert harness.telegram.callback_answers[-1]["show_alert"] is True


async def test_live_updates_after_checking_out_stay_silent_and_check_no_one_in_again(harness, shift):
    sara = await holder(harness, shift, "en")
    live, _ = await sara.share_live_location(*SITE)
    harness.advance(minutes=20)
    [asked] = await sara.move_live_location(live, *OUTSIDE)
    await sara.press("🏁 Check out", asked)
    harness.advance(minutes=5)
    assert await sara.move_live_location(live, *FAR_AWAY) == []
    assert await sara.move_live_location(live, *SITE) == []  # back on the site: no second check-in
    [record] = await records(harness)
    assert record.checked_out_at == harness.now - timedelta(minutes=5) and record.credited_minutes == 20
