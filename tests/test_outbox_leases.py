"""Outbox leases across instances: a send held up far longer than the lease (a long flood wait)
keeps its row, so another instance never takes it and sends it a second time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.sender import OutboxSender
from handlers.notices import Rendered
from models import outbox
from models.tables import OutboxMessage
from tests.harness import BotHarness

LEASE = timedelta(seconds=4)


async def render_note(session, t, message):  # type: ignore[no-untyped-def]
    return Rendered("a note")


async def the_row(harness: BotHarness) -> OutboxMessage:
    async with harness.app.bot_data.services.sessions() as session:
        return (await session.execute(select(OutboxMessage))).scalar_one()


async def test_a_send_held_longer_than_its_lease_keeps_the_row_from_other_instances(harness: BotHarness) -> None:
    services = harness.app.bot_data.services
    async with services.sessions() as session, session.begin():
        await outbox.enqueue(session, key="note:1", chat_id=8801, kind="test_note", payload={}, now=harness.now)
    harness.telegram.hold = asyncio.Event()  # the send waits, as behind a long flood wait
    sender = OutboxSender(harness.app, render_note, lease=LEASE)
    draining = asyncio.create_task(sender.drain())
    try:
        claimed_at = harness.now
        for _ in range(3):  # three times the lease goes by while the send still waits
            harness.advance(seconds=LEASE.total_seconds() * 0.75)
            await asyncio.sleep(LEASE.total_seconds() * 0.75)
            async with services.sessions() as session, session.begin():
                # Another instance's sender looking for abandoned rows at that moment.
                requeued, closed = await outbox.recover_abandoned(session, now=harness.now)
            assert (requeued, closed) == (0, 0)
        row = await the_row(harness)
        assert row.status == "sending" and row.not_before > claimed_at + LEASE
    finally:
        harness.telegram.hold.set()
        await asyncio.wait_for(draining, 10)
        harness.telegram.hold = None
    row = await the_row(harness)
    assert (row.status, row.attempts, row.uncertain_sends) == ("sent", 1, 0)
    assert len(harness.telegram.calls_to(8801, "sendMessage")) == 1
