"""Station mode: a volunteer's personal pass, scanned by a coordinator to check them in or out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.sender import drain_once
from handlers import callback_data as cd
from models.tables import Attendance, OutboxMessage, Shift, Signup, SignupStatus, Volunteer
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center, make_opportunity
from tests.harness import BotHarness

COORDINATOR = 6_300_000_001
OUTSIDER = 6_300_000_002  # coordinator of another center
SARA = 7_300_000_001
OMAR = 7_300_000_002
LINK = re.compile(r"https://t\.me/volunteer_test_bot\?start=pass-([A-Za-z0-9_-]+)")

TEXTS = {
    "en": {
        "renew": "🔄 Renew my pass", "yes": "🔄 Yes, renew", "renewed": "✅ Your pass is renewed",
        "stale": "This pass is no longer valid: it was renewed, or the code is incomplete.",
        "ask": "Check Sara in to <b>Serving the pilgrims</b>", "in": "✅ Check Sara in",
        "done_in": "✅ Sara is checked in to <b>Serving the pilgrims</b> at 9:10 am. They are told in their chat.",
        "out": "🏁 Check Sara out",
        "done_out": "🏁 Sara is checked out of <b>Serving the pilgrims</b>: 2 hours and 50 minutes credited. They are told in their chat.",
        "told_in": "🟢 A coordinator checked you in to <b>Serving the pilgrims</b>",
        "told_out": "🏁 A coordinator checked you out of <b>Serving the pilgrims</b> with your pass at 12:00 pm. 2 hours and 50 minutes credited to you.",
    },
    "ar": {
        "renew": "🔄 تجديد بطاقتي", "yes": "🔄 نعم، جدّدها", "renewed": "✅ جُدِّدت بطاقتك",
        "stale": "هذه البطاقة لم تعد صالحة: فقد جُدِّدت، أو أن الرمز ناقص.",
        "ask": "هل تسجّل حضور Sara في <b>خدمة ضيوف الرحمن</b>", "in": "✅ تسجيل حضور Sara",
        "done_in": "✅ سُجِّل حضور Sara في <b>خدمة ضيوف الرحمن</b> الساعة 9:10 ص، وأُبلغ بذلك في محادثته.",
        "out": "🏁 تسجيل انصراف Sara",
        "done_out": "🏁 سُجِّل انصراف Sara من <b>خدمة ضيوف الرحمن</b>، واحتُسبت له ساعتان و50 دقيقة، وأُبلغ بذلك في محادثته.",
        "told_in": "🟢 سجّل أحد المنسقين حضورك في <b>خدمة ضيوف الرحمن</b>",
        "told_out": "🏁 سجّل أحد المنسقين انصرافك من <b>خدمة ضيوف الرحمن</b> ببطاقتك الساعة 12:00 م، واحتُسبت لك ساعتان و50 دقيقة.",
    },
}


async def _station(harness: BotHarness, *, language: str = "en", capacity: int = 5, seat: bool = True, gender: str = "all"):  # type: ignore[no-untyped-def]
    """Al-Awali's shift opening in 20 minutes (check-in is open), its coordinator, and Sara."""
    factory = sessions(harness)
    awali = await make_center(factory)
    other = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language=language, name="Khalid")
    await make_person(harness, OUTSIDER, role="coordinator", centers=[other], language=language, name="Fahd")
    _, (shift,) = await make_opportunity(factory, center=awali, starts=[harness.now + timedelta(minutes=20)], capacity=capacity, gender=gender)
    sara = await make_person(harness, SARA, center=awali, gender="female", language=language, name="Sara")
    if seat:
        async with factory() as session, session.begin():
            session.add(Signup(shift_id=shift.id, volunteer_id=sara.id, status=SignupStatus.CONFIRMED, signed_up_at=harness.now - timedelta(days=1)))
            (await session.get(Shift, shift.id)).seats_taken += 1
    return shift


async def _shift_id(harness: BotHarness) -> int:
    async with sessions(harness)() as session:
        return (await session.execute(select(Shift.id))).scalar_one()


