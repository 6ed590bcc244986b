"""Updates of different volunteers are handled at the same time; one volunteer's, in order."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.app import PerChatUpdateProcessor


def text_update(update_id: int, user_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "V"},
                "text": f"update {update_id}",
            },
        },
        None,  # type: ignore[arg-type]
    )


async def test_a_slow_update_holds_back_its_own_chat_only() -> None:
    processor = PerChatUpdateProcessor(8)
    finished: list[int] = []
    release_first = asyncio.Event()

    async def handle(update_id: int) -> None:
        if update_id == 1:
            await release_first.wait()  # the first update of chat 100 is slow
        finished.append(update_id)

    updates = [text_update(1, 100), text_update(2, 200), text_update(3, 100), text_update(4, 200)]
    tasks = [asyncio.create_task(processor.process_update(u, handle(u.update_id))) for u in updates]
    for _ in range(10):
        await asyncio.sleep(0)
    assert finished == [2, 4]  # the other chat went on; chat 100's second update waits
    release_first.set()
    await asyncio.gather(*tasks)
    assert finished == [2, 4, 1, 3]


async def test_one_chat_is_handled_strictly_in_arrival_order() -> None:
    processor = PerChatUpdateProcessor(4)  # fewer slots than updates: some wait for one
    finished: list[int] = []

    async def handle(update_id: int) -> None:
        await asyncio.sleep(0.001 * (update_id % 3))  # later updates are not slower
        finished.append(update_id)

    updates = [text_update(i, 100 + i % 2) for i in range(1, 21)]
    await asyncio.gather(*(processor.process_update(u, handle(u.update_id)) for u in updates))
    for chat in (0, 1):
        mine = [i for i in finished if i % 2 == chat]
        assert mine == sorted(mine)
    assert processor._latest == {}  # nothing left behind
