"""Rules several screens share: the program's calendar year, and digits as people type them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.coordinator.attendance import parse_amount
from models.authoring import parse_shift_spec
from models.base import year_bounds
from models.numerals import ascii_digits

RIYADH = ZoneInfo("Asia/Riyadh")


def test_the_year_starts_at_midnight_in_the_programs_zone_not_in_utc():
    start, end = year_bounds(2027, RIYADH)
    assert (start, end) == (datetime(2026, 12, 31, 21, tzinfo=UTC), datetime(2027, 12, 31, 21, tzinfo=UTC))
    after_midnight_in_riyadh = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 01:30 on 1 January there
    assert start <= after_midnight_in_riyadh < end
    assert not year_bounds(2026, RIYADH)[0] <= after_midnight_in_riyadh < year_bounds(2026, RIYADH)[1]


def test_arabic_indic_and_persian_digits_both_read_as_western_digits():
    assert ascii_digits("٢٠٢٦-١٢-٠٥ ١٦:٠٠") == "2026-12-05 16:00"
    assert ascii_digits("۲۰۲۶-۱۲-۰۵ ۱۶:۰۰") == "2026-12-05 16:00"
    assert ascii_digits("١٫٥ ساعة") == "1.5 ساعة"
    assert ascii_digits("Shift 7") == "Shift 7"


def test_coordinator_may_type_a_correction_in_persian_digits():
    assert parse_amount("۹۰ arrived late", hours_default=False) == (90, "arrived late")
    assert parse_amount("٩٠ arrived late", hours_default=False) == (90, "arrived late")
    assert parse_amount("۱٫۵ س left early", hours_default=False) == (90, "left early")


def test_coordinator_may_type_a_shift_in_persian_digits():
    now = datetime(2026, 12, 1, 6, tzinfo=UTC)
    spec = parse_shift_spec("۲۰۲۶-۱۲-۰۵ ۱۶:۰۰-۲۰:۰۰ ۲۵", zone=RIYADH, now=now)
    assert (spec.starts_at, spec.ends_at, spec.capacity) == (
        datetime(2026, 12, 5, 13, tzinfo=UTC), datetime(2026, 12, 5, 17, tzinfo=UTC), 25
    )
