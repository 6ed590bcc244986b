"""The rate limiter every Bot API call goes through: pace, priority for replies, flood waits."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import RetryAfter

from bot.ratelimit import PriorityRateLimiter


class Recorder:
    """A stand-in for the Bot API call: notes when each request actually went out."""

    def __init__(self, flood_waits: int = 0) -> None:
        self.sent: list[tuple[float, str]] = []
        self.flood_waits = flood_waits

    async def __call__(self, name: str) -> bool:
        if self.flood_waits:
            self.flood_waits -= 1
            raise RetryAfter(1)
        self.sent.append((time.monotonic(), name))
        return True


async def call(limiter: PriorityRateLimiter, recorder: Recorder, name: str, *, bulk: bool) -> bool:
    return await limiter.process_request(  # type: ignore[return-value]
        recorder, (name,), {}, "sendMessage", {"chat_id": 1}, {"bulk": True} if bulk else None
    )


async def test_no_second_holds_more_sends_than_the_rate():
    limiter, recorder = PriorityRateLimiter(rate=50), Recorder()
    await limiter.initialize()
    started = time.monotonic()
    await asyncio.gather(*(call(limiter, recorder, f"b{i}", bulk=True) for i in range(80)))
    times = [t for t, _ in recorder.sent]
    busiest = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)
    assert busiest <= 50
    assert time.monotonic() - started >= 1.0
    await limiter.shutdown()


async def test_a_reply_overtakes_the_queued_outbox_sends():
    limiter, recorder = PriorityRateLimiter(rate=20), Recorder()
    await limiter.initialize()
    bulk = [asyncio.create_task(call(limiter, recorder, f"b{i}", bulk=True)) for i in range(20)]
    await asyncio.sleep(0.12)
    asked = time.monotonic()
    await call(limiter, recorder, "reply", bulk=False)
    waited = time.monotonic() - asked
    assert waited < 0.15  # one slot at most, not behind the twenty
    order = [name for _, name in recorder.sent]
    assert order.index("reply") < 10  # more than half of the outbox sends still wait behind it
    await asyncio.gather(*bulk)
    await limiter.shutdown()


async def test_replies_cannot_starve_the_outbox_beyond_their_share():
    limiter, recorder = PriorityRateLimiter(rate=20, interactive_share=0.5), Recorder()
    await limiter.initialize()
    calls = [call(limiter, recorder, f"r{i}", bulk=False) for i in range(16)]
    calls += [call(limiter, recorder, f"b{i}", bulk=True) for i in range(16)]
    await asyncio.gather(*calls)
    first_twenty = [name for _, name in recorder.sent[:20]]
    assert sum(name.startswith("b") for name in first_twenty) >= 9
    await limiter.shutdown()


async def call_chat(limiter: PriorityRateLimiter, recorder: Recorder, chat_id: int, *, bulk: bool) -> bool:
    return await limiter.process_request(  # type: ignore[return-value]
        recorder, (f"chat{chat_id}",), {}, "sendMessage", {"chat_id": chat_id}, {"bulk": True} if bulk else None
    )


async def test_a_flood_wait_goes_back_to_the_outbox_and_holds_that_chat_only():
    limiter, recorder = PriorityRateLimiter(rate=30), Recorder(flood_waits=1)
    await limiter.initialize()
    with pytest.raises(RetryAfter):
        await call_chat(limiter, recorder, 7, bulk=True)
    assert limiter.chat_free_at(7, 0) is not None
    asked = time.monotonic()
    await call_chat(limiter, recorder, 8, bulk=False)
    assert time.monotonic() - asked < 0.2 and limiter.global_pauses == 0
    await limiter.shutdown()


async def test_flood_waits_from_several_chats_pause_everything():
    limiter, recorder = PriorityRateLimiter(rate=30), Recorder(flood_waits=3)
    await limiter.initialize()
    for chat_id in (1, 2, 3):
        with pytest.raises(RetryAfter):
            await call_chat(limiter, recorder, chat_id, bulk=True)
    asked = time.monotonic()
    await call_chat(limiter, recorder, 4, bulk=False)
    assert time.monotonic() - asked >= 0.9 and limiter.global_pauses == 1
    await limiter.shutdown()


async def test_a_reply_waits_out_a_flood_wait_and_is_sent():
    limiter, recorder = PriorityRateLimiter(rate=30), Recorder(flood_waits=1)
    await limiter.initialize()
    assert await call(limiter, recorder, "reply", bulk=False) is True
    assert [name for _, name in recorder.sent] == ["reply"]
    await limiter.shutdown()


class Failing:
    """A Bot API call that fails the first time with the given error."""

    def __init__(self, error: Exception) -> None:
        self.error, self.calls = error, 0

    async def __call__(self, name: str) -> bool:
        self.calls += 1
        if self.calls == 1:
            raise self.error
        return True


async def test_a_reply_refused_with_a_server_error_is_sent_again_once():
    from telegram.error import NetworkError

    limiter, api = PriorityRateLimiter(rate=30), Failing(NetworkError("Bad Gateway"))
    await limiter.initialize()
    assert await call(limiter, api, "reply", bulk=False) is True
    assert api.calls == 2
    bulk = Failing(NetworkError("Bad Gateway"))
    with pytest.raises(NetworkError):  # the outbox retries on its own schedule
        await call(limiter, bulk, "notice", bulk=True)
    await limiter.shutdown()


async def test_a_reply_that_timed_out_is_never_sent_twice():
    from telegram.error import TimedOut

    limiter, api = PriorityRateLimiter(rate=30), Failing(TimedOut())
    await limiter.initialize()
    with pytest.raises(TimedOut):  # it may have arrived: a second copy would be a duplicate
        await call(limiter, api, "reply", bulk=False)
    assert api.calls == 1
    await limiter.shutdown()
