"""Weekly series and overnight shifts (issue 12): /newopp and shift editing create a series in one
go; an end before the start is the next day, and reminders and check-in work across midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.scheduling import run_sweeps
from bot.sender import drain_once
from models.authoring import ShiftProblem, ShiftSpecError, parse_shift_series, parse_shift_spec
from models.tables import Shift, Signup
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center, make_opportunity

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
COORDINATOR = 6_600_000_001

LABELS = {
    "en": {"center": "Al-Awali Center", "category": "Serving pilgrims", "gender": "Everyone", "preview": "✅ Preview", "publish": "🚀 Publish",
           "weekly": "weekly", "added": "8 shifts added so far.",
           "too_long": "A weekly series runs for 1 to 26 weeks, like: 2026-12-04 16:00-19:00 25 weekly 8"},
    "ar": {"center": "مركز حي العوالي", "category": "خدمة ضيوف الرحمن", "gender": "الجميع", "preview": "✅ معاينة", "publish": "🚀 نشر",
           "weekly": "أسبوعيا", "added": "أُضيفت 8 ورديات حتى الآن.",
           "too_long": "تمتد السلسلة الأسبوعية من أسبوع واحد إلى 26 أسبوعًا، مثل: 2026-12-04 16:00-19:00 25 أسبوعيا 8"},
}


def test_an_end_before_the_start_is_the_next_day_and_a_series_keeps_its_local_times():
    night = parse_shift_spec("2026-12-05 22:00-02:00 5", zone=RIYADH, now=NOW)
    assert (night.starts_at.astimezone(UTC), night.ends_at.astimezone(UTC)) == (
        datetime(2026, 12, 5, 19, 0, tzinfo=UTC), datetime(2026, 12, 5, 23, 0, tzinfo=UTC))
    series = parse_shift_series("٢٠٢٦-١٢-٠٤ ١٦:٠٠-١٩:٠٠ ٢٥ أسبوعيا ٨", zone=RIYADH, now=NOW)
    assert len(series) == 8 and {s.starts_at.astimezone(RIYADH).strftime("%a %H:%M") for s in series} == {"Fri 16:00"}
    assert series[-1].starts_at - series[0].starts_at == timedelta(weeks=7)
    nights = parse_shift_series("2026-12-04 22:00-02:00 5 x3", zone=RIYADH, now=NOW)
    assert [s.ends_at - s.starts_at for s in nights] == [timedelta(hours=4)] * 3
    for text, problem in [("2026-12-05 16:00-16:00 5", ShiftProblem.END_BEFORE_START),
                          ("2026-12-05 16:00-19:00 5 weekly 27", ShiftProblem.SERIES_LENGTH),
                          ("2026-12-05 16:00-19:00 5 weekly 0", ShiftProblem.SERIES_LENGTH)]:
        with pytest.raises(ShiftSpecError) as raised:
            parse_shift_series(text, zone=RIYADH, now=NOW)
        assert raised.value.problem == problem


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_newopp_creates_a_weekly_series_in_one_go(harness, language):
    labels = LABELS[language]
    awali = await make_center(sessions(harness))
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language=language)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/newopp")
    for text in ("سقيا الجمعة", "Friday water", "-", "-"):
        await coordinator.send(text)
    await coordinator.press(labels["center"])
    await coordinator.press(labels["category"])
    await coordinator.press(labels["gender"])
    sent = await coordinator.share_location(21.4225, 39.8262)
    assert labels["weekly"] in sent[-1].text  # the prompt says how to repeat
    [refused] = await coordinator.send(f"2026-12-04 16:00-19:00 25 {labels['weekly']} 27")
    assert refused.text.endswith(labels["too_long"])
    [added] = await coordinator.send(f"2026-12-04 16:00-19:00 25 {labels['weekly']} 8")
    assert added.text.startswith(labels["added"])
    await coordinator.press(labels["preview"])
    await coordinator.press(labels["publish"])
    async with sessions(harness)() as session:
        shifts = (await session.execute(select(Shift).order_by(Shift.starts_at))).scalars().all()
    assert len(shifts) == 8 and len({s.opportunity_id for s in shifts}) == 1
    assert [s.starts_at for s in shifts] == [datetime(2026, 12, 4, 13, 0, tzinfo=UTC) + timedelta(weeks=n) for n in range(8)]
    assert {(s.ends_at - s.starts_at, s.capacity, s.latitude) for s in shifts} == {(timedelta(hours=3), 25, 21.4225)}
    assert len({s.checkin_code for s in shifts}) == 8  # each shift has its own secret


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_editing_a_shift_can_repeat_it_weekly(harness, language):
    awali = await make_center(sessions(harness))
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language=language)
    _, [shift] = await make_opportunity(sessions(harness), center=awali, starts=[datetime(2026, 12, 5, 13, 0, tzinfo=UTC)])
    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(f"sh:v1:edit:{shift.id}", (await coordinator.send("/shifts"))[-1])
    weekly = LABELS[language]["weekly"]
    [refused] = await coordinator.send(f"2026-12-05 16:00-20:00 10 {weekly} 40")
    assert refused.text == LABELS[language]["too_long"]
    [done] = await coordinator.send(f"2026-12-05 16:00-20:00 10 {weekly} 3")
    expected = {"en": "🔁 2 more weekly shifts were added.", "ar": "🔁 أُضيفت ورديتان أسبوعيتان أخريان."}[language]
    assert expected in done.text
    async with sessions(harness)() as session:
        shifts = (await session.execute(select(Shift).order_by(Shift.starts_at))).scalars().all()
    assert [(s.starts_at, s.ends_at - s.starts_at, s.capacity) for s in shifts] == [
        (datetime(2026, 12, 5, 13, 0, tzinfo=UTC) + timedelta(weeks=n), timedelta(hours=4), 10) for n in range(3)
    ]
    assert [line.action for line in await audit(harness, allowed=True)] == ["shift.change", "shift.repeat"]


async def test_an_overnight_shift_is_reminded_and_opens_for_check_in_before_midnight(harness):
    awali = await make_center(sessions(harness))
    volunteer = await make_person(harness, 8_400_000_001, center=awali, language="en")
    # 22:00-02:00 in Makkah.
    _, [shift] = await make_opportunity(sessions(harness), center=awali, starts=[datetime(2026, 12, 1, 19, 0, tzinfo=UTC)], hours=4)
    async with sessions(harness)() as session, session.begin():
        session.add(Signup(shift_id=shift.id, volunteer_id=volunteer.id, status="confirmed", signed_up_at=NOW))
        (await session.get(Shift, shift.id)).seats_taken = 1  # type: ignore[union-attr]
    sara = harness.person(volunteer.telegram_id)
    harness.now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # 20:00: two hours before
    await run_sweeps(harness.app.bot_data.services)
    harness.advance(seconds=1)
    await drain_once(harness.app)
    assert "Tuesday 1 December 2026, 10:00 pm – Wednesday 2 December 2026 2:00 am" in sara.last().text
    harness.now = datetime(2026, 12, 1, 22, 59, tzinfo=UTC)  # 01:59 the next day: still open
    sent = await sara.share_location(21.4225, 39.8262)
    assert "checked in" in sent[-1].text.lower()
