"""On site and after: the check-in QR code, who is here, shift changes, reviews and hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.tables import (
    Attendance,
    Center,
    Opportunity,
    OutboxMessage,
    Shift,
    Signup,
    SignupStatus,
)
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center, make_opportunity, scan

COORDINATOR = 6_200_000_001
OUTSIDER = 6_200_000_002  # coordinator of another center
START = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 16:00 in Makkah, the harness starts at 09:00


async def _shift_with_people(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    other = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="en")
    await make_person(harness, OUTSIDER, role="coordinator", centers=[other], language="en")
    _opportunity, (shift,) = await make_opportunity(factory, center=awali, starts=[START], capacity=5)
    people = [await make_person(harness, 7_100_000_000 + n, center=awali, name=name) for n, name in enumerate(["Ali", "Badr", "Camil"])]
    async with factory() as session, session.begin():
        signups = [Signup(shift_id=shift.id, volunteer_id=p.id, status=SignupStatus.CONFIRMED, signed_up_at=START - timedelta(days=2)) for p in people]
        session.add_all(signups)
        await session.flush()
        (await session.get(Shift, shift.id)).seats_taken = 3
        session.add(Attendance(signup_id=signups[0].id, shift_id=shift.id, volunteer_id=people[0].id, checked_in_at=START, method="code"))
    return shift, signups


async def test_coordinator_shows_the_check_in_qr_code_of_the_shift(harness):
    shift, _ = await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    sent = await coordinator.send("/shifts")
    await coordinator.press(sent[-1].labels()[0])
    sent = await coordinator.press("🔳 Check-in QR code")
    link = "https://t.me/volunteer_test_bot?" + scan(shift, harness.now).replace("/start ", "start=")
    assert link in sent[-1].text
    assert harness.telegram.calls[-1][0] == "sendPhoto"  # the QR image itself is an upload


async def test_roster_shows_who_is_here_late_and_missing_and_marks_a_no_show(harness):
    _shift, _signups = await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    harness.now = START + timedelta(minutes=30)
    await coordinator.send("/shifts")
    await coordinator.press(coordinator.last().labels()[0])
    sent = await coordinator.press("🧍 Who is here")
    assert "Checked in now (1)\nAli" in sent[-1].text and "Late (2)\nBadr, Camil" in sent[-1].text
    async with sessions(harness)() as session, session.begin():
        (await session.get(Signup, _signups[1].id)).confirmed_at = START - timedelta(hours=2)  # "I'll be there"
    await coordinator.send("/shifts")
    await coordinator.press(coordinator.last().labels()[0])
    sent = await coordinator.press("🧍 Who is here")
    assert "Late (2)\nBadr ✅, Camil" in sent[-1].text and sent[-1].text.endswith("✅ said “I'll be there” in reply to a reminder.")
    await coordinator.press("🚫 No-show: Badr")
    assert harness.telegram.callback_answers[-1]["text"] == "Marked as a no-show."
    await coordinator.press("🚫 No-show: Badr")
    assert harness.telegram.callback_answers[-1]["text"] == "This volunteer is already marked as a no-show."
    assert [line.action for line in await audit(harness, allowed=True)] == ["signup.no_show"]


async def test_coordinator_of_another_center_and_forged_payloads_are_refused(harness):
    shift, signups = await _shift_with_people(harness)
    outsider = harness.person(OUTSIDER)
    await outsider.send("/shifts")
    assert outsider.last_text() == "No running or upcoming shifts in your centers."
    for data in (f"sh:v1:qr:{shift.id}", f"sh:v1:cxy:{shift.id}", f"ns:v1:{signups[1].id}", "sh:v1:qr:99999", "sh:v1:boom:1", "sh:v1:qr"):
        await outsider.press_data(data)
    answers = [a["text"] for a in harness.telegram.callback_answers[-6:]]
    assert answers[:3] == ["Sorry, you do not manage this center, so you cannot do that."] * 3
    assert answers[3] == "This item no longer exists. Please open the list again."
    assert answers[4:] == ["This button is no longer valid. Please open the menu again."] * 2
    refused = await audit(harness, allowed=False)
    assert len(refused) == 6 and {line.actor_telegram_id for line in refused} == {OUTSIDER}
    async with sessions(harness)() as session:
        assert (await session.get(Shift, shift.id)).status == "active"


async def test_cancelling_a_shift_tells_its_holders_through_the_outbox(harness):
    shift, _ = await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(f"sh:v1:card:{shift.id}", (await coordinator.send("/shifts"))[-1])
    await coordinator.press("❌ Cancel the shift")
    sent = await coordinator.press("❌ Yes, cancel the shift")
    assert "The shift is cancelled. 3 volunteers will be told." in sent[-1].text
    async with sessions(harness)() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        statuses = {s.status for s in (await session.execute(select(Signup))).scalars()}
    assert len(rows) == 3 and {r.kind for r in rows} == {"shift_cancelled"}
    assert statuses == {"cancelled"}


async def test_editing_a_shift_refuses_bad_dates_and_capacity_then_tells_holders(harness):
    shift, _ = await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(f"sh:v1:edit:{shift.id}", (await coordinator.send("/shifts"))[-1])
    cases = {
        "2026-02-30 16:00-20:00 5": "That date or time does not exist",
        "2026-11-30 16:00-20:00 5": "already passed",
        "2026-12-05 20:00-20:00 5": "start and end times are the same",
        "2026-12-05 16:00-20:00 5 weekly 27": "A weekly series runs for 1 to 26 weeks",
        "2026-12-05 16:00-20:00 0": "at least 1",
        "2026-12-05 16:00-20:00 -3": "at least 1",
        "2026-12-05 16:00-20:00 2": "More volunteers already hold a seat",
        "next friday": "Please write the shift like this",
    }
    for text, expected in cases.items():
        assert expected in (await coordinator.send(text))[-1].text, text
    sent = await coordinator.send("2026-12-05 16:00-21:00 10")
    assert sent[-1].text.startswith("✅ Shift changed. 3 volunteers will be told.")
    async with sessions(harness)() as session:
        changed = await session.get(Shift, shift.id)
        kinds = {r.kind for r in (await session.execute(select(OutboxMessage))).scalars()}
    assert changed.capacity == 10 and changed.ends_at == datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
    assert kinds == {"shift_changed"}


async def test_review_adjusts_a_forgotten_check_out_with_a_reason(harness):
    _shift, _ = await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    harness.now = START + timedelta(hours=5)
    sent = await coordinator.send("/review")
    assert "Ali" in sent[-1].text and "forgot to check out" in sent[-1].text
    await coordinator.press("✏️ Adjust #1")
    assert "Please send the minutes, then the reason" in (await coordinator.send("180"))[-1].text
    assert "Please add a short reason" in (await coordinator.send("180 ok"))[-1].text
    assert "between 0 and 24 hours" in (await coordinator.send("2000 too long a day"))[-1].text
    sent = await coordinator.send("180 left at the end, forgot to check out")
    assert sent[-1].text.startswith("✅ Saved: the record now credits 3 hours.")
    assert (await coordinator.send("/review"))[-1].text == "Nothing to review. Every record is in order. ✅"
    line = (await audit(harness, allowed=True))[-1]
    assert line.action == "attendance.adjust" and line.detail == "0 -> 180 min: left at the end, forgot to check out"


async def test_add_hours_for_off_system_work(harness):
    await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    assert "Usage" in (await coordinator.send("/addhours 7100000001"))[-1].text
    sent = await coordinator.send("/addhours 7100000001 2.5 Ramadan iftar at the center")
    assert sent[-1].text == "✅ Added 2 hours and 30 minutes for Badr. The reason is kept in the audit log."
    assert "No volunteer has this" in (await coordinator.send("/addhours 123 2 something"))[-1].text
    assert "between 0 and 24 hours" in (await coordinator.send("/addhours 7100000001 30 marathon"))[-1].text
    outsider = harness.person(OUTSIDER)
    assert "do not manage this center" in (await outsider.send("/addhours 7100000001 2 not mine"))[-1].text
    async with sessions(harness)() as session:
        manual = (await session.execute(select(Attendance).where(Attendance.method == "manual"))).scalars().all()
    assert [m.credited_minutes for m in manual] == [150]


async def test_many_shifts_are_listed_page_by_page_and_only_the_coordinators_own(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    other = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="en")
    await make_opportunity(factory, center=awali, starts=[START + timedelta(days=d) for d in range(17)], title_en="Ours")
    await make_opportunity(factory, center=other, starts=[START], title_en="Theirs")
    coordinator = harness.person(COORDINATOR)
    first = (await coordinator.send("/shifts"))[-1]
    assert first.text.endswith("Page 1") and len(first.labels()) == 16 and first.labels()[-1] == "Next »"
    assert first.labels()[0].endswith("01/12") and first.labels()[14].endswith("15/12")
    second = (await coordinator.press("Next »", first))[-1]
    assert second.message_id == first.message_id and second.text.endswith("Page 2")
    assert [label[-5:] for label in second.labels()] == ["16/12", "17/12", "vious"]
    assert all("Theirs" not in label for label in first.labels() + second.labels())
    assert (await coordinator.press("« Previous", second))[-1].labels() == first.labels()
    await coordinator.press_data("shp:v1:999999999")  # forged: far beyond any list
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."
    await make_person(harness, 6_200_000_099, center=awali, language="en")  # a volunteer
    volunteer = harness.person(6_200_000_099)
    await volunteer.press_data("shp:v1:1", (await volunteer.send("/help"))[-1])
    assert harness.telegram.callback_answers[-1]["text"] == "Sorry, this is only for the program's coordinators."
    assert [line.action for line in await audit(harness, allowed=False)] == ["shift.list", "shift.list"]


async def test_review_shows_the_oldest_ten_and_keeps_a_right_record_with_one_tap(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    other = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="en")
    await make_person(harness, OUTSIDER, role="coordinator", centers=[other], language="en")
    arabic = await make_person(harness, 6_200_000_050, role="coordinator", centers=[awali], language="ar")
    past = START - timedelta(days=20)
    _, shifts = await make_opportunity(factory, center=awali, starts=[past + timedelta(days=d) for d in range(12)])
    _, (theirs,) = await make_opportunity(factory, center=other, starts=[past])
    people = [await make_person(harness, 7_200_000_000 + n, center=awali, name=f"V{n}") for n in range(13)]
    async with factory() as session, session.begin():
        for person, shift in zip(people, [*shifts, theirs], strict=True):
            session.add(Attendance(shift_id=shift.id, volunteer_id=person.id, checked_in_at=shift.starts_at,
                                   checked_out_at=shift.ends_at, method="location", credited_minutes=180,
                                   flagged=True, flag_reason="auto_checkout"))
    coordinator = harness.person(COORDINATOR)
    sent = (await coordinator.send("/review"))[-1]
    assert "The oldest 10 of 12 records." in sent.text and "V0 ·" in sent.text and "V10" not in sent.text
    assert sent.labels()[:2] == ["✏️ Adjust #1", "✅ Keep #1"] and len(sent.labels()) == 20
    arabic_text = (await harness.person(arabic.telegram_id).send("/review"))[-1].text
    assert "أقدم 10 من أصل 12 سجلًّا." in arabic_text and "✅ اعتماد رقم 1" in str(harness.telegram.messages[-1].labels())
    stale = sent.inline_buttons()[1]["callback_data"]
    after = (await coordinator.press("✅ Keep #1", sent))[-1]
    assert harness.telegram.callback_answers[-1]["text"] == "Kept: 3 hours credited."
    assert after.message_id == sent.message_id and "The oldest 10 of 11 records." in after.text and "V0 ·" not in after.text
    await coordinator.press_data(stale, after)  # the same record again, from an old copy of the list
    assert harness.telegram.callback_answers[-1]["text"] == "This record has already been reviewed."
    await harness.person(OUTSIDER).send("/review")
    await harness.person(OUTSIDER).press_data(after.inline_buttons()[1]["callback_data"])
    assert harness.telegram.callback_answers[-1]["text"] == "Sorry, you do not manage this center, so you cannot do that."
    async with factory() as session:
        kept = await session.get(Attendance, 1)
    assert (kept.flagged, kept.credited_minutes) == (False, 180)
    assert [(line.action, line.allowed) for line in (await audit(harness))[-2:]] == [("attendance.keep", True), ("attendance.keep", False)]


async def test_raising_a_full_shifts_seats_gives_the_seat_to_the_waitlist_and_tells_them(harness):
    from bot.sender import drain_once

    shift, _ = await _shift_with_people(harness)
    factory = sessions(harness)
    async with factory() as session, session.begin():
        (await session.get(Shift, shift.id)).capacity = 3  # the three holders fill it
        center = await session.get(Center, (await session.get(Opportunity, shift.opportunity_id)).center_id)
    dana = await make_person(harness, 7_100_000_009, center=center, name="دانة")
    async with factory() as session, session.begin():
        session.add(Signup(shift_id=shift.id, volunteer_id=dana.id, status=SignupStatus.WAITLISTED, signed_up_at=START - timedelta(days=1)))
    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(f"sh:v1:edit:{shift.id}", (await coordinator.send("/shifts"))[-1])
    assert (await coordinator.send("2026-12-05 16:00-20:00 4"))[-1].text.startswith("✅ Shift changed.")
    await drain_once(harness.app)
    told = [m.text for m in harness.telegram.to(dana.telegram_id)]
    assert any(text.startswith("🎉 بشرى سارة! توفّر مقعد وأصبح لك") for text in told), told
    async with factory() as session:
        seat = (await session.execute(select(Signup).where(Signup.volunteer_id == dana.id))).scalar_one()
    assert seat.status == SignupStatus.CONFIRMED


async def test_volunteers_are_told_when_a_coordinator_corrects_or_adds_their_hours(harness):
    from bot.sender import drain_once

    await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    harness.now = START + timedelta(hours=5)
    await coordinator.send("/review")
    await coordinator.press("✏️ Adjust #1")
    await coordinator.send("180 left at the end, <forgot> to check out")
    await coordinator.send("/addhours 7100000001 2.5 Ramadan iftar at the center")
    await drain_once(harness.app)
    ali = [m.text for m in harness.telegram.to(7_100_000_000)]
    badr = [m.text for m in harness.telegram.to(7_100_000_001)]
    assert any(t.startswith("🕒 صحّح أحد المنسّقين ساعاتك في") and "ساعات" in t and "السبب: left at the end, &lt;forgot&gt; to check out" in t for t in ali), ali
    assert any(t.startswith("🕒 أضاف أحد المنسّقين") and "السبب: Ramadan iftar at the center" in t for t in badr), badr
