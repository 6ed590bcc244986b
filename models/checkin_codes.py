"""Check-in codes that expire, and the limit on wrong ones.

A code is never stored: it is derived from the shift's secret (`col(Shift.checkin_code)`, 128 random
bits, never shown) and the number of the current time window (`WINDOW`, five minutes), so a
photographed or forwarded code stops working within minutes. The coordinator's card shows two
forms of the same window's proof:

- the deep link `/start ci-<shift id>-<window>-<mac>` behind the QR code, where mac is the first
  12 hex digits of HMAC-SHA256(secret, "link:<shift id>:<window>"). The window travels in the
  link, so a genuine link that is too old is told apart from a made-up one ("expired" vs "not
  valid");
- six digits to type when a camera cannot scan: HMAC-SHA256(secret, "digits:<window>") reduced
  modulo 10^6, as TOTP does. They name no shift: they are matched against the shifts the
  volunteer holds.

Both are accepted in their own window and the next one, so a code shown a second before it renews
still works for a full window; a code is good for five to ten minutes.

Guessing is what the limit is for: `MAX_WRONG` codes that match nothing within `WRONG_PERIOD` and
the volunteer waits; while waiting even a right code is refused, or the limit would only slow a
guesser down. The tries are rows in the database, so the limit holds across the bot's instances.
A genuine link that has merely expired is not a guess and does not count.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.attendance import CheckInOutcome, CheckInResult, check_in_holder, held_shifts
from models.tables import Shift, Volunteer, WrongCheckInCode

WINDOW = timedelta(minutes=5)
DIGITS = 6
MAC_HEX = 12  # 48 bits: guessing one online, a try at a time, is hopeless
MAX_WRONG = 5
WRONG_PERIOD = timedelta(minutes=10)

_LINK = re.compile(rf"([1-9][0-9]{{0,17}})-([0-9]{{1,12}})-([0-9a-f]{{{MAC_HEX}}})")
_SEPARATORS = frozenset(" -\u00a0\u2009\u202f")  # what people put between groups of digits


def window_of(now: datetime) -> int:
    """The number of the time window `now` falls in (windows count from the Unix epoch)."""
    return int(now.timestamp() // WINDOW.total_seconds())


def window_ends_at(window: int) -> datetime:
    return datetime.fromtimestamp((window + 1) * WINDOW.total_seconds(), tz=UTC)


def _mac(secret: str, message: str) -> bytes:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()


def link_code(shift: Shift, window: int) -> str:
    """What follows `ci-` in the deep link of this shift's code for this window."""
    mac = _mac(shift.checkin_code, f"link:{shift.id}:{window}").hex()[:MAC_HEX]
    return f"{shift.id}-{window}-{mac}"


def digits_code(shift: Shift, window: int) -> str:
    """The six digits a volunteer types, for this shift and window."""
    value = int.from_bytes(_mac(shift.checkin_code, f"digits:{window}")[:8], "big")
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def accepted_windows(now: datetime) -> tuple[int, int]:
    current = window_of(now)
    return current - 1, current


@dataclass(frozen=True)
class ShownCode:
    """What the coordinator's card shows now, and when it renews."""

    link_code: str
    digits: str
    renews_at: datetime


def shown_code(shift: Shift, now: datetime) -> ShownCode:
    window = window_of(now)
    return ShownCode(link_code(shift, window), digits_code(shift, window), window_ends_at(window))


def parse_link_code(text: str) -> tuple[int, int, str] | None:
    """(shift id, window, mac) of a deep-link code, or None when it has not that shape."""
    match = _LINK.fullmatch(text)
    if match is None:
        return None
    return int(match[1]), int(match[2]), match[3]


def typed_digits(text: str) -> str | None:
    """The six digits of a typed code, in ASCII ('١٢٣ ٤٥٦' and '123-456' too), or None."""
    kept = [ch for ch in text.strip() if ch not in _SEPARATORS]
    if len(kept) != DIGITS or not all(ch.isdecimal() for ch in kept):
        return None
    return "".join(str(unicodedata.decimal(ch)) for ch in kept)


