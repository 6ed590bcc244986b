"""Broadcasts: compose, audience, count, preview, confirm once, progress and the final report."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.sender import drain_once
from handlers.coordinator.broadcast_progress import refresh_progress
from handlers.notices import render_notice
from infra.i18n import Catalogs
from models.tables import AuditLog, Broadcast, OutboxMessage
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center

COORDINATOR = 6_100_000_001
OTHER_COORDINATOR = 6_100_000_002


async def _program(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    shoqiyah = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR_ID, role="admin", language="en", center=awali)
    for n in range(3):
        await make_person(harness, 7_000_000_100 + n, center=awali, language="ar")
    for n in range(2):
        await make_person(harness, 7_000_000_200 + n, center=shoqiyah, language="ar")
    return awali, shoqiyah


async def _outbox(harness) -> list[OutboxMessage]:
    async with sessions(harness)() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_admin_broadcasts_to_everyone_once_even_when_confirming_twice(harness):
    await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    assert "Send me the message" in (await admin.send("/broadcast"))[-1].text
    sent = await admin.send("The Haram cleaning campaign starts Friday at 4 pm.")
    assert sent[-1].text == "Who should receive it?"
    sent = await admin.press("👥 Everyone")
    preview, summary = sent[-2], sent[-1]
    assert preview.text.startswith("📢 <b>A message from the volunteering program</b>")
    assert "The Haram cleaning campaign" in preview.text
    assert "It will be sent to 6 volunteers." in summary.text  # five volunteers and the admin
    confirm = summary
    await admin.press("✅ Send now", confirm)
    rows = await _outbox(harness)
    assert len(rows) == 6 and {r.priority for r in rows} == {20} and {r.kind for r in rows} == {"broadcast"}
    assert len({r.broadcast_id for r in rows}) == 1
    assert "Sending the broadcast" in confirm.text
    await admin.press_data("bcy:v1:1", confirm)  # a second tap on the stale "Send now"
    assert harness.telegram.callback_answers[-1]["text"] == "This broadcast was already sent. It is never sent twice."
    assert len(await _outbox(harness)) == 6


async def test_same_message_drafted_again_within_a_minute_is_not_sent_twice(harness):
    await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    for _attempt in range(2):
        await admin.send("/broadcast")
        await admin.send("Water distribution tonight.")
        await admin.press("👥 Everyone")
        await admin.press("✅ Send now")
        harness.advance(seconds=20)
    assert "less than a minute ago" in admin.last_text()
    assert len(await _outbox(harness)) == 6
    harness.advance(minutes=2)
    await admin.send("/broadcast")
    await admin.send("Water distribution tonight.")
    await admin.press("👥 Everyone")
    await admin.press("✅ Send now")
    assert len(await _outbox(harness)) == 12


async def test_audiences_by_center_and_language_and_empty_audience(harness):
    _awali, _shoqiyah = await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await admin.send("Meeting at the center.")
    await admin.press("🏢 One center")
    sent = await admin.press("Al-Shoqiyah Center")
    assert "volunteers of Al-Shoqiyah Center. It will be sent to 2 volunteers." in sent[-1].text
    await admin.press("✖️ Cancel")
    assert admin.last_text() == "The broadcast was cancelled. Nothing was sent."
    await admin.send("/broadcast")
    await admin.send("Hello")
    await admin.press("🌐 One language")
    await admin.press("English")  # only the admin uses English
    assert "It will be sent to 1 volunteer." in admin.last_text()
    await admin.send("/broadcast")
    await admin.send("Hello again")
    sent = await admin.press("⏳ Waitlisted")
    assert sent[-1].text.startswith("Nobody is in this audience")
    assert "👥 Everyone" in sent[-1].labels()  # the coordinator picks another audience
    assert await _outbox(harness) == []


async def test_over_long_and_empty_messages_are_refused(harness):
    await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    sent = await admin.send("x" * 4080)  # fits alone, not with the heading volunteers see
    assert "too long" in sent[-1].text and "4,096" in sent[-1].text
    sent = await admin.send("x" * 3000)
    assert sent[-1].text == "Who should receive it?"


async def test_coordinator_reaches_only_their_center_and_forged_audiences_are_refused(harness):
    awali, shoqiyah = await _program(harness)
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="en", center=awali)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/broadcast")
    await coordinator.send("Thank you all!")
    sent = await coordinator.press("👥 Everyone in my centers")
    assert "It will be sent to 5 volunteers." in sent[-1].text  # three volunteers, coordinator, admin
    await coordinator.press("✖️ Cancel")
    await coordinator.send("/broadcast")
    await coordinator.send("Thank you all!")
    await coordinator.press_data(f"bca:v1:center:{shoqiyah.id}")
    assert harness.telegram.callback_answers[-1]["text"] == "Sorry, you do not manage this center, so you cannot do that."
    await coordinator.press_data("bca:v1:center:abc")
    await coordinator.press_data("bcy:v1:1:2")
    refused = await audit(harness, allowed=False)
    assert [line.detail for line in refused][-3:] == [
        f"other_center center={shoqiyah.id}", "bad audience", "forged or stale payload"
    ]


async def test_nobody_confirms_someone_elses_broadcast(harness):
    awali, _ = await _program(harness)
    await make_person(harness, OTHER_COORDINATOR, role="coordinator", centers=[awali], language="en")
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await admin.send("Only the admin may send this.")
    await admin.press("👥 Everyone")
    async with sessions(harness)() as session:
        draft = (await session.execute(select(Broadcast))).scalar_one()
    other = harness.person(OTHER_COORDINATOR)
    await other.send("/coord")
    await other.press_data(f"bcy:v1:{draft.id}")
    assert harness.telegram.callback_answers[-1]["text"] == "This broadcast is no longer available."
    stranger = harness.person(6_999_999_999, language_code="en")
    await stranger.send("/start")
    await stranger.press_data(f"bcy:v1:{draft.id}")
    assert await _outbox(harness) == []
    refused = await audit(harness, allowed=False)
    assert [(line.actor_telegram_id, line.action) for line in refused] == [
        (OTHER_COORDINATOR, "broadcast.confirm"), (6_999_999_999, "broadcast.confirm")
    ]
    assert [line.detail for line in refused] == ["gone queued=0", "not_staff"]


async def test_progress_message_follows_the_outbox_and_reports_once(harness):
    await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await admin.send("Progress test")
    await admin.press("👥 Everyone")
    await admin.press("✅ Send now")
    progress = admin.last()
    assert "0 of 6" in progress.text
    factory = sessions(harness)
    async with factory() as session, session.begin():
        ids = [r.id for r in (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()]
        await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[:3])).values(status="sent"))
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == ids[3]).values(status="unreachable"))
    assert await refresh_progress(harness.app, 1) is False
    assert "4 of 6" in progress.text and "Sent: 3" in progress.text and "Unreachable (blocked the bot): 1" in progress.text
    async with factory() as session, session.begin():
        await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[4:])).values(status="failed"))
    assert await refresh_progress(harness.app, 1) is True
    assert progress.text.startswith("📢 <b>Broadcast finished</b> (6 volunteers)")
    assert "Failed: 2" in progress.text
    edits = progress.edits
    assert await refresh_progress(harness.app, 1) is True  # a second job run does not report again
    assert progress.edits == edits
    async with factory() as session:
        assert (await session.get(Broadcast, 1)).status == "done"
        actions = [a.action for a in (await session.execute(select(AuditLog))).scalars()]
    assert "broadcast.confirm" in actions


async def test_final_report_counts_a_volunteer_who_blocked_the_bot_as_unreachable_not_failed(harness):
    await _program(harness)
    blocker = 7_000_000_101
    harness.telegram.blocked.add(blocker)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await admin.send("Volunteers meeting on Thursday.")
    await admin.press("👥 Everyone")
    await admin.press("✅ Send now")
    progress = admin.last()

    harness.advance(seconds=2)  # past the one-message-a-second spacing of the admin's own chat
    await drain_once(harness.app)
    assert await refresh_progress(harness.app, 1) is True

    assert progress.text.startswith("📢 <b>Broadcast finished</b> (6 volunteers)")
    assert "Sent: 5" in progress.text
    assert "Unreachable (blocked the bot): 1" in progress.text
    assert "Failed: 0" in progress.text
    [row] = [r for r in await _outbox(harness) if r.chat_id == blocker]
    assert row.status == "unreachable" and row.last_error.startswith("403 Forbidden: bot was blocked")


async def test_broadcast_is_rendered_in_each_recipients_language(harness, settings):
    await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await admin.send("<b>not bold</b> & friends")
    await admin.press("👥 Everyone")
    catalogs = Catalogs(settings.zone, "ar")
    async with sessions(harness)() as session:
        message = OutboxMessage(kind="broadcast", payload='{"broadcast_id": 1}')
        arabic = await render_notice(session, catalogs.for_language("ar"), message)
        english = await render_notice(session, catalogs.for_language("en"), message)
    assert arabic is not None and english is not None
    assert arabic.text.startswith("📢 <b>رسالة من برنامج التطوع</b>")
    assert english.text.endswith("&lt;b&gt;not bold&lt;/b&gt; &amp; friends")


def _photo_message(person, caption: str) -> dict:
    photo = [{"file_id": "photo-1", "file_unique_id": "u-photo-1", "width": 800, "height": 600}]
    return {"message": person._message(photo=photo, caption=caption)}


async def test_broadcast_with_a_photo_and_photos_outside_the_flow_are_left_to_the_volunteer_handlers(harness):
    await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    sent = await harness.deliver(admin, _photo_message(admin, "The new vests have arrived"))
    assert sent[-1].text == "Who should receive it?"
    sent = await admin.press("👥 Everyone")
    assert harness.telegram.calls[-2][0] == "sendPhoto"
    assert sent[-2].text.endswith("The new vests have arrived")
    async with sessions(harness)() as session:
        assert (await session.execute(select(Broadcast))).scalar_one().photo_file_id == "photo-1"
    await admin.send("/broadcast")
    sent = await harness.deliver(admin, _photo_message(admin, "x" * 1000))  # a caption allows 1,024
    assert "too long" in sent[-1].text and "1,024" in sent[-1].text
    volunteer = harness.person(7_000_000_100)
    sent = await harness.deliver(volunteer, _photo_message(volunteer, "look"))
    assert sent[-1].text != "Who should receive it?"  # the volunteer handlers answered it


async def test_progress_is_followed_again_after_a_restart(harness):
    from handlers.coordinator.broadcast_progress import resume_progress_jobs

    await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await admin.send("Restart test")
    await admin.press("👥 Everyone")
    await admin.press("✅ Send now")
    for job in harness.app.job_queue.jobs():
        job.schedule_removal()

    class Context:
        services = harness.app.bot_data.services
        job_queue = harness.app.job_queue

    await resume_progress_jobs(Context())  # type: ignore[arg-type]
    assert [job.name for job in harness.app.job_queue.jobs() if job.name.startswith("broadcast-progress:1")]


async def test_a_photo_broadcast_reaches_volunteers_as_a_photo_with_its_caption(harness):
    from bot.sender import drain_once

    await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await harness.deliver(admin, _photo_message(admin, "The new vests have arrived"))
    await admin.press("👥 Everyone")
    await admin.press("✅ Send now")
    await drain_once(harness.app)
    photos = [params for method, params in harness.telegram.calls if method == "sendPhoto" and int(params["chat_id"]) != COORDINATOR_ID]
    assert len(photos) == 5 and all(p["photo"] == "photo-1" for p in photos)
    assert photos[0]["caption"] == "📢 <b>رسالة من برنامج التطوع</b>\n\nThe new vests have arrived"


async def test_a_coordinator_stops_a_broadcast_midway_and_the_report_says_how_many_got_it(harness):
    from handlers.coordinator.broadcast_progress import refresh_progress

    await _program(harness)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await admin.send("Wrong date in this message, sorry!")
    await admin.press("👥 Everyone")
    await admin.press("✅ Send now")
    progress = admin.last()
    harness.advance(seconds=2)
    from bot.sender import drain_once

    assert await drain_once(harness.app, limit=2) == 2
    await refresh_progress(harness.app, 1)
    assert progress.labels() == ["⛔ Stop sending"]
    await admin.press("⛔ Stop sending", progress)
    assert harness.telegram.callback_answers[-1]["text"] == "Stopped. Nothing more will be sent."
    harness.advance(seconds=5)
    assert await drain_once(harness.app) == 0
    assert await refresh_progress(harness.app, 1) is True
    assert progress.text.startswith("⛔ <b>Broadcast stopped</b>: 2 of 6 volunteers received it.")
    assert "⏸ Not sent: 4" in progress.text and "Failed: 0" in progress.text
    assert progress.labels() == []
    statuses = sorted(r.status for r in await _outbox(harness))
    assert statuses == ["dropped"] * 4 + ["sent"] * 2
    await admin.press_data("bcs:v1:1", progress)  # a second tap once it is over
    assert harness.telegram.callback_answers[-1]["text"] == "This broadcast has already finished."
