"""Coordinators fix what reality got wrong: on their behalf, no-shows undone, any record corrected,
off-system hours dated; each change audited and told to the volunteer in their language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.sender import drain_once
from models.tables import Attendance, AuditLog, OffSystemWork, Signup, SignupStatus
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center, make_opportunity

COORDINATOR = 6_300_000_001
ARABIC_COORDINATOR = 6_300_000_003
OUTSIDER = 6_300_000_002  # coordinator of another center
START = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 16:00 in Makkah; the harness starts at 09:00
ALI, BADR, KAMAL = 7_300_000_000, 7_300_000_001, 7_300_000_002


async def _shift_with_people(harness):
    """Ali (Arabic) checked in at the start; Badr (English) and Kamal (Arabic) hold seats."""
    factory = sessions(harness)
    awali = await make_center(factory)
    other = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="en", name="Coordinator")
    await make_person(harness, ARABIC_COORDINATOR, role="coordinator", centers=[awali], language="ar", name="منسق")
    await make_person(harness, OUTSIDER, role="coordinator", centers=[other], language="en", name="Outsider")
    opportunity, (shift,) = await make_opportunity(factory, center=awali, starts=[START], capacity=5)
    people = [await make_person(harness, ALI, center=awali, name="Ali"),
              await make_person(harness, BADR, center=awali, name="Badr", language="en"),
              await make_person(harness, KAMAL, center=awali, name="Kamal")]
    async with factory() as session, session.begin():
        for n, person in enumerate(people):
            (await session.get(type(person), person.id)).phone = f"+96650000000{n}"
        signups = [Signup(shift_id=shift.id, volunteer_id=p.id, status=SignupStatus.CONFIRMED, signed_up_at=START - timedelta(days=2)) for p in people]
        session.add_all(signups)
        await session.flush()
        session.add(Attendance(signup_id=signups[0].id, shift_id=shift.id, volunteer_id=people[0].id, checked_in_at=START, method="code"))
    return opportunity, shift, signups


async def _roster(coordinator, shift):
    await coordinator.press_data(f"sh:v1:who:{shift.id}", (await coordinator.send("/shifts"))[-1])
    return coordinator.last()


def _texts(harness, telegram_id):
    return [m.text for m in harness.telegram.to(telegram_id)]


async def test_the_roster_checks_a_late_volunteer_in_and_one_who_is_here_out_on_their_behalf(harness):
    _, shift, _ = await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    harness.now = START + timedelta(minutes=30)
    roster = await _roster(coordinator, shift)
    assert roster.labels() == ["🟢 Check in: Badr", "🚫 No-show: Badr", "🟢 Check in: Kamal", "🚫 No-show: Kamal", "🏁 Check out: Ali",
                              "📱 Phones"]  # issue 13: the phones of the coordinator's own center, audited
    [refreshed] = await coordinator.press("🟢 Check in: Badr", roster)
    assert harness.telegram.callback_answers[-1]["text"] == "🟢 Badr is checked in to Serving the pilgrims. They will be told."
    assert refreshed.message_id == roster.message_id and "Checked in now (2)\nAli, Badr" in refreshed.text
    harness.advance(minutes=15)
    [refreshed] = await coordinator.press("🏁 Check out: Ali", refreshed)
    assert harness.telegram.callback_answers[-1]["text"] == "🏁 Ali is checked out of Serving the pilgrims: 45 minutes credited. They will be told."
    assert "Checked out (1)\nAli" in refreshed.text
    async with sessions(harness)() as session:
        records = {a.volunteer_id: a for a in (await session.execute(select(Attendance))).scalars()}
    assert sorted((a.method, a.credited_minutes, a.checked_out_by) for a in records.values()) == [
        ("code", 45, COORDINATOR), ("coordinator", 0, None)]
    lines = [line for line in await audit(harness, allowed=True) if line.action.startswith("attendance.")]
    assert [line.action for line in lines] == ["attendance.check_in_for", "attendance.check_out_for"]
    assert lines[0].detail.startswith("signup=2 confirmed, not checked in -> in=2026-12-01T13:30:00+00:00 out=open min=0")
    assert lines[1].detail == ("in=2026-12-01T13:00:00+00:00 out=open min=0 -> "
                               "in=2026-12-01T13:00:00+00:00 out=2026-12-01T13:45:00+00:00 min=45")
    await drain_once(harness.app)
    assert "🟢 A coordinator checked you in to <b>Serving the pilgrims</b> at 4:30 pm. Check out with 🏁 when you leave." in _texts(harness, BADR)
    assert any(t.startswith("🏁 سجّل أحد المنسّقين انصرافك من <b>خدمة ضيوف الرحمن</b>") and "45 دقيقة" in t for t in _texts(harness, ALI))
    ali = next(a for a in records.values() if a.method == "code")
    await coordinator.press_data(f"cof:v1:{ali.id}:shift", refreshed)  # an old copy of the roster: Ali has left
    assert harness.telegram.callback_answers[-1]["text"] == "This volunteer is not checked in (any more), so there is nothing to check out of."


async def test_a_no_show_is_recorded_present_with_the_times_and_told_so(harness):
    _, shift, signups = await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    harness.now = START + timedelta(hours=4)
    roster = await _roster(coordinator, shift)
    await coordinator.press("🚫 No-show: Kamal", roster)
    roster = await _roster(coordinator, shift)
    assert "No-shows (1)\nKamal" in roster.text
    await coordinator.press("✅ Present: Kamal", roster)
    assert coordinator.last_text().startswith("When were they there? Send the arrival and leaving times, like 16:05-19:30")
    assert (await coordinator.send("yesterday"))[-1].text.startswith("Please send the times like 16:05-19:30")
    assert (await coordinator.send("16:10-23:00"))[-1].text == "These times have not come yet. Please send times that have passed."
    [done] = await coordinator.send("١٦:١٠-١٨:٤٥")  # Arabic-Indic digits
    assert done.text.startswith("✅ Kamal is recorded as present at <b>Serving the pilgrims</b>: Tuesday 1 December 2026, 4:10 pm – 6:45 pm, "
                                "2 hours and 35 minutes credited.")
    async with sessions(harness)() as session:
        seat = await session.get(Signup, signups[2].id)
        record = (await session.execute(select(Attendance).where(Attendance.signup_id == seat.id))).scalar_one()
    assert seat.status == SignupStatus.CONFIRMED and (record.method, record.credited_minutes) == ("coordinator", 155)
    line = (await audit(harness, allowed=True))[-1]
    assert line.action == "attendance.mark_present" and line.detail.startswith("signup=3 no_show, not checked in -> confirmed, in=")
    await drain_once(harness.app)
    told = _texts(harness, KAMAL)
    assert any(t.startswith("✅ سجّلك أحد المنسّقين حاضرًا في <b>خدمة ضيوف الرحمن</b>") and "لم تعد معدودًا غائبًا" in t for t in told), told
    assert not any(t.startswith("We missed you") or "افتقدناك" in t for t in told)  # the no-show notice is dropped


@pytest.mark.parametrize("typed", ["0500000001", "500000001", "966500000001", "+966500000001", "00966500000001",
                                   "050 000 0001", "050-000-0001", "٠٥٠٠٠٠٠٠٠١", "Badr", "bad", str(BADR)])
async def test_a_volunteer_is_found_by_any_phone_form_by_name_and_by_telegram_id(harness, typed):
    await _shift_with_people(harness)
    harness.now = START
    [card] = await harness.person(COORDINATOR).send(f"/records {typed}")
    assert card.text.startswith("🗂 <b>Badr</b> · Al-Awali Center\nTelegram id: <code>7300000001</code>"), card.text
    assert "Seats without a check-in" in card.text and "✅ Present #1" in card.labels()


async def test_a_name_matching_several_lists_them_and_the_arabic_card_opens_from_the_list(harness):
    await _shift_with_people(harness)
    coordinator = harness.person(ARABIC_COORDINATOR)
    [choices] = await coordinator.send("/records AL")
    assert choices.text.startswith("متطوعان يطابقان «AL». اختر أحدهما:")
    assert [label.split(" · ")[0] for label in choices.labels()] == ["Ali", "Kamal"]
    [card] = await coordinator.press(choices.labels()[0], choices)
    assert card.text.startswith("🗂 <b>Ali</b> · مركز حي العوالي") and "(في مراكزك)" in card.text
    assert "✏️ تصحيح رقم 1" in card.labels() and "🏁 تسجيل انصراف رقم 1" in card.labels()
    [nobody] = await coordinator.send("/records 0599999999")
    assert nobody.text.startswith("لا يوجد متطوع في مراكزك يطابق «0599999999».")


async def test_a_record_that_was_never_flagged_is_corrected_with_a_reason_and_the_volunteer_is_told(harness):
    _, shift, signups = await _shift_with_people(harness)
    async with sessions(harness)() as session, session.begin():
        record = (await session.execute(select(Attendance).where(Attendance.signup_id == signups[0].id))).scalar_one()
        record.checked_out_at, record.credited_minutes, record.checked_out_by = START + timedelta(hours=3), 180, ALI
    harness.now = START + timedelta(days=1)
    coordinator = harness.person(COORDINATOR)
    [card] = await coordinator.send("/records 0500000000")
    assert "1. Serving the pilgrims · Tuesday 1 December 2026, 4:00 pm – 7:00 pm · 3 hours" in card.text
    await coordinator.press("✏️ Correct #1", card)
    assert coordinator.last_text().startswith("What should this record say, and why?")
    assert (await coordinator.send("16:20-19:00 ok"))[-1].text == "Please add a short reason (at least 3 characters) after the times."
    [saved] = await coordinator.send("16:20-19:00 arrived late, <phone> was dead")
    assert saved.text == ("✅ Saved: Tuesday 1 December 2026, 4:20 pm – 7:00 pm, the record now credits 2 hours and 40 minutes. "
                          "The volunteer will be told, with the reason.")
    line = (await audit(harness, allowed=True))[-1]
    assert line.action == "attendance.correct" and line.detail == (
        "in=2026-12-01T13:00:00+00:00 out=2026-12-01T16:00:00+00:00 min=180 -> "
        "in=2026-12-01T13:20:00+00:00 out=2026-12-01T16:00:00+00:00 min=160: arrived late, <phone> was dead")
    await drain_once(harness.app)
    [told] = [t for t in _texts(harness, ALI) if t.startswith("🕒")]
    assert told.splitlines()[0].startswith("🕒 صحّح أحد المنسّقين ساعاتك في <b>خدمة ضيوف الرحمن</b>")
    assert "وقتك هناك: الثلاثاء 1 ديسمبر 2026" in told and "قبل التعديل: 3 ساعات." in told
    assert "السبب: arrived late, &lt;phone&gt; was dead" in told
    # The same record corrected again by minutes, in English words for an English volunteer's record.
    [card] = await coordinator.send("/records Ali")
    await coordinator.press("✏️ Correct #1", card)
    assert (await coordinator.send("150 left a little early"))[-1].text.startswith("✅ Saved: the record now credits 2 hours and 30 minutes.")


async def test_add_hours_takes_the_day_and_the_opportunity_or_center_and_refuses_bad_days(harness):
    opportunity, _, _ = await _shift_with_people(harness)
    coordinator = harness.person(COORDINATOR)
    [added] = await coordinator.send(f"/addhours 0500000001 2.5 2026-11-20 {opportunity.ref} Ramadan iftar at the center")
    assert added.text == ("✅ Added 2 hours and 30 minutes for Badr, for <b>Serving the pilgrims</b> on Friday 20 November 2026. "
                          "They will be told, with the reason.")
    refusals = {
        "/addhours 0500000001 2 2026-12-02 awali not yet done": "The day of the work cannot be in the future.",
        "/addhours 0500000001 2 2025-11-30 awali long ago": "The day of the work must be within the last year.",
        "/addhours 0500000001 2 2026-02-30 awali no such day": "That day does not exist. Please write it as YYYY-MM-DD.",
        "/addhours 0500000001 2 2026-11-30 nowhere somewhere else": "No opportunity or center has the code “nowhere”.",
        "/addhours 0500000001 2 2026-11-30 awali": "Usage: /addhours &lt;telegram id or phone&gt; &lt;hours&gt; &lt;YYYY-MM-DD&gt;",
    }
    for command, expected in refusals.items():
        assert (await coordinator.send(command))[-1].text.startswith(expected), command
    [by_center] = await coordinator.send(f"/addhours {BADR} 1 ٢٠٢٦-١١-٣٠ AWALI cleaning the courtyard")
    assert by_center.text.startswith("✅ Added 1 hour for Badr, for <b>Al-Awali Center</b> on Monday 30 November 2026.")
    [arabic_usage] = await harness.person(ARABIC_COORDINATOR).send("/addhours 0500000001")
    assert arabic_usage.text.startswith("الاستخدام: /addhours &lt;معرّف تيليجرام أو رقم الجوال&gt; &lt;الساعات&gt; &lt;YYYY-MM-DD&gt;")
    async with sessions(harness)() as session:
        rows = list(await session.execute(select(Attendance, OffSystemWork).join(OffSystemWork, OffSystemWork.attendance_id == Attendance.id)
                                          .order_by(Attendance.id)))
    assert [(a.checked_in_at, a.credited_minutes, w.opportunity_id, w.reason) for a, w in rows] == [
        (datetime(2026, 11, 20, 9, 0, tzinfo=UTC), 150, opportunity.id, "Ramadan iftar at the center"),
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), 60, None, "cleaning the courtyard"),
    ]
    await drain_once(harness.app)
    told = [t for t in _texts(harness, BADR) if t.startswith("🕒")]
    assert told[0].startswith("🕒 A coordinator added 2 hours and 30 minutes to your volunteering record, for <b>Serving the pilgrims</b> "
                              "on Friday 20 November 2026.\nReason: Ramadan iftar at the center")
    [hours] = await harness.person(BADR).send("/hours")
    assert "Total: 3 hours and 30 minutes" in hours.text


async def test_another_centers_coordinator_is_refused_everywhere_and_each_refusal_is_audited(harness):
    opportunity, shift, signups = await _shift_with_people(harness)
    harness.now = START + timedelta(minutes=30)
    outsider = harness.person(OUTSIDER)
    [nobody] = await outsider.send("/records 0500000001")
    assert nobody.text.startswith("No volunteer in your centers matches “0500000001”.")
    async with sessions(harness)() as session:
        ali = (await session.execute(select(Attendance))).scalar_one()
    before = len(await audit(harness, allowed=False))
    message = (await outsider.send("/help"))[-1]
    for data in (f"rec:v1:{signups[1].volunteer_id}:0", f"cif:v1:{signups[1].id}:shift", f"cof:v1:{ali.id}:person",
                 f"mp:v1:{signups[2].id}:shift", f"fix:v1:{ali.id}"):
        await outsider.press_data(data, message)
        assert harness.telegram.callback_answers[-1]["text"] == "Sorry, you do not manage this center, so you cannot do that.", data
    assert "do not manage this center" in (await outsider.send(f"/addhours {BADR} 1 2026-11-30 awali not mine"))[-1].text
    refused = (await audit(harness, allowed=False))[before:]
    assert [line.action for line in refused] == ["records.find", "attendance.check_in_for", "attendance.check_out_for",
                                                 "attendance.mark_present", "attendance.correct", "attendance.add_manual"]
    assert {line.actor_telegram_id for line in refused} == {OUTSIDER}
    async with sessions(harness)() as session:
        assert len((await session.execute(select(Attendance))).scalars().all()) == 1
        assert (await session.get(Attendance, ali.id)).checked_out_at is None
        assert not (await session.execute(select(AuditLog).where(AuditLog.allowed.is_(True), AuditLog.actor_telegram_id == OUTSIDER))).first()
