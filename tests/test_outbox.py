"""The outbox sender: delivery, flood waits, retries, blocked volunteers, crashes mid-send."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.sender import OutboxSender, drain_once
from handlers import callback_data as cd
from handlers.notices import Rendered, render_notice
from models import outbox
from models.tables import OutboxMessage, Volunteer
from tests.factories import make_center, make_opportunity
from tests.journey import register


async def render_with_test_notes(session, t, message):  # type: ignore[no-untyped-def]
    """The bot's renderer, plus a plain "test_note" kind (the sender takes any renderer)."""
    if message.kind == "test_note":
        return Rendered(f"note {json.loads(message.payload)['n']}")
    return await render_notice(session, t, message)


@pytest.fixture
def notes(harness):  # type: ignore[no-untyped-def]
    """A plain message kind, so these tests are about delivery rather than wording."""
    harness.app.bot_data.sender = OutboxSender(harness.app, render_with_test_notes)

    async def queue(chat_id: int, n: int, *, priority: int = outbox.PRIORITY_NOTICE, **extra):  # type: ignore[no-untyped-def]
        async with harness.app.bot_data.services.sessions() as session, session.begin():
            await outbox.enqueue(
                session, key=f"note:{chat_id}:{n}", chat_id=chat_id, kind="test_note", payload={"n": n},
                now=harness.now, priority=priority, **extra,
            )

    return queue


async def rows(harness) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with harness.app.bot_data.services.sessions() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


def texts(harness, chat_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in harness.telegram.to(chat_id)]


async def test_promoted_volunteer_is_told_at_once_in_their_language(harness, session_factory):
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)], capacity=1)
    sara, omar = harness.person(301), harness.person(302)
    await register(sara, "en", name="Sara")
    await register(omar, "ar", gender="male", name="عمر")
    await sara.press_data(cd.SignUp(shift.id).data)
    await omar.press_data(cd.SignUp(shift.id).data)
    await omar.press("⏳ الانضمام إلى قائمة الانتظار")
    harness.advance(minutes=5)
    await sara.press("Cancel my seat")
    await sara.press("Yes, cancel")

    assert await drain_once(harness.app) == 1

    promoted = omar.last()
    assert promoted.text.startswith("🎉 بشرى سارة! توفّر مقعد وأصبح لك: <b>خدمة ضيوف الرحمن</b>")
    assert promoted.labels() == ["إلغاء مقعدي"]
    [row] = await rows(harness)
    assert (row.status, row.attempts, row.telegram_message_id) == ("sent", 1, promoted.message_id)


async def test_flood_wait_is_honoured_exactly_and_is_not_counted_as_an_attempt(harness, notes):
    await notes(11, 1)
    harness.telegram.fail_next(code=429, retry_after=1)

    assert await drain_once(harness.app) == 0
    [row] = await rows(harness)
    assert (row.status, row.attempts, row.not_before) == ("pending", 0, harness.now + timedelta(seconds=1))
    assert row.last_error == "429 flood wait 1s"

    harness.advance(milliseconds=999)
    assert await drain_once(harness.app) == 0
    harness.advance(milliseconds=1)
    assert await drain_once(harness.app) == 1
    assert texts(harness, 11) == ["note 1"]


async def test_server_errors_are_retried_with_backoff_and_never_duplicated(harness, notes):
    await notes(12, 1)
    harness.telegram.fail_next(2, code=502)
    for _ in range(2):
        assert await drain_once(harness.app) == 0
        [row] = await rows(harness)
        assert row.status == "pending" and row.not_before > harness.now and row.uncertain_sends == 0
        harness.advance(seconds=10)
    assert await drain_once(harness.app) == 1
    [row] = await rows(harness)
    assert (row.status, row.attempts) == ("sent", 3)
    assert texts(harness, 12) == ["note 1"]


async def test_sender_gives_up_after_bounded_attempts_and_records_why(harness, notes):
    await notes(13, 1)
    harness.telegram.fail_next(outbox.MAX_ATTEMPTS, code=500)
    for _ in range(outbox.MAX_ATTEMPTS):
        await drain_once(harness.app)
        harness.advance(minutes=1)
    [row] = await rows(harness)
    assert row.status == "failed"
    assert row.last_error == "gave up after 5 attempts: NetworkError: fault 500"
    assert await drain_once(harness.app) == 0 and texts(harness, 13) == []


async def test_refused_connection_is_a_definite_failure_retried_without_doubt(harness, notes):
    await notes(14, 1)
    harness.telegram.fail_next(refused=True)
    await drain_once(harness.app)
    [row] = await rows(harness)
    assert (row.status, row.uncertain_sends) == ("pending", 0)
    harness.advance(seconds=10)
    assert await drain_once(harness.app) == 1


async def test_blocked_volunteer_gets_nothing_more_until_they_write_again(harness, notes, session_factory):
    await make_center(session_factory)
    sara = harness.person(401)
    await register(sara, "en", name="Sara")
    harness.telegram.blocked.add(401)
    harness.advance(minutes=1)
    attempts_before = len(harness.telegram.calls_to(401, "sendMessage"))
    await notes(401, 1)
    await drain_once(harness.app)
    async with harness.app.bot_data.services.sessions() as session:
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 401))).scalar_one()
    assert volunteer.reachable is False
    [row] = await rows(harness)
    assert row.status == "unreachable" and row.last_error.startswith("403 Forbidden: bot was blocked")

    await notes(401, 2)
    harness.advance(seconds=2)
    await drain_once(harness.app)
    assert (await rows(harness))[1].status == "unreachable"  # not sent: they are known to be unreachable
    assert len(harness.telegram.calls_to(401, "sendMessage")) == attempts_before + 1  # no retry, no second

    harness.telegram.blocked.discard(401)
    await sara.send("/help")  # writing again makes them reachable
    await notes(401, 3)
    harness.advance(seconds=2)
    assert await drain_once(harness.app) == 1
    assert texts(harness, 401)[-1] == "note 3"


