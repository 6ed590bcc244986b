"""/profile: a volunteer changes their own details (each change audited), and a gender change waits
for a coordinator of their center, who confirms it (places that no longer fit are given up, the
waitlist moves up) or declines it; /setprofile now tells the volunteer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.sender import drain_once
from handlers import callback_data as cd
from models.tables import AuditLog, Signup, Volunteer
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center, make_opportunity
from tests.journey import register

SARA = 7_013_579


async def stored(harness, telegram_id: int) -> Volunteer:
    async with sessions(harness)() as session:
        return (await session.execute(select(Volunteer).where(Volunteer.telegram_id == telegram_id))).scalar_one()


@pytest.mark.parametrize(
    ("language", "card_title", "name_line", "bad_phone"),
    [
        ("ar", "👤 ملفك", "الاسم: نورة العتيبي",
         "لا يبدو هذا رقم جوال. أرسل رقمًا مثل 0501234567، أو رقمًا دوليًا يبدأ بـ + أو 00."),
        ("en", "👤 Your profile", "Name: نورة العتيبي",
         "That does not look like a phone number. Please send a mobile number such as 0501234567, "
         "or an international one starting with + or 00."),
    ],
)
async def test_volunteer_changes_name_emergency_contact_center_and_phone_and_each_change_is_audited(
    harness, session_factory, language, card_title, name_line, bad_phone
):
    awali = await make_center(session_factory)
    await make_center(session_factory, code="zahir", name_ar="مركز حي الزاهر", name_en="Al-Zahir Center")
    sara = harness.person(SARA)
    await register(sara, language, name="Sara")

    [card] = await sara.send("/profile")
    assert card.plain.startswith(card_title)
    t = harness.app.bot_data.services.catalogs.for_language(language)
    await sara.press(t.gettext("✏️ Name"), card)
    assert sara.last().text.startswith(t.gettext("Please type your name as it should be shown."))
    [refused] = await sara.send("x")
    assert refused.text == t.gettext("Please send a name between 2 and 64 letters.")
    answer = await sara.send("  نورة   العتيبي ")
    assert answer[-1].plain.startswith(card_title) and name_line in answer[-1].plain

    await sara.press(t.gettext("🆘 Emergency contact"), answer[-1])
    await sara.send("أبو نورة")
    [refused] = await sara.send("12345")
    assert refused.text == bad_phone
    await sara.send("٠٥٠ ١٢٣ ٤٥٦٧")  # Arabic-Indic digits with spaces, as people type them
    person = await stored(harness, SARA)
    assert (person.display_name, person.emergency_name, person.emergency_phone) == ("نورة العتيبي", "أبو نورة", "+966501234567")

    await sara.press(t.gettext("🏘 Center"), sara.find_button_message(t.gettext("🏘 Center")))
    await sara.press("مركز حي الزاهر" if language == "ar" else "Al-Zahir Center")
    await sara.share_contact("966512345678")
    await sara.press_data(cd.ProfileEdit("phone_remove").data, sara.find_button_message(t.gettext("📱 Phone")))
    person = await stored(harness, SARA)
    assert person.center_id != awali.id and person.phone is None

    lines = [(line.action, line.actor_telegram_id, line.target, line.detail) for line in await audit(harness) if line.action.startswith("profile.")]
    target = f"volunteer:{SARA}"
    assert lines == [
        ("profile.name", SARA, target, "name: Sara -> نورة العتيبي"),
        ("profile.emergency", SARA, target, "emergency contact: added"),
        ("profile.center", SARA, target, "center: awali -> zahir"),
        ("profile.phone", SARA, target, "phone: added"),
        ("profile.phone", SARA, target, "phone: removed"),
    ]


async def test_language_changed_from_the_profile_is_audited_and_the_card_speaks_it(harness, session_factory):
    await make_center(session_factory)
    sara = harness.person(SARA)
    await register(sara, "ar", name="Sara")
    [card] = await sara.send("/profile")
    await sara.press("🌐 اللغة", card)
    changed = await sara.press("English")
    assert any(m.plain.startswith("👤 Your profile") for m in changed)
    assert changed[-1].text == "Done. I will speak to you in this language from now on."
    [line] = [line for line in await audit(harness) if line.action == "profile.language"]
    assert line.detail == "language: ar -> en"


async def _gender_request(harness, session_factory, language: str):
    """A woman on a women-only shift (and a man waiting for nothing) asks to be recorded as a man."""
    center = await make_center(session_factory)
    start = harness.now + timedelta(days=3)
    _, (women_only,) = await make_opportunity(session_factory, center=center, starts=[start], capacity=1, gender="female",
                                              title_en="Women's clinic", title_ar="عيادة النساء")
    _, (open_to_all,) = await make_opportunity(session_factory, center=center, starts=[start + timedelta(days=1)])
    coordinator = await make_person(harness, 8_100_001, center=center, role="coordinator", centers=[center], language=language,
                                    name="Coordinator Huda")
    other_center = await make_center(session_factory, code="zahir", name_ar="مركز حي الزاهر", name_en="Al-Zahir Center")
    await make_person(harness, 8_100_002, center=other_center, role="coordinator", centers=[other_center])
    sara = harness.person(SARA)
    await register(sara, language, name="Sara")
    await sara.press_data(cd.SignUp(women_only.id).data)
    await sara.press_data(cd.SignUp(open_to_all.id).data)
    waiting = harness.person(7_000_222)
    await register(waiting, language, name="Reem")
    await waiting.press_data(cd.SignUp(women_only.id).data)
    await waiting.press_data(cd.JoinWaitlist(women_only.id).data)
    t = harness.app.bot_data.services.catalogs.for_language(language)
    [card] = await sara.send("/profile")
    [question] = await sara.press(t.gettext("⚧ Gender"), card)
    return t, sara, waiting, coordinator, question, women_only


@pytest.mark.parametrize(
    ("language", "asked", "coordinator_sees"),
    [
        ("ar", "جنسك في الملف: امرأة.", "⚧ يطلب Sara (رقم تيليجرام 7013579، مركز حي العوالي) تغيير جنسه في الملف من «امرأة» إلى «رجل»."),
        ("en", "You are recorded as a woman.", "⚧ Sara (Telegram id 7013579, Al-Awali Center) asks to be recorded as a man instead of a woman."),
    ],
)
async def test_gender_change_waits_for_a_coordinator_who_confirms_it_and_the_women_only_seat_goes_to_the_waitlist(
    harness, session_factory, language, asked, coordinator_sees
):
    t, sara, waiting, coordinator, question, women_only = await _gender_request(harness, session_factory, language)
    assert question.plain.startswith(asked)
    assert ("عيادة النساء" if language == "ar" else "Women's clinic") in question.plain
    await sara.press(t.gettext("📨 Send the request"), question)
    person = await stored(harness, SARA)
    assert (person.gender, person.pending_gender) == ("female", "male")  # nothing changes before a coordinator confirms
    [card] = await sara.send("/profile")
    assert t.gettext("(⏳ your request to be recorded as {gender} waits for a coordinator)").format(gender=t.gettext("a man")) in card.plain

    await drain_once(harness.app)
    [notice] = harness.telegram.to(coordinator.telegram_id)
    assert notice.plain.startswith(coordinator_sees)
    assert ("عيادة النساء" if language == "ar" else "Women's clinic") in notice.plain
    assert harness.telegram.to(8_100_002) == []  # another center's coordinator decides nothing here

    huda = harness.person(coordinator.telegram_id)
    [decided] = await huda.press(t.gettext("✅ Confirm"), notice)
    assert decided.plain.startswith(t.gettext("✅ Confirmed: {name} is now recorded as {gender}. They are told.").format(
        name="Sara", gender=t.gettext("a man")))
    person = await stored(harness, SARA)
    assert (person.gender, person.pending_gender) == ("male", None)
    async with session_factory() as session:
        seats = {s.volunteer_id: s.status for s in (await session.execute(select(Signup).where(Signup.shift_id == women_only.id))).scalars()}
    reem = await stored(harness, waiting.user_id)
    assert seats == {person.id: "cancelled", reem.id: "confirmed"}  # the waitlist moved up

    harness.advance(seconds=5)
    await drain_once(harness.app)
    told = sara.last().plain
    assert told.startswith(t.gettext("⚧ A coordinator confirmed it: you are now recorded as {gender}.").format(gender=t.gettext("a man")))
    assert ("عيادة النساء" if language == "ar" else "Women's clinic") in told
    assert "🎉" in waiting.last().plain  # Reem got the seat, through the usual promotion notice
    [line] = [line for line in await audit(harness) if line.action == "profile.gender"]
    assert (line.actor_telegram_id, line.detail) == (coordinator.telegram_id, "gender: female -> male")

    await huda.press_data(cd.GenderChangeDecide(person.id, "male", "no").data, notice)  # a second decision
    assert (await stored(harness, SARA)).gender == "male"
    assert harness.telegram.callback_answers[-1]["text"] == t.gettext("This request was already decided, or asked again since.")


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_declined_gender_change_keeps_the_profile_and_the_seats(harness, session_factory, language):
    t, sara, _, coordinator, question, women_only = await _gender_request(harness, session_factory, language)
    await sara.press(t.gettext("📨 Send the request"), question)
    await drain_once(harness.app)
    [notice] = harness.telegram.to(coordinator.telegram_id)
    [decided] = await harness.person(coordinator.telegram_id).press(t.gettext("❌ Decline"), notice)
    assert decided.plain == t.gettext("❌ Declined: {name}'s profile stays as it was. They are told.").format(name="Sara")
    person = await stored(harness, SARA)
    assert (person.gender, person.pending_gender) == ("female", None)
    async with session_factory() as session:
        mine = (await session.execute(select(Signup).where(Signup.shift_id == women_only.id, Signup.volunteer_id == person.id))).scalar_one()
    assert mine.status == "confirmed"
    harness.advance(seconds=5)
    await drain_once(harness.app)
    assert sara.last().plain.startswith(t.gettext(
        "⚧ A coordinator did not confirm the change of gender you asked for: your profile stays as it was. "
        "You can ask a coordinator of your center if you have questions."))
    assert [line.action for line in await audit(harness) if line.action.startswith("profile.gender")] == [
        "profile.gender_request", "profile.gender_decline"]


async def test_a_forged_decision_from_a_volunteer_is_refused_and_audited(harness, session_factory):
    t, sara, waiting, _, question, _ = await _gender_request(harness, session_factory, "en")
    await sara.press(t.gettext("📨 Send the request"), question)
    person = await stored(harness, SARA)
    await waiting.press_data(cd.GenderChangeDecide(person.id, "male", "yes").data)
    assert (await stored(harness, SARA)).gender == "female"
    refused = [line for line in await audit(harness, allowed=False) if line.action == "profile.gender"]
    assert refused and refused[-1].actor_telegram_id == waiting.user_id


@pytest.mark.parametrize(
    ("language", "told"),
    [("ar", "🏘 نقلك منسّق إلى مركز حي الزاهر، فصارت فرصه ومنسّقوه لك الآن."),
     ("en", "🏘 A coordinator moved you to Al-Zahir Center. Its opportunities and coordinators are yours now.")],
)
async def test_setprofile_tells_the_volunteer_what_a_coordinator_changed(harness, session_factory, language, told):
    center = await make_center(session_factory)
    await make_center(session_factory, code="zahir", name_ar="مركز حي الزاهر", name_en="Al-Zahir Center")
    await make_person(harness, 8_100_001, center=center, role="coordinator", centers=[center])
    sara = harness.person(SARA)
    await register(sara, language, name="Sara")
    [done] = await harness.person(8_100_001).send(f"/setprofile {SARA} center zahir")
    assert "Sara" in done.plain, done.plain
    harness.advance(seconds=5)
    await drain_once(harness.app)
    assert sara.last().plain.startswith(told)
    async with session_factory() as session:
        [line] = (await session.execute(select(AuditLog).where(AuditLog.action == "profile.center"))).scalars()
    assert line.actor_telegram_id == 8_100_001
