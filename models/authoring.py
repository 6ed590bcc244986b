"""Coordinators creating and changing opportunities and shifts; every change is audited."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import record_action
from models.notices.shift_holders import notify_shift_holders
from models.numerals import ascii_digits
from models.opportunities import new_checkin_code
from models.signups import HELD, OfferRules, promote_waitlist
from models.tables import (
    CATEGORIES,
    MAX_CAPACITY,
    GenderRule,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
# "2026-12-05 16:00-20:00 25" (Arabic-Indic and Persian digits are accepted too), optionally
# followed by a weekly repeat: "weekly 8", "x8" or "أسبوعيا 8" (eight shifts, a week apart).
SHIFT_PATTERN = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s+(-?\d+)"
    r"(?:\s+(?:weekly|x|×|\*|أسبوعيا|أسبوعياً|اسبوعيا|اسبوعياً)\s*(-?\d+))?\s*$",
    re.IGNORECASE,
)
# A weekly series runs for at most half a year.
MAX_SERIES_WEEKS = 26


class ShiftProblem(StrEnum):
    FORMAT = "format"
    NO_SUCH_DATE = "no_such_date"  # 30 February, 25:00
    PAST = "past"
    END_BEFORE_START = "end_before_start"  # the same start and end (an earlier end is the next day)
    CAPACITY = "capacity"  # zero, negative or absurd
    BELOW_TAKEN = "below_taken"  # fewer seats than volunteers already holding one
    SERIES_LENGTH = "series_length"  # a weekly repeat of 0, or of more than MAX_SERIES_WEEKS weeks


class ShiftSpecError(ValueError):
    def __init__(self, problem: ShiftProblem):
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class ShiftSpec:
    starts_at: datetime
    ends_at: datetime
    capacity: int

    def to_json(self) -> dict[str, Any]:
        return {"starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat(), "capacity": self.capacity}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShiftSpec:
        return cls(datetime.fromisoformat(data["starts_at"]), datetime.fromisoformat(data["ends_at"]), int(data["capacity"]))


def parse_shift_spec(text: str, *, zone: tzinfo, now: datetime) -> ShiftSpec:
    """A shift typed as `YYYY-MM-DD HH:MM-HH:MM capacity` in local time, or ShiftSpecError.

    An end time earlier than the start is the next day (an overnight shift, 22:00-02:00). A
    weekly repeat is refused here (one shift is expected): see parse_shift_series.
    """
    series = parse_shift_series(text, zone=zone, now=now)
    if len(series) != 1:
        raise ShiftSpecError(ShiftProblem.SERIES_LENGTH)
    return series[0]


def parse_shift_series(text: str, *, zone: tzinfo, now: datetime) -> list[ShiftSpec]:
    """One shift, or a weekly series of them (`... 25 weekly 8`), each in local time; or ShiftSpecError.

    Every occurrence keeps the local times of the first (the program's zone has no daylight
    saving, but the arithmetic is done on local dates all the same).
    """
    match = SHIFT_PATTERN.match(ascii_digits(text))
    if match is None:
        raise ShiftSpecError(ShiftProblem.FORMAT)
    year, month, day, h1, m1, h2, m2, capacity = (int(g) for g in match.groups()[:8])
    weeks = int(match.group(9)) if match.group(9) is not None else 1
    try:
        first_day = date(year, month, day)
        start_time, end_time = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise ShiftSpecError(ShiftProblem.NO_SUCH_DATE) from exc
    if start_time == end_time:
        raise ShiftSpecError(ShiftProblem.END_BEFORE_START)
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise ShiftSpecError(ShiftProblem.SERIES_LENGTH)
    if not 0 < capacity <= MAX_CAPACITY:
        raise ShiftSpecError(ShiftProblem.CAPACITY)
    overnight = end_time < start_time
    specs = []
    for week in range(weeks):
        day_ = first_day + timedelta(weeks=week)
        start = datetime.combine(day_, start_time, tzinfo=zone)
        end = datetime.combine(day_ + timedelta(days=1 if overnight else 0), end_time, tzinfo=zone)
        specs.append(ShiftSpec(start, end, capacity))
    if specs[0].starts_at <= now:
        raise ShiftSpecError(ShiftProblem.PAST)
    return specs


# The minimum ages /newopp offers on its preview (0: any age); the CSV import takes any of 1-99.
MIN_AGE_CHOICES = (0, 12, 16, 18)


@dataclass
class OpportunityDraft:
    """What the guided conversation has gathered so far (kept as JSON on the coordinator's row)."""

    title_ar: str = ""
    title_en: str = ""
    description_ar: str = ""
    description_en: str = ""
    center_id: int | None = None
    category: str | None = None
    gender: str = GenderRule.ALL.value
    latitude: float | None = None
    longitude: float | None = None
    shifts: list[dict[str, Any]] | None = None
    # Minors (issue 13): the youngest age that may sign up, chosen on the preview (None: any age).
    min_age: int | None = None

    def shift_specs(self) -> list[ShiftSpec]:
        return [ShiftSpec.from_json(s) for s in self.shifts or []]

    def complete(self) -> bool:
        return bool(self.title_ar and self.title_en and self.center_id and self.category in CATEGORIES and self.shifts)


async def publish_opportunity(
    session: AsyncSession, *, draft: OpportunityDraft, actor_telegram_id: int, radius_m: int, now: datetime
) -> Opportunity:
    """Create the opportunity and its shifts, published at once, and audit it."""
    assert draft.complete() and draft.center_id is not None and draft.category is not None
    opportunity = Opportunity(
        ref=f"C-{now:%Y%m%d}-{secrets.token_hex(3)}",
        center_id=draft.center_id,
        category=draft.category,
        title_ar=draft.title_ar,
        title_en=draft.title_en,
        description_ar=draft.description_ar,
        description_en=draft.description_en,
        gender=draft.gender,
        min_age=draft.min_age,
        status=OpportunityStatus.PUBLISHED,
        created_at=now,
        published_at=now,
    )
    session.add(opportunity)
    await session.flush()
    assert opportunity.id is not None
    for spec in draft.shift_specs():
        session.add(Shift(
            opportunity_id=opportunity.id, starts_at=spec.starts_at, ends_at=spec.ends_at, capacity=spec.capacity,
            latitude=draft.latitude, longitude=draft.longitude, radius_m=radius_m, checkin_code=new_checkin_code(),
        ))
    await session.flush()
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="opportunity.publish", target=f"opportunity:{opportunity.id}",
        detail=f"ref={opportunity.ref} shifts={len(draft.shifts or [])}", now=now,
    )
    return opportunity


