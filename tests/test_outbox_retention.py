"""Old outbox rows are pruned, without forgetting a thank-you already given or a broadcast's report."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.scheduling import run_sweeps
from bot.sender import drain_once
from handlers.coordinator.broadcast_progress import refresh_progress
from models import outbox
from models.notices.kinds import NoticeKind
from models.tables import OutboxMessage, OutboxStatus
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center


async def _queue(harness, key: str, kind: NoticeKind, *, days_ago: int, status: OutboxStatus) -> None:  # type: ignore[no-untyped-def]
    async with sessions(harness)() as session, session.begin():
        await outbox.enqueue(session, key=key, chat_id=9, kind=kind, payload={}, now=harness.now - timedelta(days=days_ago))
        await session.execute(update(OutboxMessage).where(OutboxMessage.key == key).values(status=status))


async def _keys(harness) -> set[str]:  # type: ignore[no-untyped-def]
    async with sessions(harness)() as session:
        return set((await session.execute(select(OutboxMessage.key))).scalars())


async def test_sent_messages_older_than_the_retention_are_pruned_and_the_rest_kept(harness):
    await _queue(harness, "old-reminder", NoticeKind.REMINDER, days_ago=120, status=OutboxStatus.SENT)
    await _queue(harness, "old-dropped", NoticeKind.REMINDER, days_ago=120, status=OutboxStatus.DROPPED)
    await _queue(harness, "recent-reminder", NoticeKind.REMINDER, days_ago=10, status=OutboxStatus.SENT)
    await _queue(harness, "old-but-pending", NoticeKind.PROMOTED, days_ago=120, status=OutboxStatus.PENDING)
    await _queue(harness, "old-milestone", NoticeKind.MILESTONE, days_ago=400, status=OutboxStatus.SENT)
    await _queue(harness, "old-first-shift", NoticeKind.FIRST_SHIFT, days_ago=400, status=OutboxStatus.SENT)
    report = await run_sweeps(harness.app.bot_data.services)
    assert report.counts["pruned_outbox"] == 2
    assert await _keys(harness) == {"recent-reminder", "old-but-pending", "old-milestone", "old-first-shift"}


async def test_a_pruned_broadcast_still_reports_its_final_counts(harness):
    await make_center(sessions(harness))
    await make_person(harness, COORDINATOR_ID, role="admin", language="en")
    for n in range(3):
        await make_person(harness, 7_300_000_000 + n, language="ar")
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/broadcast")
    await admin.send("Thank you all for Ramadan.")
    await admin.press("👥 Everyone")
    await admin.press("✅ Send now")
    progress_message = admin.last()
    harness.advance(seconds=2)
    await drain_once(harness.app)
    assert await refresh_progress(harness.app, 1) is True
    assert "Sent: 4" in progress_message.text
    harness.advance(days=91)
    await run_sweeps(harness.app.bot_data.services)
    async with sessions(harness)() as session:
        left = (await session.execute(select(OutboxMessage).where(OutboxMessage.broadcast_id == 1))).scalars().all()
    assert left == []
    from models.broadcasts import broadcast_progress

    async with sessions(harness)() as session:
        progress = await broadcast_progress(session, broadcast_id=1)
    assert progress is not None and progress.sent == 4 and progress.finished
