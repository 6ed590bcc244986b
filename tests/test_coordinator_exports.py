"""/export: the coordinator is answered at once, the file follows with the right rows, in their language,
and a slow or failing export never blocks or crashes the bot."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta

from telegram import Update

import handlers.coordinator.exports as exports_handler
from models.tables import Attendance
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center, make_opportunity

COORDINATOR = 6_300_000_101
VOLUNTEER = 6_300_000_102
OUTSIDER = 6_300_000_103


async def _program(harness, *, language: str = "en"):
    """A coordinator of Al-Awali; one of its volunteers with two records, one of another center's with one."""
    factory = sessions(harness)
    awali = await make_center(factory)
    other = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language=language, center=awali)
    mine = await make_person(harness, VOLUNTEER, center=awali, name="=Huda")
    theirs = await make_person(harness, OUTSIDER, center=other, name="Salem")
    start = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
    _, shifts = await make_opportunity(factory, center=awali, starts=[start, start + timedelta(days=1)])
    async with factory() as session, session.begin():
        for shift, minutes in zip(shifts, (180, 95), strict=True):
            session.add(Attendance(shift_id=shift.id, volunteer_id=mine.id, checked_in_at=shift.starts_at,
                                   checked_out_at=shift.starts_at + timedelta(minutes=minutes), method="location",
                                   credited_minutes=minutes))
        session.add(Attendance(shift_id=shifts[0].id, volunteer_id=theirs.id, checked_in_at=shifts[0].starts_at,
                               checked_out_at=shifts[0].ends_at, method="code", credited_minutes=180))
    return awali


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel needs the mark to read Arabic as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


async def test_export_answers_at_once_then_sends_the_centers_rows(harness):
    await _program(harness)
    coordinator = harness.person(COORDINATOR)
    sent = await coordinator.send("/export hours csv 2026-01-01 2026-12-31")
    assert sent[0].text == "⏳ Preparing hours_2026-01-01_2026-12-31.csv… It will arrive here in a moment."
    document = sent[-1]
    assert document.file_name == "hours_2026-01-01_2026-12-31.csv" and document.text == "1 row"
    header, *rows = _csv(document.file or b"")
    assert header[:2] == ["volunteer_id", "name"] and len(rows) == 1
    # Only their own center's volunteer; a name that looks like a formula is kept inert.
    assert rows[0][1] == "'=Huda" and rows[0][5:] == ["2", "275", "4.58", "0", "0.0"]

    sent = await coordinator.send("/export attendance csv 2026-03-11 2026-03-11")
    _, *rows = _csv(sent[-1].file or b"")
    assert [(r[9], r[8]) for r in rows] == [("95", "location")] and sent[-1].text == "1 row"


async def test_xlsx_export_in_arabic(harness):
    await _program(harness, language="ar")
    coordinator = harness.person(COORDINATOR)
    sent = await coordinator.send("/export attendance xlsx 2026-01-01 2026-12-31")
    assert sent[0].text.startswith("⏳ جارٍ إعداد attendance_2026-01-01_2026-12-31.xlsx")
    assert sent[-1].text == "صفّان"  # the Arabic dual
    with zipfile.ZipFile(io.BytesIO(sent[-1].file or b"")) as book:
        sheet = "".join(book.read(name).decode() for name in book.namelist() if name.startswith("xl/"))
    # A string cell is never run as a formula: the name is written exactly as it is (issue 13).
    assert "=Huda" in sheet and "'=Huda" not in sheet and "Salem" not in sheet


async def test_a_failed_export_is_told_and_the_bot_goes_on(harness, monkeypatch):
    await _program(harness)

    async def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports_handler, "build_export", broken)
    coordinator = harness.person(COORDINATOR)
    sent = await coordinator.send("/export hours xlsx 2026-01-01 2026-12-31")
    assert sent[-1].text == "Sorry, hours_2026-01-01_2026-12-31.xlsx could not be prepared. Please try again in a few minutes."
    assert harness.telegram.calls_to(COORDINATOR, "sendDocument") == []
    assert (await coordinator.send("/help"))[-1].text  # still answering


async def test_volunteers_are_answered_while_an_export_is_being_built(harness, monkeypatch):
    await _program(harness)
    release = asyncio.Event()
    real_build = exports_handler.build_export

    async def slow(*args, **kwargs):
        await release.wait()
        return await real_build(*args, **kwargs)

    monkeypatch.setattr(exports_handler, "build_export", slow)
    coordinator, volunteer = harness.person(COORDINATOR), harness.person(VOLUNTEER)

    def update(person, text: str, update_id: int) -> Update:
        return Update.de_json({"update_id": update_id, "message": {
            "message_id": update_id, "date": int(harness.now.timestamp()), "text": text,
            "chat": {"id": person.user_id, "type": "private"},
            "from": {"id": person.user_id, "is_bot": False, "first_name": "T", "language_code": "en"},
            "entities": [{"type": "bot_command", "offset": 0, "length": text.split()[0].__len__()}]}}, harness.app.bot)

    await harness.app.process_update(update(coordinator, "/export hours csv 2026-01-01 2026-12-31", 9001))
    assert coordinator.last_text().startswith("⏳")
    await harness.app.process_update(update(volunteer, "/hours", 9002))
    assert volunteer.messages() and harness.telegram.calls_to(COORDINATOR, "sendDocument") == []
    release.set()
    await harness.app.bot_data.services.reports.drain(timeout=10)
    assert coordinator.last().file_name == "hours_2026-01-01_2026-12-31.csv"