async def repeat_shift_weekly(
    session: AsyncSession, *, shift: Shift, specs: list[ShiftSpec], actor_telegram_id: int, now: datetime
) -> list[Shift]:
    """The next weeks of a series: new shifts of the same opportunity and site, in the caller's
    transaction (the whole series is created or none of it), audited once."""
    added = [
        Shift(
            opportunity_id=shift.opportunity_id, starts_at=spec.starts_at, ends_at=spec.ends_at, capacity=spec.capacity,
            latitude=shift.latitude, longitude=shift.longitude, radius_m=shift.radius_m, checkin_code=new_checkin_code(),
        )
        for spec in specs
    ]
    if not added:
        return []
    session.add_all(added)
    await session.flush()
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="shift.repeat", target=f"shift:{shift.id}",
        detail=f"weekly copies={len(added)} until={added[-1].starts_at.isoformat()}", now=now,
    )
    return added


@dataclass(frozen=True)
class ShiftChange:
    """What changing or cancelling a shift did: the shift, and how many holders are being told."""

    shift: Shift
    told: int
    released: int = 0  # seats and waitlist places a cancellation gave back


async def change_shift(
    session: AsyncSession, *, shift_id: int, spec: ShiftSpec, actor_telegram_id: int, now: datetime, offers: OfferRules
) -> ShiftChange:
    """New times and capacity; refuses a capacity below the seats already taken.

    More seats go to the waitlist at once (the promoted are told); every holder is told of the change,
    all in the caller's transaction.
    """
    shift = (await session.execute(select(Shift).where(col(Shift.id) == shift_id).with_for_update())).scalar_one()
    if spec.capacity < shift.seats_taken:
        raise ShiftSpecError(ShiftProblem.BELOW_TAKEN)
    before = f"{shift.starts_at.isoformat()}..{shift.ends_at.isoformat()} cap={shift.capacity}"
    shift.starts_at, shift.ends_at, shift.capacity = spec.starts_at, spec.ends_at, spec.capacity
    await session.flush()
    await promote_waitlist(session, shift=shift, now=now, offers=offers)  # more seats may let waiting volunteers in
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="shift.change", target=f"shift:{shift_id}",
        detail=f"{before} -> {spec.starts_at.isoformat()}..{spec.ends_at.isoformat()} cap={spec.capacity}", now=now,
    )
    told = await notify_shift_holders(session, shift_id=shift_id, change="changed", now=now)
    return ShiftChange(shift, told)


async def cancel_shift(session: AsyncSession, *, shift_id: int, actor_telegram_id: int, now: datetime) -> ShiftChange | None:
    """Cancel the shift, release its seats and tell its holders; None when it was already cancelled."""
    shift = (await session.execute(select(Shift).where(col(Shift.id) == shift_id).with_for_update())).scalar_one()
    if shift.status == ShiftStatus.CANCELLED:
        return None
    shift.status, shift.seats_taken = ShiftStatus.CANCELLED, 0
    released = await session.execute(
        update(Signup)
        .where(col(Signup.shift_id) == shift_id, col(Signup.status).in_(HELD))
        .values(status=SignupStatus.CANCELLED, cancelled_at=now)
    )
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="shift.cancel", target=f"shift:{shift_id}",
        detail=f"released={released.rowcount}", now=now,  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result
    )
    told = await notify_shift_holders(session, shift_id=shift_id, change="cancelled", now=now)
    return ShiftChange(shift, told, released=int(released.rowcount))  # type: ignore[attr-defined]  # rowcount is typed on CursorResult, execute() returns Result


def within(text: str, limit: int) -> str | None:
    """The trimmed text when it is not empty and not longer than the limit."""
    cleaned = text.strip()
    return cleaned if 0 < len(cleaned) <= limit else None