async def test_read_timeout_is_resent_once_then_presumed_delivered(harness, notes):
    await notes(15, 1)
    harness.telegram.fail_next(timeout=True, delivered=True)
    await drain_once(harness.app)
    [row] = await rows(harness)
    assert (row.status, row.uncertain_sends) == ("pending", 1)
    assert row.last_error.startswith("uncertain, sending once more")
    harness.advance(seconds=10)
    assert await drain_once(harness.app) == 1
    assert texts(harness, 15) == ["note 1", "note 1"]  # the one duplicate the policy accepts

    await notes(16, 1)
    harness.telegram.fail_next(2, timeout=True)
    for _ in range(3):
        await drain_once(harness.app)
        harness.advance(seconds=30)
    row = (await rows(harness))[1]
    assert (row.status, row.uncertain_sends, row.attempts) == ("uncertain", 2, 2)
    assert texts(harness, 16) == []  # we never learnt; it is not sent a third time


async def test_crash_mid_send_resends_once_after_the_lease(harness, notes):
    """The process dies while a send is on the wire: after the lease another sender resends it once."""
    await notes(17, 1)
    harness.telegram.hold = asyncio.Event()
    first = OutboxSender(harness.app, render_with_test_notes)
    crashed = asyncio.create_task(first.drain())
    for _ in range(100):
        await asyncio.sleep(0.01)
        if harness.telegram.calls_to(17, "sendMessage"):
            break
    crashed.cancel()  # kill -9: nothing after this point runs
    with pytest.raises(asyncio.CancelledError):
        await crashed
    harness.telegram.hold = None
    [row] = await rows(harness)
    assert (row.status, row.attempts) == ("sending", 1)

    restarted = OutboxSender(harness.app, render_with_test_notes)
    assert await restarted.drain() == 0  # within the lease: maybe another instance's, left alone
    harness.advance(seconds=61)
    assert await restarted.drain() == 1
    [row] = await rows(harness)
    assert (row.status, row.attempts, row.uncertain_sends) == ("sent", 2, 1)
    assert row.last_error.startswith("uncertain: the sender stopped during the send")


async def test_row_abandoned_twice_is_closed_as_uncertain(harness, notes):
    await notes(18, 1)
    async with harness.app.bot_data.services.sessions() as session, session.begin():
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        row.status, row.attempts, row.uncertain_sends = "sending", 2, 1
        row.not_before = harness.now - timedelta(seconds=1)
    assert await drain_once(harness.app) == 0
    [row] = await rows(harness)
    assert (row.status, row.uncertain_sends) == ("uncertain", 2)
    assert texts(harness, 18) == []


async def test_one_message_per_second_per_chat(harness, notes):
    for n in (1, 2, 3):
        await notes(19, n)
    await notes(20, 1)
    assert await drain_once(harness.app) == 2  # one to each chat
    assert texts(harness, 19) == ["note 1"]
    harness.advance(seconds=1)
    assert await drain_once(harness.app) == 1
    harness.advance(seconds=1)
    assert await drain_once(harness.app) == 1
    assert texts(harness, 19) == ["note 1", "note 2", "note 3"]


async def test_notices_go_before_broadcasts_and_drain_respects_its_limit(harness, notes):
    await notes(21, 1, priority=outbox.PRIORITY_BROADCAST)
    await notes(22, 2, priority=outbox.PRIORITY_NOTICE)
    assert await drain_once(harness.app, limit=1) == 1
    assert texts(harness, 22) == ["note 2"] and texts(harness, 21) == []
    assert await drain_once(harness.app) == 1


async def test_a_message_with_nothing_left_to_say_is_dropped(harness):
    async with harness.app.bot_data.services.sessions() as session, session.begin():
        await outbox.enqueue(session, key="k1", chat_id=23, kind="no_such_kind", payload={}, now=harness.now)
    assert await drain_once(harness.app) == 0
    [row] = await rows(harness)
    assert (row.status, row.last_error) == ("dropped", "nothing to say any more (no_such_kind)")


async def test_background_sender_wakes_for_new_messages_and_stops_cleanly(harness, notes):
    sender = OutboxSender(harness.app, render_with_test_notes)
    harness.app.bot_data.sender = sender
    sender.start()
    await notes(24, 1)  # its commit rings the sender's bell
    for _ in range(100):
        await asyncio.sleep(0.01)
        if texts(harness, 24):
            break
    await sender.stop()
    assert texts(harness, 24) == ["note 1"]
    assert [r.status for r in await rows(harness)] == ["sent"]


def test_a_stored_error_never_keeps_the_bot_token():
    token = "123456789:AAH" + "x" * 32
    error = f"NetworkError: Cannot connect to https://api.telegram.org/bot{token}/sendMessage"
    stored = outbox._clip_error(error)
    assert token not in stored and "<token>" in stored
