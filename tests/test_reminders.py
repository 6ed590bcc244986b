"""Reminders before a shift, what happens after it, and the buttons under a reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.scheduling import SWEEP_JOB, run_sweeps, schedule_sweeps
from bot.sender import drain_once
from handlers import callback_data as cd
from models.reminders import mark_no_shows, no_show_candidates, queue_due_reminders
from models.tables import Attendance, OutboxMessage, Signup
from tests.factories import SITE, make_center, make_opportunity
from tests.journey import check_out, register

NAMES = {"en": "Sara", "ar": "سارة"}
REMINDER_BUTTONS = {
    "en": ["✅ I'll be there", "Cancel my seat", "🗺 Directions"],
    "ar": ["✅ سأكون هناك", "إلغاء مقعدي", "🗺 الاتجاهات"],
}


def services(harness):  # type: ignore[no-untyped-def]
    return harness.app.bot_data.services


def span(harness, language, shift) -> str:  # type: ignore[no-untyped-def]
    return services(harness).catalogs.for_language(language).span(shift.starts_at, shift.ends_at)


async def sweep_and_send(harness):  # type: ignore[no-untyped-def]
    """One run of the scheduled job, then the sender (a second later, as each chat allows)."""
    report = await run_sweeps(services(harness))
    for _ in range(3):
        harness.advance(seconds=1)
        await drain_once(harness.app)
    return report


async def outbox_rows(harness, kind: str | None = None) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with services(harness).sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list((await session.execute(query)).scalars())


@pytest.fixture
async def center(session_factory):  # type: ignore[no-untyped-def]
    return await make_center(session_factory)


async def on_a_shift(harness, session_factory, center, *, language="en", user_id=501, starts_in=timedelta(days=3), capacity=5):  # type: ignore[no-untyped-def]
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + starts_in], capacity=capacity)
    person = harness.person(user_id)
    await register(person, language, name=NAMES[language])
    await person.press_data(cd.SignUp(shift.id).data)
    return person, shift


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "⏰ Reminder: your shift <b>Serving the pilgrims</b>\n🗓 {when}\n📍 Al-Awali Center\n\n"
               "We are counting on you! If you cannot come, please free your seat for someone on the waitlist."),
        ("ar", "⏰ تذكير بورديتك: <b>خدمة ضيوف الرحمن</b>\n🗓 {when}\n📍 مركز حي العوالي\n\n"
               "نحن نعوّل عليك! وإن تعذّر عليك الحضور، فنرجو إتاحة مقعدك لأحد المنتظرين في قائمة الانتظار."),
    ],
)
async def test_reminders_come_24_and_2_hours_before_with_their_buttons(harness, session_factory, center, language, text):
    sara, shift = await on_a_shift(harness, session_factory, center, language=language)
    harness.now = shift.starts_at - timedelta(hours=24)
    await sweep_and_send(harness)
    reminder = sara.last()
    assert reminder.text == text.format(when=span(harness, language, shift))
    assert reminder.labels() == REMINDER_BUTTONS[language]

    await sweep_and_send(harness)  # the job runs again a minute later: nothing new
    assert len(await outbox_rows(harness, "reminder")) == 1

    harness.now = shift.starts_at - timedelta(hours=2)
    await sweep_and_send(harness)
    assert sara.last().message_id != reminder.message_id and sara.last().text == reminder.text
    assert [r.status for r in await outbox_rows(harness, "reminder")] == ["sent", "sent"]


async def test_a_job_run_twice_queues_nothing_twice(harness, session_factory, center):
    _, shift = await on_a_shift(harness, session_factory, center)
    harness.now = shift.starts_at - timedelta(hours=2)
    first = await run_sweeps(services(harness))
    keys = [r.key for r in await outbox_rows(harness)]
    second = await run_sweeps(services(harness))
    assert first.counts["reminders"] == 1 and second.counts["reminders"] == 0
    assert [r.key for r in await outbox_rows(harness)] == keys


async def test_a_reminder_missed_while_the_bot_was_down_is_sent_late(harness, session_factory, center):
    sara, shift = await on_a_shift(harness, session_factory, center)
    harness.now = shift.starts_at - timedelta(hours=1)  # both moments passed while we were down
    await sweep_and_send(harness)
    two_hours, day_before = await outbox_rows(harness, "reminder")
    assert (day_before.status, day_before.last_error) == ("dropped", "superseded by the 2-hour reminder")
    assert two_hours.status == "sent" and "2h" in two_hours.key
    assert sara.last().text.startswith("⏰ Reminder: your shift")


async def test_reminders_are_dropped_and_recorded_once_the_shift_has_started(harness, session_factory, center):
    sara, shift = await on_a_shift(harness, session_factory, center)
    seen = len(sara.messages())
    harness.now = shift.starts_at + timedelta(minutes=10)
    await sweep_and_send(harness)
    rows = await outbox_rows(harness, "reminder")
    assert [(r.status, r.last_error) for r in rows] == [
        ("dropped", "the shift started before the reminder could be sent")
    ] * 2
    assert len(sara.messages()) == seen


async def test_a_queued_reminder_the_sender_did_not_reach_before_the_start_expires(harness, session_factory, center):
    sara, shift = await on_a_shift(harness, session_factory, center)
    seen = len(sara.messages())
    harness.now = shift.starts_at - timedelta(hours=2)
    await run_sweeps(services(harness))
    harness.now = shift.starts_at + timedelta(minutes=1)
    await drain_once(harness.app)
    sent = [r for r in await outbox_rows(harness, "reminder") if r.status != "dropped" or r.last_error == "expired before it could be sent"]
    assert [(r.status, r.last_error) for r in sent] == [("dropped", "expired before it could be sent")]
    assert len(sara.messages()) == seen


async def test_signing_up_late_skips_the_reminders_whose_moment_had_passed(harness, session_factory, center):
    _, shift = await on_a_shift(harness, session_factory, center, starts_in=timedelta(hours=5))
    await run_sweeps(services(harness))
    assert await outbox_rows(harness, "reminder") == []
    harness.now = shift.starts_at - timedelta(hours=2)
    await sweep_and_send(harness)
    [row] = await outbox_rows(harness, "reminder")
    assert row.status == "sent" and "2h" in row.key


@pytest.mark.parametrize(
    ("language", "on", "mute", "off", "muted_toast"),
    [
        ("en", "🔔 Shift reminders: on", "🔕 Mute reminders", "🔕 Shift reminders: off", "Reminders muted."),
        ("ar", "🔔 تذكيرات الورديات: مفعّلة", "🔕 إيقاف التذكيرات", "🔕 تذكيرات الورديات: متوقفة", "أُوقفت التذكيرات."),
    ],
)
async def test_a_muted_volunteer_gets_no_reminders_but_still_thanks(harness, session_factory, center, language, on, mute, off, muted_toast):
    sara, shift = await on_a_shift(harness, session_factory, center, language=language)
    [settings] = await sara.send("/settings")
    assert on in settings.text
    [edited] = await sara.press(mute)
    assert off in edited.text and harness.telegram.callback_answers[-1]["text"] == muted_toast
    harness.now = shift.starts_at - timedelta(hours=2)
    await sweep_and_send(harness)
    assert await outbox_rows(harness, "reminder") == []

    harness.now = shift.starts_at
    await sara.share_location(*SITE)
    harness.now = shift.ends_at
    await check_out(sara)
    await sweep_and_send(harness)
    assert sara.last().text.startswith("🌟 " + NAMES[language])


async def test_ill_be_there_thanks_them_and_keeps_the_other_buttons(harness, session_factory, center):
    sara, shift = await on_a_shift(harness, session_factory, center)
    harness.now = shift.starts_at - timedelta(hours=24)
    await sweep_and_send(harness)
    said_at = harness.now
    reminder = sara.last()
    await sara.press("✅ I'll be there")
    assert harness.telegram.callback_answers[-1]["text"] == "Thank you! See you there."
    assert sara.last().labels() == ["Cancel my seat", "🗺 Directions"]
    harness.advance(hours=1)
    await sara.press_data(cd.ReminderAttending(shift_signup_id := await signup_id_of(session_factory, shift.id)).data, reminder)
    async with session_factory() as session:
        signup = await session.get(Signup, shift_signup_id)
    assert signup.confirmed_at == said_at  # the first answer is what the coordinator sees


async def test_cancel_my_seat_on_a_reminder_frees_it_for_the_waitlist(harness, session_factory, center):
    sara, shift = await on_a_shift(harness, session_factory, center, capacity=1)
    omar = harness.person(502)
    await register(omar, "en", gender="male", name="Omar")
    await omar.press_data(cd.JoinWaitlist(shift.id).data)
    harness.now = shift.starts_at - timedelta(hours=24)
    await sweep_and_send(harness)
    await sara.press("Cancel my seat", sara.last())
    await sara.press("Yes, cancel")
    harness.advance(seconds=1)
    await drain_once(harness.app)
    assert omar.last().text.startswith("🎉 Good news! A seat opened up and it is yours")
    harness.now = shift.starts_at - timedelta(hours=2)
    await sweep_and_send(harness)
    assert omar.last().text.startswith("⏰ Reminder: your shift")


async def test_directions_send_the_site_as_a_map_pin(harness, session_factory, center):
    sara, shift = await on_a_shift(harness, session_factory, center)
    harness.now = shift.starts_at - timedelta(hours=2)
    await sweep_and_send(harness)
    await sara.press("🗺 Directions")
    [pin] = harness.telegram.calls_to(sara.user_id, "sendLocation")
    assert (float(pin["latitude"]), float(pin["longitude"])) == SITE


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "🏁 You did not check out of <b>Serving the pilgrims</b> ({when}), so we closed your attendance at the end "
               "of the shift and credited 3 hours. A coordinator will review it; if something is not right, please let your center know."),
        ("ar", "🏁 لم يُسجَّل انصرافك من <b>خدمة ضيوف الرحمن</b> ({when})، فأغلقنا حضورك عند نهاية الوردية واحتسبنا لك 3 ساعات. "
               "سيراجع أحد المنسقين ذلك، وإن كان ثمة خطأ فنرجو إبلاغ مركزك."),
    ],
)
async def test_a_forgotten_check_out_is_closed_at_the_end_flagged_and_told(harness, session_factory, center, language, text):
    sara, shift = await on_a_shift(harness, session_factory, center, language=language)
    harness.now = shift.starts_at - timedelta(minutes=10)
    await sara.share_location(*SITE)
    harness.now = shift.ends_at + timedelta(minutes=29)
    await run_sweeps(services(harness))
    assert await outbox_rows(harness, "auto_checkout") == []
    harness.now = shift.ends_at + timedelta(minutes=30)
    await sweep_and_send(harness)
    async with services(harness).sessions() as session:
        attendance = (await session.execute(select(Attendance))).scalar_one()
    assert (attendance.checked_out_at, attendance.credited_minutes) == (shift.ends_at, 180)
    assert (attendance.flagged, attendance.flag_reason) == (True, "auto_checkout")
    told = [m.text for m in sara.messages() if m.text.startswith("🏁")]
    assert told == [text.format(when=span(harness, language, shift))]
    assert sara.last().text.startswith("🌟")  # and their first shift is thanked in the same run


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "We missed you at <b>Serving the pilgrims</b> ({when}). We hope all is well with you! Next time, if you cannot come, "
               "please cancel your seat beforehand so someone on the waitlist can take it."),
        ("ar", "افتقدناك في <b>خدمة ضيوف الرحمن</b> ({when}). نرجو أن يكون كل شيء على ما يرام! وفي المرة القادمة إن تعذّر عليك الحضور، "
               "فنرجو إلغاء مقعدك مسبقًا ليأخذه أحد المنتظرين."),
    ],
)
async def test_a_volunteer_who_never_came_is_marked_no_show_and_told_kindly(harness, session_factory, center, language, text):
    sara, shift = await on_a_shift(harness, session_factory, center, language=language)
    harness.now = shift.ends_at - timedelta(minutes=1)
    await run_sweeps(services(harness))
    harness.now = shift.ends_at
    await sweep_and_send(harness)
    await sweep_and_send(harness)
    async with services(harness).sessions() as session:
        signup = (await session.execute(select(Signup))).scalar_one()
    assert signup.status == "no_show"
    assert [m.text for m in sara.messages() if m.text.startswith(text[:10])] == [text.format(when=span(harness, language, shift))]


async def test_a_sweep_interrupted_half_way_ends_with_the_same_rows(harness, session_factory, center):
    _, shift = await on_a_shift(harness, session_factory, center, capacity=5)
    for user_id in (503, 504):
        person = harness.person(user_id)
        await register(person, "en", name="Volunteer")
        await person.press_data(cd.SignUp(shift.id).data)
    harness.now = shift.starts_at - timedelta(hours=1)
    hours = services(harness).settings.reminder_hours_before
    async with services(harness).sessions() as session, session.begin():
        await queue_due_reminders(session, now=harness.now, hours_before=hours, limit=1)  # done and committed
    with pytest.raises(RuntimeError):
        async with services(harness).sessions() as session, session.begin():
            await queue_due_reminders(session, now=harness.now, hours_before=hours)
            raise RuntimeError("killed before the commit")
    await run_sweeps(services(harness))
    await run_sweeps(services(harness))
    rows = await outbox_rows(harness, "reminder")
    assert sorted((r.status, r.key.split(":")[2]) for r in rows) == [("dropped", "24h")] * 3 + [("pending", "2h")] * 3
    assert len({r.key for r in rows}) == 6


async def test_sweeps_are_scheduled_without_a_misfire_limit(harness):
    schedule_sweeps(harness.app)
    [job] = harness.app.job_queue.get_jobs_by_name(SWEEP_JOB)
    assert job.job.misfire_grace_time is None and job.job.coalesce is True and job.job.max_instances == 1
    job.schedule_removal()


async def test_update_claims_older_than_a_week_are_forgotten_by_the_sweeps(harness, session_factory, center):
    from sqlalchemy import func

    from models.tables import ProcessedUpdate

    sara = harness.person(590)
    await register(sara, "en")
    harness.advance(days=8)
    report = await run_sweeps(services(harness))
    assert report.counts["forgotten_updates"] > 0
    async with session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(ProcessedUpdate))).scalar_one() == 0


async def signup_id_of(session_factory, shift_id: int) -> int:
    async with session_factory() as session:
        return (await session.execute(select(Signup.id).where(Signup.shift_id == shift_id))).scalar_one()


async def test_hours_added_between_the_no_show_scan_and_its_write_keep_the_volunteer_present(harness, session_factory, center):
    """The sweep finds no-shows by a read, then marks them in a write that checks each one again."""
    _, shift = await on_a_shift(harness, session_factory, center)
    harness.now = shift.ends_at + timedelta(minutes=5)
    async with session_factory() as session:
        found = await no_show_candidates(session, now=harness.now)
        signup = (await session.execute(select(Signup))).scalar_one()
    assert found == [signup.id]
    async with session_factory() as session, session.begin():  # a coordinator records the hours meanwhile
        session.add(Attendance(signup_id=signup.id, shift_id=shift.id, volunteer_id=signup.volunteer_id,
                               checked_in_at=shift.starts_at, checked_out_at=shift.ends_at, method="manual", credited_minutes=180))
    async with session_factory() as session, session.begin():
        assert await mark_no_shows(session, now=harness.now, signup_ids=found) == 0
    async with session_factory() as session:
        assert (await session.get(Signup, signup.id)).status == "confirmed"
    assert await outbox_rows(harness, "no_show") == []
