"""Phone numbers in every form a Saudi user types them, read as one canonical form."""

from __future__ import annotations

import pytest

from models.phones import normalize_phone
from models.volunteers import telegram_id_in

CANONICAL = "+966501234567"


@pytest.mark.parametrize("typed", [
    "0501234567",
    "501234567",
    "966501234567",
    "+966501234567",
    "00966501234567",
    "+966 0501234567",  # the trunk zero written after the country code
    "050 123 4567",
    "050-123-4567",
    "+966 (50) 123-4567",
    "٠٥٠١٢٣٤٥٦٧",  # Arabic-Indic digits
    "۰۵۰۱۲۳۴۵۶۷",  # Persian digits
    "+٩٦٦٥٠١٢٣٤٥٦٧",
    "\u200e+966 50 123 4567\u200f",  # direction marks of copied Arabic text
    " 0501234567 ",
])
def test_every_form_a_saudi_user_types_is_one_canonical_number(typed):
    assert normalize_phone(typed) == CANONICAL


@pytest.mark.parametrize("typed", ["", "sara", "12345", "0123456789", "05012345", "05012345678", "+966", "0501234567x", "7100000001"])
def test_what_is_not_a_saudi_mobile_or_an_international_number_is_refused(typed):
    assert normalize_phone(typed) is None


def test_other_countries_are_kept_in_international_form():
    assert normalize_phone("+20 100 123 4567") == "+201001234567"
    assert normalize_phone("00201001234567") == "+201001234567"
    assert normalize_phone("201001234567") is None  # bare digits: a Saudi form or nothing
    assert normalize_phone("201001234567", international=True) == "+201001234567"  # a shared contact
    assert normalize_phone("966501234567", international=True) == CANONICAL


def test_a_telegram_id_is_plain_digits_without_a_leading_zero():
    assert telegram_id_in("7100000001") == 7_100_000_001
    assert telegram_id_in("٧١٠٠٠٠٠٠٠١") == 7_100_000_001
    assert telegram_id_in("0501234567") is None and telegram_id_in("+966501234567") is None and telegram_id_in("sara") is None
