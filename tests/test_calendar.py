"""📅 Add to calendar (issue 12): a confirmed shift, or all upcoming ones (/calendar), as an .ics
file the phone's calendar opens: in the volunteer's language, with the site and a 2-hour alarm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.coordinator_support import make_person, sessions
from tests.factories import SITE, make_center, make_opportunity

RIYADH = ZoneInfo("Asia/Riyadh")
START = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)  # Friday 16:00 in Makkah

TEXTS = {
    "en": {"button": "📅 Add to calendar", "title": "Serving the pilgrims", "caption": "📅 1 shift for your calendar: open the file to add it.",
           "alarm": "In 2 hours: Serving the pilgrims", "none": "You have no upcoming confirmed shifts. Find one with 🔎 Opportunities.",
           "all": "📅 2 shifts for your calendar: open the file to add them.", "place": "Al-Awali Center"},
    "ar": {"button": "📅 أضف إلى التقويم", "title": "خدمة ضيوف الرحمن", "caption": "📅 وردية واحدة لتقويمك: افتح الملف لإضافتها.",
           "alarm": "بعد ساعتين: خدمة ضيوف الرحمن", "none": "ليست لديك ورديات مؤكدة قادمة. ابحث عن واحدة عبر 🔎 الفرص.",
           "all": "📅 ورديتان لتقويمك: افتح الملف لإضافتهما.", "place": "مركز حي العوالي"},
}


def events(message) -> list:  # type: ignore[no-untyped-def,type-arg]
    assert message.method == "sendDocument" and message.file_name and message.file_name.endswith(".ics")
    return list(Calendar.from_ical(message.file).walk("VEVENT"))


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_confirmed_seat_can_be_added_to_the_calendar(harness, language):
    texts = TEXTS[language]
    center = await make_center(sessions(harness))
    row = await make_person(harness, 8_500_000_001, center=center, language=language)
    _, shifts = await make_opportunity(sessions(harness), center=center, starts=[START, START + timedelta(weeks=1)])
    sara = harness.person(row.telegram_id)
    await sara.send("/help")
    [confirmed] = await sara.press_data(f"su:v1:{shifts[0].id}")
    assert texts["button"] in confirmed.labels()
    [document] = await sara.press(texts["button"], confirmed)
    assert document.text == texts["caption"]
    [event] = events(document)
    assert str(event["summary"]) == texts["title"]
    assert event.decoded("dtstart") == START.astimezone(RIYADH) and event["dtstart"].params["TZID"] == "Asia/Riyadh"
    assert event.decoded("dtend") == START + timedelta(hours=3)
    assert (event["geo"].latitude, event["geo"].longitude) == SITE
    assert texts["place"] in str(event["location"]) and "https://maps.google.com/?q=21.422500,39.826200" in str(event["location"])
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(hours=2) and str(alarm["description"]) == texts["alarm"]
    assert Calendar.from_ical(document.file).walk("VTIMEZONE")  # the zone travels with the file

    # /my offers it beside each confirmed seat; /calendar sends every upcoming one in one file.
    await sara.press_data(f"su:v1:{shifts[1].id}")
    [schedule] = await sara.send("/my")
    assert sum(label.startswith("📅") for label in schedule.labels()) == 2
    [everything] = await sara.send("/calendar")
    assert everything.text == texts["all"]
    assert [e.decoded("dtstart") for e in events(everything)] == [START, START + timedelta(weeks=1)]


async def test_a_cancelled_or_someone_elses_seat_gives_no_file_and_nothing_upcoming_says_so(harness):
    center = await make_center(sessions(harness))
    sara_row = await make_person(harness, 8_500_000_002, center=center, language="en")
    omar_row = await make_person(harness, 8_500_000_003, center=center, language="ar")
    _, [shift] = await make_opportunity(sessions(harness), center=center, starts=[START])
    omar = harness.person(omar_row.telegram_id)
    await omar.send("/help")
    [confirmed] = await omar.press_data(f"su:v1:{shift.id}")
    signup_data = next(b["callback_data"] for b in confirmed.inline_buttons() if b["callback_data"].startswith("ical:"))
    sara = harness.person(sara_row.telegram_id)
    [nothing] = await sara.send("/calendar")
    assert nothing.text == TEXTS["en"]["none"]
    assert await sara.press_data(signup_data) == []  # Omar's seat: no file
    assert harness.telegram.callback_answers[-1]["text"] == "This seat is no longer confirmed or the shift is over."
    harness.now = START + timedelta(hours=4)  # the shift is over
    assert await omar.press_data(signup_data, confirmed) == []
    assert harness.telegram.callback_answers[-1]["text"] == "هذا المقعد لم يعد مؤكدًا، أو أن الوردية انتهت."
    [nothing] = await omar.send("/calendar")
    assert nothing.text == TEXTS["ar"]["none"]
