"""One pipeline for every notice: a loader and a renderer per kind, and commits that wake the sender."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot import sender as sender_module
from bot.sender import OutboxSender
from handlers import callback_data as cd
from handlers.notices import RENDERERS, render_notice
from models import outbox
from models.notices.kinds import NoticeKind
from models.notices.registry import LOADERS
from tests.factories import make_center, make_opportunity
from tests.journey import register


def test_every_notice_kind_has_one_loader_and_one_renderer():
    assert set(LOADERS) == set(NoticeKind)
    assert set(RENDERERS) == set(NoticeKind)


async def test_a_commit_that_queued_a_message_rings_the_senders_bell_and_a_rollback_does_not(harness):
    services = harness.app.bot_data.services
    bell = services.outbox_bell
    before = bell.rings
    async with services.sessions() as session, session.begin():
        await outbox.enqueue(session, key="bell:1", chat_id=11, kind=NoticeKind.MILESTONE, payload={}, now=harness.now)
    assert bell.rings == before + 1
    async with services.sessions() as session, session.begin():
        pass  # queued nothing
    assert bell.rings == before + 1
    try:
        async with services.sessions() as session, session.begin():
            await outbox.enqueue(session, key="bell:2", chat_id=11, kind=NoticeKind.MILESTONE, payload={}, now=harness.now)
            raise RuntimeError("the handler failed after queueing")
    except RuntimeError:
        pass
    assert bell.rings == before + 1
    async with services.sessions() as session, session.begin():
        await outbox.enqueue(session, key="bell:1", chat_id=11, kind=NoticeKind.MILESTONE, payload={}, now=harness.now)
    assert bell.rings == before + 1, "a key queued before queues nothing and rings nothing"


async def test_a_promoted_volunteer_is_told_at_once_without_waiting_for_the_next_poll(harness, session_factory, monkeypatch):
    """The running sender wakes on the cancel's commit, not on its idle poll (set to a minute here)."""
    monkeypatch.setattr(sender_module, "IDLE_POLL_S", 60.0)
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)], capacity=1)
    sara, omar = harness.person(401), harness.person(402)
    await register(sara, "en", name="Sara")
    await register(omar, "en", gender="male", name="Omar")
    await sara.press_data(cd.SignUp(shift.id).data)
    await omar.press_data(cd.SignUp(shift.id).data)
    await omar.press("⏳ Join the waitlist")
    sender = OutboxSender(harness.app, render_notice)
    harness.app.bot_data.sender = sender
    sender.start()
    try:
        await asyncio.sleep(0.05)  # the sender is idle, waiting on its bell
        harness.advance(minutes=5)
        await sara.press("Cancel my seat")
        await sara.press("Yes, cancel")
        for _ in range(100):
            if any(m.text.startswith("🎉 Good news!") for m in harness.telegram.to(402)):
                break
            await asyncio.sleep(0.02)
        assert any(m.text.startswith("🎉 Good news!") for m in harness.telegram.to(402))
    finally:
        await sender.stop()
