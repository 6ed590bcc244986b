"""An edited message arrives as a new update: it must never run a command or a flow step again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models.tables import Attendance, AuditLog, Volunteer
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center
from tests.telegram_double import SentMessage

ADMIN = 5_000_000_001  # in COORDINATOR_IDS (tests/conftest.py)


async def send_then_edit(harness, person, text: str, edited: str) -> tuple[list[SentMessage], list[SentMessage]]:  # type: ignore[no-untyped-def]
    """Send a message, then edit it: Telegram delivers the edit as a new update with the same message_id."""
    def content(value: str) -> dict[str, Any]:
        body: dict[str, Any] = {"text": value}
        if value.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(value.split()[0])}]
        return body

    original = person._message(**content(text))
    first = await harness.deliver(person, {"message": original})
    changed = {**original, **content(edited), "edit_date": int(harness.now.timestamp()) + 30}
    second = await harness.deliver(person, {"edited_message": changed})
    return first, second


async def test_a_coordinator_who_fixes_a_typo_in_addhours_credits_the_hours_once(harness):
    factory = sessions(harness)
    center = await make_center(factory)
    await make_person(harness, 7_100_000_001, center=center, name="Badr")
    admin = harness.person(ADMIN, language_code="en")
    await make_person(harness, ADMIN, role="admin", language="en")
    first, second = await send_then_edit(harness, admin, "/addhours 7100000001 3 Ramadan ifatr", "/addhours 7100000001 3 Ramadan iftar")
    assert first[-1].text.startswith("✅ Added 3 hours for Badr.")
    assert [m.text for m in second] == ["✏️ I do not act on edited messages, so nothing was changed. Please send it again as a new message."]
    async with factory() as session:
        manual = (await session.execute(select(Attendance).where(Attendance.method == "manual"))).scalars().all()
        audited = (await session.execute(select(AuditLog).where(AuditLog.action == "attendance.add_manual"))).scalars().all()
    assert [m.credited_minutes for m in manual] == [180]
    assert len(audited) == 1


async def test_an_edited_onboarding_answer_does_not_run_the_step_again(harness):
    sara = harness.person(881, language_code="ar")
    await sara.send("/start")
    await sara.press("English")
    first, second = await send_then_edit(harness, sara, "Sara", "Sarah")
    assert first, "the name step answered"
    assert [m.text for m in second] == ["✏️ I do not act on edited messages, so nothing was changed. Please send it again as a new message."]
    async with sessions(harness)() as session:
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 881))).scalar_one()
    assert volunteer.display_name == "Sara"


async def test_an_edited_location_or_sticker_is_ignored_without_a_word(harness):
    omar = harness.person(882, language_code="en")
    original = omar._message(location={"latitude": 21.4, "longitude": 39.8})
    await harness.deliver(omar, {"message": original})
    before = len(omar.messages())
    moved = {**original, "location": {"latitude": 21.5, "longitude": 39.9}, "edit_date": int(harness.now.timestamp()) + 5}
    assert await harness.deliver(omar, {"edited_message": moved}) == []
    assert len(omar.messages()) == before


async def test_the_same_edit_delivered_twice_is_answered_once(harness):
    sara = harness.person(883, language_code="en")
    await send_then_edit(harness, sara, "hello", "hello there")
    again = await harness.redeliver_last(sara)
    assert again == []