async def _token(harness: BotHarness, telegram_id: int = SARA) -> str:
    sent = await harness.person(telegram_id).send("/pass")
    match = LINK.search(sent[-1].text)
    assert match is not None, sent[-1].text
    return match.group(1)


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_volunteer_shows_their_pass_and_renewing_it_retires_the_old_one(harness, language):
    await _station(harness, language=language)
    texts = TEXTS[language]
    sara = harness.person(SARA)
    sent = await sara.send("/pass")
    assert harness.telegram.calls_to(SARA, "sendPhoto") and sent[-1].file is not None and sent[-1].file.startswith(b"\x89PNG")
    assert sent[-1].labels() == [texts["renew"]]
    token = LINK.search(sent[-1].text).group(1)  # type: ignore[union-attr]
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", token) and len(f"pass-{token}") <= 64
    assert await _token(harness) == token, "the pass stays the same until it is renewed"

    await sara.press(texts["renew"])
    sent = await sara.press(texts["yes"])
    assert sent[0].text.startswith(texts["renewed"])
    renewed = LINK.search(sent[-1].text).group(1)  # type: ignore[union-attr]
    assert renewed != token
    async with sessions(harness)() as session:
        stored = (await session.execute(select(Volunteer.pass_token).where(Volunteer.telegram_id == SARA))).scalar_one()
    assert stored == renewed
    assert [(line.action, line.actor_telegram_id) for line in await audit(harness, allowed=True)] == [("pass.renew", SARA)]

    coordinator = harness.person(COORDINATOR)
    assert (await coordinator.send(f"/start pass-{token}"))[-1].text.startswith(texts["stale"])
    assert texts["ask"] in (await coordinator.send(f"/start pass-{renewed}"))[-1].text
    refused = await audit(harness, allowed=False)
    assert [(line.action, line.detail) for line in refused] == [("pass.scan", "unknown or renewed pass")]
    assert token not in " ".join(str(line.detail) + str(line.target) for line in await audit(harness)), "tokens are never logged"


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_coordinator_checks_a_volunteer_in_and_out_with_their_pass_and_the_volunteer_is_told(harness, language):
    shift = await _station(harness, language=language)
    texts = TEXTS[language]
    token = await _token(harness)
    coordinator = harness.person(COORDINATOR)
    harness.advance(minutes=10)  # 09:10 in Makkah, ten minutes before the start
    card = (await coordinator.send(f"/start pass-{token}"))[-1]
    assert texts["ask"] in card.text and card.labels()[0] == texts["in"]
    [done] = await coordinator.press(texts["in"])
    assert done.text == texts["done_in"]
    await drain_once(harness.app)
    assert harness.person(SARA).last_text().startswith(texts["told_in"])

    harness.advance(hours=2, minutes=50)
    card = (await coordinator.send(f"/start pass-{token}"))[-1]
    assert card.labels()[0] == texts["out"]
    [done] = await coordinator.press(texts["out"])
    assert done.text == texts["done_out"]
    await drain_once(harness.app)
    assert harness.person(SARA).last_text().startswith(texts["told_out"])

    async with sessions(harness)() as session:
        record = (await session.execute(select(Attendance))).scalar_one()
    assert (record.shift_id, record.method, record.credited_minutes) == (shift.id, "pass", 170)
    assert record.checked_out_by == COORDINATOR, "a check-out the coordinator made is not the volunteer's to undo"
    lines = [(line.action, line.actor_telegram_id) for line in await audit(harness, allowed=True)]
    assert lines == [("pass.check_in", COORDINATOR), ("pass.check_out", COORDINATOR)]
    # The card's buttons do not act twice: the record is closed.
    await coordinator.press_data(cd.PassCheckOut(token, record.id or 0).data, card)
    assert "is not checked in any more" in coordinator.last_text() or "لم يعد" in coordinator.last_text()


async def test_a_volunteer_without_a_seat_is_added_as_a_walk_in(harness):
    shift = await _station(harness, seat=False)
    token = await _token(harness)
    coordinator = harness.person(COORDINATOR)
    card = (await coordinator.send(f"/start pass-{token}"))[-1]
    assert "Sara has no seat on <b>Serving the pilgrims</b>" in card.text
    [done] = await coordinator.press("➕ Add as a walk-in and check in")
    assert done.text.endswith("They are told in their chat.\nAdded to the shift as a walk-in.")
    async with sessions(harness)() as session:
        signup = (await session.execute(select(Signup))).scalar_one()
        seats = (await session.get(Shift, shift.id)).seats_taken
    assert (signup.status, signup.walk_in, seats) == ("confirmed", True, 1)
    assert (await audit(harness, allowed=True))[-1].detail.endswith(" walk-in")
    harness.advance(seconds=5)  # a chat gets one message a second; the pass was just sent
    await drain_once(harness.app)
    assert "you were added to this shift as a walk-in" in harness.person(SARA).last_text()


