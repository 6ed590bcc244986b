"""Hours of a check-out the bot closed stay pending until a coordinator confirms them: /hours,
/stats (and its SAR value), the exports and the milestones count confirmed hours only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.scheduling import run_sweeps
from handlers import callback_data as cd
from models.stats import program_figures
from models.tables import Attendance, OutboxMessage, Volunteer
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import make_person, sessions
from tests.factories import SITE, make_center, make_opportunity
from tests.journey import register

COORDINATOR = 6_600_000_001
HOURS = {
    "en": {"title": "<b>⏱ Your volunteer hours</b>", "none": "Total: 5 hours", "kept": "Total: 8 hours",
           "pending": "⏳ Pending review: 3 hours, not counted until a coordinator confirms it."},
    "ar": {"title": "<b>⏱ ساعاتك التطوعية</b>", "none": "المجموع: 5 ساعات", "kept": "المجموع: 8 ساعات",
           "pending": "⏳ قيد المراجعة: 3 ساعات، ولا تُحتسب حتى يعتمدها أحد المنسقين."},
}


async def forgot_to_check_out(harness, language: str):  # type: ignore[no-untyped-def]
    """A volunteer with 5 confirmed hours from earlier, who checks in and forgets to check out."""
    factory = sessions(harness)
    center = await make_center(factory)
    await make_person(harness, COORDINATOR, role="coordinator", centers=[center], language=language)
    _, [shift] = await make_opportunity(factory, center=center, starts=[harness.now + timedelta(hours=1)])
    sara = harness.person(901)
    await register(sara, language, name="Sara")
    await sara.press_data(cd.SignUp(shift.id).data)
    async with factory() as session, session.begin():
        volunteer_id = (await session.execute(select(Volunteer.id).where(Volunteer.telegram_id == 901))).scalar_one()
        earlier = harness.now - timedelta(days=30)
        session.add(Attendance(volunteer_id=volunteer_id, checked_in_at=earlier, checked_out_at=earlier, method="manual",
                               credited_minutes=300))
    harness.now = shift.starts_at
    await sara.share_location(*SITE)
    harness.now = shift.ends_at + timedelta(minutes=30)
    await run_sweeps(harness.app.bot_data.services)  # closes it at the end: 3 hours, flagged
    return sara, shift


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_pending_hours_are_shown_apart_in_hours_and_count_once_a_coordinator_keeps_them(harness, language):
    sara, _ = await forgot_to_check_out(harness, language)
    texts = HOURS[language]
    hours = (await sara.send("/hours"))[-1].text.split("\n")
    assert hours[:4] == [texts["title"], texts["none"], hours[2], texts["pending"]]
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/review")
    await coordinator.press("✅ Keep #1" if language == "en" else "✅ اعتماد رقم 1")
    hours = (await sara.send("/hours"))[-1].text
    assert texts["kept"] in hours and texts["pending"] not in hours
    async with sessions(harness)() as session:
        record = (await session.execute(select(Attendance).where(Attendance.method == "location"))).scalar_one()
    assert (record.flagged, record.flag_reason, record.reviewed_at) == (False, "reviewed", harness.now)


async def test_a_milestone_waits_for_confirmed_hours_and_comes_when_the_record_is_kept(harness):
    sara, _ = await forgot_to_check_out(harness, "en")
    async with sessions(harness)() as session, session.begin():
        extra = (await session.execute(select(Attendance).where(Attendance.method == "manual"))).scalar_one()
        extra.credited_minutes = 8 * 60  # 8 confirmed + 3 pending: past 10 hours only once kept
    harness.advance(minutes=1)
    await run_sweeps(harness.app.bot_data.services)

    async def milestones() -> list[str]:
        async with sessions(harness)() as session:
            rows = await session.execute(select(OutboxMessage.key).where(OutboxMessage.kind == "milestone"))
            return list(rows.scalars())

    assert await milestones() == []
    harness.advance(days=2)  # reviewed days later, far outside the sweep's look-back at check-outs
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/review")
    await coordinator.press("✅ Keep #1")
    harness.advance(minutes=1)
    await run_sweeps(harness.app.bot_data.services)
    assert [key.split(":")[-1] for key in await milestones()] == ["10h"]


async def _program_with_pending(harness):  # type: ignore[no-untyped-def]
    """2026: 6.5 confirmed hours and one auto-closed record of 3 hours, all in Al-Awali."""
    factory = sessions(harness)
    awali = await make_center(factory)
    await make_person(harness, COORDINATOR_ID, role="admin", language="en")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="ar")
    people = [await make_person(harness, 7_300_000_000 + n, center=awali, name=f"V{n}") for n in range(3)]
    start = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    _, [shift] = await make_opportunity(factory, center=awali, starts=[start])
    async with factory() as session, session.begin():
        for person, minutes in [(people[0], 180), (people[1], 210)]:
            session.add(Attendance(shift_id=shift.id, volunteer_id=person.id, checked_in_at=start,
                                   checked_out_at=start + timedelta(minutes=minutes), method="code", credited_minutes=minutes))
        session.add(Attendance(shift_id=shift.id, volunteer_id=people[2].id, checked_in_at=start, checked_out_at=shift.ends_at,
                               method="location", credited_minutes=180, flagged=True, flag_reason="auto_checkout"))
    harness.now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    return awali


async def test_program_figures_keep_pending_minutes_apart(harness):
    awali = await _program_with_pending(harness)
    async with sessions(harness)() as session:
        everyone = await program_figures(session, year=2026, zone=ZoneInfo("Asia/Riyadh"))
        center = await program_figures(session, year=2026, zone=ZoneInfo("Asia/Riyadh"), center_id=awali.id)
    assert (everyone.minutes, everyone.pending_minutes, everyone.active_total) == (390, 180, 3)
    assert (center.minutes, center.pending_minutes) == (390, 180)
    assert everyone.economic_value(21.7) == 141.05  # 6.5 confirmed hours, not 9.5


async def test_stats_keep_pending_hours_out_of_the_sar_value_until_they_are_kept(harness):
    await _program_with_pending(harness)
    admin = harness.person(COORDINATOR_ID)
    figures = (await admin.send("/stats 2026"))[0].text
    assert "⏱ Confirmed hours: 6.5 — 0% of the target 8,000,000" in figures
    assert "⏳ Hours pending review: 3 (counted once a coordinator confirms them in /review)" in figures
    assert "💰 Economic value: 141.05 SAR (21.7 SAR per confirmed hour)" in figures
    coordinator = harness.person(COORDINATOR)
    arabic = (await coordinator.send("/stats 2026"))[0].text  # their center: measured against its own targets (none yet)
    assert "⏱ الساعات المعتمدة: 6.5\n" in arabic
    assert "⏳ ساعات قيد المراجعة: 3 (تُحتسب بعد أن يعتمدها أحد المنسقين في /review)" in arabic
    assert "💰 القيمة الاقتصادية: 141.05 ريال (21.7 ريال للساعة المعتمدة)" in arabic
    await coordinator.send("/review")
    await coordinator.press("✅ اعتماد رقم 1")
    figures = (await admin.send("/stats 2026"))[0].text
    assert "⏱ Confirmed hours: 9.5" in figures and "⏳ Hours pending review: 0 " in figures
    assert "💰 Economic value: 206.15 SAR" in figures


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


async def test_exports_show_confirmed_and_pending_minutes_in_columns_of_their_own(harness):
    await _program_with_pending(harness)
    admin = harness.person(COORDINATOR_ID)
    header, *rows = _csv((await admin.send("/export hours csv 2026-01-01 2026-12-31"))[-1].file or b"")
    assert header[5:] == ["records", "confirmed_minutes", "confirmed_hours", "pending_minutes", "pending_hours"]
    assert [(r[1], r[6:]) for r in rows] == [("V0", ["180", "3.0", "0", "0.0"]), ("V1", ["210", "3.5", "0", "0.0"]),
                                            ("V2", ["0", "0.0", "180", "3.0"])]
    header, *rows = _csv((await admin.send("/export volunteers csv 2026-01-01 2026-12-31"))[-1].file or b"")
    assert header[-2:] == ["confirmed_minutes_in_range", "pending_minutes_in_range"]
    assert {r[1]: r[-2:] for r in rows}["V2"] == ["0", "180"]
    header, *rows = _csv((await admin.send("/export attendance csv 2026-01-01 2026-12-31"))[-1].file or b"")
    assert header[9:11] == ["credited_minutes", "hours_status"]
    assert sorted((r[2], r[10]) for r in rows) == [("V0", "confirmed"), ("V1", "confirmed"), ("V2", "pending_review")]
