"""The rules behind expiring codes and live locations, without a bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.attendance import CheckInOutcome, SharedLocation, location_method, location_refusal
from models.checkin_codes import (
    LinkVerdict,
    digits_code,
    digits_match,
    judge_link,
    link_code,
    parse_link_code,
    shown_code,
    typed_digits,
    window_of,
)
from models.live_presence import clearly_outside
from models.tables import Shift

NOW = datetime(2026, 12, 1, 6, 2, 30, tzinfo=UTC)


def a_shift(shift_id: int = 41, secret: str = "s3cret-of-the-shift") -> Shift:
    return Shift(id=shift_id, checkin_code=secret)


def test_a_code_renews_every_five_minutes_and_depends_on_the_shifts_secret():
    shift = a_shift()
    shown = shown_code(shift, NOW)
    assert shown.renews_at == datetime(2026, 12, 1, 6, 5, tzinfo=UTC)
    assert shown_code(shift, NOW + timedelta(minutes=2)) == shown
    assert shown_code(shift, NOW + timedelta(minutes=3)).link_code != shown.link_code
    assert shown_code(a_shift(secret="another secret"), NOW).link_code != shown.link_code
    assert len(shown.digits) == 6 and shown.digits.isdigit()
    assert shown.link_code.startswith("41-") and len("ci-" + shown.link_code) <= 64  # a /start payload


def test_a_link_is_valid_in_its_window_and_the_next_then_expired():
    shift = a_shift()
    shift_id, window, mac = parse_link_code(link_code(shift, window_of(NOW)))  # type: ignore[misc]
    assert shift_id == 41
    assert judge_link(shift, window, mac, NOW) == LinkVerdict.VALID
    assert judge_link(shift, window, mac, NOW + timedelta(minutes=5)) == LinkVerdict.VALID
    assert judge_link(shift, window, mac, NOW + timedelta(minutes=10)) == LinkVerdict.EXPIRED
    assert judge_link(shift, window, "0" * 12, NOW) == LinkVerdict.WRONG
    assert judge_link(shift, window + 1, mac, NOW) == LinkVerdict.WRONG  # another window's mac
    assert judge_link(a_shift(secret="x"), window, mac, NOW) == LinkVerdict.WRONG


@pytest.mark.parametrize("text", ["NOTAREALCODE", "41-1-abc", "41-5-0123456789AB", "041-5-0123456789ab", "", "41-5-0123456789ab-"])
def test_malformed_links_are_not_parsed(text):
    assert parse_link_code(text) is None


def test_digits_are_accepted_for_the_current_and_the_previous_window_only():
    shift = a_shift()
    digits = digits_code(shift, window_of(NOW))
    assert digits_match(shift, digits, NOW) and digits_match(shift, digits, NOW + timedelta(minutes=5))
    assert not digits_match(shift, digits, NOW + timedelta(minutes=10))


@pytest.mark.parametrize(("typed", "digits"), [
    ("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456"),
    ("١٢٣٤٥٦", "123456"), ("١٢٣ ٤٥٦", "123456"), ("۱۲۳۴۵۶", "123456"),
])
def test_typed_digits_in_any_script_and_grouping(typed, digits):
    assert typed_digits(typed) == digits


@pytest.mark.parametrize("typed", ["12345", "1234567", "12345a", "hello!", "١٢٣٤٥"])
def test_what_is_not_six_digits_is_not_a_code(typed):
    assert typed_digits(typed) is None


def test_what_a_location_proves():
    here = SharedLocation(21.4, 39.8)
    assert location_refusal(here) is None and location_method(here) == "location"
    assert location_method(SharedLocation(21.4, 39.8, live=True)) == "live"
    assert location_refusal(SharedLocation(21.4, 39.8, forwarded=True, live=True)) == CheckInOutcome.FORWARDED
    assert location_refusal(SharedLocation(21.4, 39.8, venue=True)) == CheckInOutcome.VENUE


def test_clearly_outside_gives_the_accuracy_the_benefit_of_the_doubt():
    assert not clearly_outside(distance=340, accuracy_m=None, radius_m=300)  # within the margin
    assert clearly_outside(distance=360, accuracy_m=None, radius_m=300)
    assert not clearly_outside(distance=400, accuracy_m=60, radius_m=300)
    assert clearly_outside(distance=700, accuracy_m=60, radius_m=300)