async def test_a_walk_in_over_capacity_needs_the_coordinators_confirmation(harness):
    shift = await _station(harness, seat=False, capacity=1)
    other = await make_person(harness, OMAR, name="Omar")
    async with sessions(harness)() as session, session.begin():
        session.add(Signup(shift_id=shift.id, volunteer_id=other.id, status=SignupStatus.CONFIRMED))
        (await session.get(Shift, shift.id)).seats_taken = 1
    token = await _token(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send(f"/start pass-{token}")
    [asked] = await coordinator.press("➕ Add as a walk-in and check in")
    assert asked.text == "<b>Serving the pilgrims</b> is full: 1 of 1 seats are taken. Add Sara anyway, over capacity?"
    async with sessions(harness)() as session:
        assert (await session.execute(select(func.count()).select_from(Attendance))).scalar_one() == 0
    [done] = await coordinator.press("➕ Yes, add over capacity")
    assert done.text.endswith("Added to the shift as a walk-in.\nOver capacity: 2 of 1 seats are taken now.")
    async with sessions(harness)() as session:
        assert (await session.get(Shift, shift.id)).seats_taken == 2
        assert (await session.execute(select(Attendance.method))).scalar_one() == "pass"
    assert (await audit(harness, allowed=True))[-1].detail.endswith(" walk-in over-capacity")


async def test_a_pass_scanned_by_a_coordinator_of_another_center_is_refused(harness):
    shift = await _station(harness)
    token = await _token(harness)
    outsider = harness.person(OUTSIDER)
    [refused] = await outsider.send(f"/start pass-{token}")
    assert "Sara's shift at this time belongs to a center you do not manage" in refused.text and refused.labels() == []
    await outsider.press_data(cd.PassCheckIn(token, shift.id).data, refused)  # a button made by hand
    assert harness.telegram.callback_answers[-1]["text"] == "Sorry, you do not manage this center, so you cannot do that."
    async with sessions(harness)() as session:
        assert (await session.execute(select(func.count()).select_from(Attendance))).scalar_one() == 0
    lines = [(line.action, line.actor_telegram_id, line.allowed) for line in await audit(harness)]
    assert lines == [("pass.scan", OUTSIDER, False), ("pass.check_in", OUTSIDER, False)]


async def test_the_arabic_refusal_for_another_centers_coordinator(harness):
    await _station(harness, language="ar")
    token = await _token(harness)
    [refused] = await harness.person(OUTSIDER).send(f"/start pass-{token}")
    assert "عذرًا، وردية Sara في هذا الوقت تتبع مركزًا لا تديره" in refused.text


async def test_a_pass_scanned_by_a_volunteer_or_its_owner_does_nothing(harness):
    await _station(harness)
    token = await _token(harness)
    await make_person(harness, OMAR, language="en", name="Omar")
    [told] = await harness.person(OMAR).send(f"/start pass-{token}")
    assert told.text.startswith("This is a volunteer's personal pass.") and "Sara" not in told.text
    [own] = await harness.person(SARA).send(f"/start pass-{token}")
    assert own.text.startswith("🪪 This is your own pass.")
    newcomer = harness.person(7_300_000_009)
    sent = await newcomer.send(f"/start pass-{token}")
    assert sent[0].text.startswith("هذه بطاقة شخصية لأحد المتطوعين") and sent[-1].labels() == ["العربية", "English"]
    # A coordinator cannot vouch for themselves with their own pass, even with a button made by hand.
    shift_id = (await _shift_id(harness))
    own = await _token(harness, COORDINATOR)
    coordinator = harness.person(COORDINATOR)
    assert (await coordinator.send(f"/start pass-{own}"))[-1].text.startswith("🪪 This is your own pass.")
    await coordinator.press_data(cd.PassCheckIn(own, shift_id).data)
    assert harness.telegram.callback_answers[-1]["text"].startswith("🪪 This is your own pass.")
    async with sessions(harness)() as session:
        assert (await session.execute(select(func.count()).select_from(Attendance))).scalar_one() == 0
    assert [line.detail for line in await audit(harness, allowed=False)] == ["not staff", "not staff", "own pass"]


async def test_a_card_is_refused_once_the_pass_was_renewed(harness):
    await _station(harness)
    token = await _token(harness)
    coordinator = harness.person(COORDINATOR)
    card = (await coordinator.send(f"/start pass-{token}"))[-1]
    sara = harness.person(SARA)
    await sara.press("🔄 Renew my pass")
    await sara.press("🔄 Yes, renew")
    await coordinator.press("✅ Check Sara in", card)
    assert harness.telegram.callback_answers[-1]["text"].startswith("This pass is no longer valid")
    async with sessions(harness)() as session:
        assert (await session.execute(select(func.count()).select_from(Attendance))).scalar_one() == 0


async def test_the_check_in_rules_hold_for_a_pass(harness):
    shift = await _station(harness, seat=False, gender="male")  # Sara is a woman; the shift is for men
    token = await _token(harness)
    coordinator = harness.person(COORDINATOR)
    [card] = await coordinator.send(f"/start pass-{token}")
    assert "There is no shift to check Sara in to" in card.text, "a men-only shift is not offered to a woman"
    await coordinator.press_data(cd.PassCheckIn(token, shift.id).data, card)
    assert coordinator.last_text() == "Sara cannot join <b>Serving the pilgrims</b>: it is for men only."
    async with sessions(harness)() as session, session.begin():
        (await session.get(Shift, shift.id)).starts_at += timedelta(hours=3)
        (await session.get(Shift, shift.id)).ends_at += timedelta(hours=3)
        (await session.execute(select(Volunteer).where(Volunteer.telegram_id == SARA))).scalar_one().gender = "male"
    await coordinator.press_data(cd.PassCheckIn(token, shift.id).data, card)
    assert coordinator.last_text() == "It is too early: check-in to <b>Serving the pilgrims</b> opens at 11:50 am."
    async with sessions(harness)() as session:
        assert (await session.execute(select(func.count()).select_from(Signup))).scalar_one() == 0, "no seat taken for a refused check-in"
        assert (await session.execute(select(OutboxMessage))).first() is None
