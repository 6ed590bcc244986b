"""The rules behind the coordinators' fixes, without a bot: times as typed, and the day of off-system work."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.attendance_review import WorkDateProblem, off_system_moment
from models.corrections import parse_times

RIYADH = ZoneInfo("Asia/Riyadh")
DAY = date(2026, 12, 1)


@pytest.mark.parametrize(("typed", "arrived", "left", "rest"), [
    ("16:05-19:30 phone was dead", (13, 5), (16, 30), "phone was dead"),
    ("16:05 – 19:30", (13, 5), (16, 30), ""),
    ("٤:٠٥ م - ٧:٣٠ م وصل مبكرًا", (13, 5), (16, 30), "وصل مبكرًا"),
    ("4 pm-7:30 pm", (13, 0), (16, 30), ""),
    ("16:05", (13, 5), None, ""),
    ("22:00-01:30", (19, 0), (22, 30), ""),  # past midnight: the next day
])
def test_times_are_read_on_the_shifts_local_day(typed, arrived, left, rest):
    times = parse_times(typed, day=DAY, zone=RIYADH)
    assert times is not None
    assert times.checked_in_at == datetime(2026, 12, 1, *arrived, tzinfo=UTC)
    if left is None:
        assert times.checked_out_at is None
    else:
        assert (times.checked_out_at - times.checked_in_at).total_seconds() > 0
        assert times.checked_out_at.astimezone(UTC).time().replace(second=0) == datetime(2026, 1, 1, *left).time()
    assert times.rest == rest


@pytest.mark.parametrize("typed", ["180 left at the end", "3 hours", "yesterday", "25:00-26:00", "13 pm", "16:75"])
def test_minutes_words_and_impossible_times_are_not_times(typed):
    assert parse_times(typed, day=DAY, zone=RIYADH) is None


def test_off_system_work_is_dated_at_noon_that_day_within_the_last_year():
    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 09:00 in Riyadh
    assert off_system_moment(date(2026, 11, 20), now=now, zone=RIYADH) == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert off_system_moment(date(2026, 12, 1), now=now, zone=RIYADH) == now  # today's noon has not come yet
    assert off_system_moment(date(2025, 12, 1), now=now, zone=RIYADH) == datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
    assert off_system_moment(date(2025, 11, 30), now=now, zone=RIYADH) == WorkDateProblem.TOO_OLD
    assert off_system_moment(date(2026, 12, 2), now=now, zone=RIYADH) == WorkDateProblem.FUTURE
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert off_system_moment(date(2027, 2, 28), now=leap, zone=RIYADH) != WorkDateProblem.TOO_OLD
