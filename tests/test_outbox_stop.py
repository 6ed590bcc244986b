"""Stopping the bot while Telegram sits on some sends: they come back to the queue, none stays "sending"."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from bot.sender import OutboxSender
from handlers.notices import Rendered
from models import outbox
from models.tables import OutboxMessage, OutboxStatus


async def render_note(session: Any, t: Any, message: OutboxMessage) -> Rendered:
    return Rendered(f"note {json.loads(message.payload)['n']}")


async def statuses(harness: Any) -> list[tuple[str, int, str | None]]:
    async with harness.app.bot_data.services.sessions() as session:
        found = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [(row.status, row.uncertain_sends, row.last_error) for row in found]


async def test_a_stop_gives_back_the_sends_telegram_has_not_answered(harness: Any) -> None:
    answered = asyncio.Event()  # never set: Telegram keeps these requests waiting
    deliver = harness.telegram.do_request

    async def hold_sends(url: str, method: str, request_data: Any = None, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            await answered.wait()
        return await deliver(url, method, request_data, **kwargs)

    harness.telegram.do_request = hold_sends
    sender = harness.app.bot_data.sender = OutboxSender(harness.app, render_note)
    async with harness.app.bot_data.services.sessions() as session, session.begin():
        for n in range(3):
            await outbox.enqueue(session, key=f"note:{n}", chat_id=500 + n, kind="test_note", payload={"n": n}, now=harness.now)
    sender.start()
    for _ in range(200):
        if [status for status, _, _ in await statuses(harness)] == ["sending"] * 3:
            break
        await asyncio.sleep(0.01)

    await sender.stop(timeout=0.2)

    for status, uncertain_sends, last_error in await statuses(harness):
        # The request may have reached Telegram: an uncertain send, so it goes once more, at most.
        assert (status, uncertain_sends) == (OutboxStatus.PENDING, 1)
        assert last_error is not None and last_error.startswith("uncertain: the sender stopped during the send")