class LinkVerdict(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"  # genuine, but older than the previous window
    WRONG = "wrong"  # made up, mistyped, of another shift, or from the future


def judge_link(shift: Shift, window: int, mac: str, now: datetime) -> LinkVerdict:
    """A LinkVerdict for a deep-link code whose shift is known."""
    if not hmac.compare_digest(link_code(shift, window), f"{shift.id}-{window}-{mac}"):
        return LinkVerdict.WRONG
    oldest, current = accepted_windows(now)
    if window > current:
        return LinkVerdict.WRONG
    return LinkVerdict.VALID if window >= oldest else LinkVerdict.EXPIRED


def digits_match(shift: Shift, digits: str, now: datetime) -> bool:
    return any(hmac.compare_digest(digits_code(shift, w), digits) for w in accepted_windows(now))


async def wrong_code_wait(session: AsyncSession, *, volunteer_id: int, now: datetime) -> int | None:
    """Whole minutes the volunteer must wait before trying a code again, or None when they may."""
    recent = list(
        (
            await session.execute(
                select(col(WrongCheckInCode.at))
                .where(col(WrongCheckInCode.volunteer_id) == volunteer_id, col(WrongCheckInCode.at) > now - WRONG_PERIOD)
                .order_by(col(WrongCheckInCode.at).desc())
                .limit(MAX_WRONG)
            )
        ).scalars()
    )
    if len(recent) < MAX_WRONG:
        return None
    # Free again when the oldest of the last MAX_WRONG tries leaves the period.
    free_at = recent[-1] + WRONG_PERIOD
    return max(1, math.ceil((free_at - now).total_seconds() / 60))


async def note_wrong_code(session: AsyncSession, *, volunteer_id: int, now: datetime) -> None:
    """Count a wrong try (and forget this volunteer's tries that no longer count)."""
    await session.execute(
        delete(WrongCheckInCode).where(
            col(WrongCheckInCode.volunteer_id) == volunteer_id,
            col(WrongCheckInCode.at) <= now - WRONG_PERIOD,
        )
    )
    session.add(WrongCheckInCode(volunteer_id=volunteer_id, at=now))
    await session.flush()


# A newcomer who scanned a code is checked in after onboarding without scanning again, if they
# finish within this long (the scan proved presence then; an hour later it proves nothing).
PENDING_SCAN_TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class CodeCheck:
    """A deep-link code judged: the shift it proves presence at, or why it does not."""

    shift: Shift | None
    refusal: CheckInResult | None = None


async def check_link(session: AsyncSession, *, volunteer: Volunteer, code: str, now: datetime) -> CodeCheck:
    """Judge a scanned code (the part after `ci-`); counts and limits wrong ones."""
    assert volunteer.id is not None
    wait = await wrong_code_wait(session, volunteer_id=volunteer.id, now=now)
    if wait is not None:
        return CodeCheck(None, CheckInResult(CheckInOutcome.WAIT, wait_minutes=wait))
    parsed = parse_link_code(code)
    shift = await session.get(Shift, parsed[0]) if parsed is not None else None
    verdict = judge_link(shift, parsed[1], parsed[2], now) if shift is not None and parsed is not None else LinkVerdict.WRONG
    if verdict == LinkVerdict.WRONG:
        await note_wrong_code(session, volunteer_id=volunteer.id, now=now)
        return CodeCheck(None, CheckInResult(CheckInOutcome.BAD_CODE))
    if verdict == LinkVerdict.EXPIRED:
        return CodeCheck(shift, CheckInResult(CheckInOutcome.CODE_EXPIRED, shift=shift))
    return CodeCheck(shift)


async def check_in_by_code(
    session: AsyncSession, *, volunteer: Volunteer, code: str, now: datetime, early_minutes: int
) -> CheckInResult:
    """Check in with the code a coordinator shows on site (the deep link `/start ci-<code>`)."""
    checked = await check_link(session, volunteer=volunteer, code=code, now=now)
    if checked.refusal is not None:
        return checked.refusal
    assert checked.shift is not None
    return await check_in_holder(
        session, volunteer=volunteer, shift=checked.shift, now=now, early_minutes=early_minutes, method="code"
    )


async def check_in_by_digits(
    session: AsyncSession, *, volunteer: Volunteer, digits: str, now: datetime, early_minutes: int
) -> CheckInResult:
    """Check in with the six digits shown under the QR code, typed: matched against the shifts
    the volunteer holds (they name none), counted and limited like any code."""
    assert volunteer.id is not None
    wait = await wrong_code_wait(session, volunteer_id=volunteer.id, now=now)
    if wait is not None:
        return CheckInResult(CheckInOutcome.WAIT, wait_minutes=wait)
    held = await held_shifts(session, volunteer_id=volunteer.id, now=now)
    if not held:
        return CheckInResult(CheckInOutcome.NO_SHIFT)  # nothing to guess at: not counted
    for _signup, shift, _opportunity in held:
        if digits_match(shift, digits, now):
            return await check_in_holder(
                session, volunteer=volunteer, shift=shift, now=now, early_minutes=early_minutes, method="code"
            )
    await note_wrong_code(session, volunteer_id=volunteer.id, now=now)
    return CheckInResult(CheckInOutcome.BAD_DIGITS)


async def check_in_after_onboarding(
    session: AsyncSession, *, volunteer: Volunteer, shift_id: int, scanned_at: datetime, now: datetime, early_minutes: int
) -> CheckInResult:
    """The check-in a newcomer's scan asked for, once they are registered."""
    shift = await session.get(Shift, shift_id)
    if shift is None:
        return CheckInResult(CheckInOutcome.BAD_CODE)
    if now - scanned_at > PENDING_SCAN_TTL:
        return CheckInResult(CheckInOutcome.CODE_EXPIRED, shift=shift)
    return await check_in_holder(
        session, volunteer=volunteer, shift=shift, now=now, early_minutes=early_minutes, method="code"
    )
