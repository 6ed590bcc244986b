"""Opportunities in bulk: the CSV format, its validation, the idempotent import and the export.

The format (UTF-8, a byte order mark is tolerated, the first line names the columns in any order):

    ref,center,category,title_ar,title_en,description_ar,description_en,
    starts_at,ends_at,capacity,latitude,longitude,radius_m,gender

One line per shift; the lines that share a `ref` are the shifts of one opportunity and must agree on
the opportunity's columns (center, category, titles, descriptions, gender). Times are ISO 8601 in
the configured time zone (`2025-03-01T16:00`), or carry their own offset (`2025-03-01T16:00+03:00`).
`radius_m` may be empty (300 m); `latitude` and `longitude` may both be empty, and then only the
check-in code works for that shift.

`center` is a center code, or the exact Arabic or English name of a center. A value that matches no
center creates one, with `code` a slug of the value (lowercase, other characters turned into `-`)
and both names equal to the value; a coordinator can rename it later, and the next import still
finds it by its code.

The import is all or nothing and can be repeated: an opportunity is found by its `ref`, a shift by
its opportunity and its start and end. An existing shift keeps its id, check-in code and seats
taken; its capacity and site follow the file. The import only adds and updates: a shift missing
from the file is left alone, and an opportunity's status (a cancelled one stays cancelled) is kept.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.opportunities import new_checkin_code
from models.tables import (
    CATEGORIES,
    Center,
    GenderRule,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftStatus,
)


def N_(message: str) -> str:
    """Mark an error template for extraction; the screen showing it translates it."""
    return message

COLUMNS = (
    "ref", "center", "category", "title_ar", "title_en", "description_ar", "description_en",
    "starts_at", "ends_at", "capacity", "latitude", "longitude", "radius_m", "gender",
)
# What describes the opportunity rather than the shift: equal on every line of a ref.
OPPORTUNITY_COLUMNS = ("center", "category", "title_ar", "title_en", "description_ar", "description_en", "gender")
SHIFT_COLUMNS = ("starts_at", "ends_at", "capacity", "latitude", "longitude", "radius_m")
MAX_LENGTHS = {"ref": 64, "center": 200, "title_ar": 200, "title_en": 200}
GENDERS = tuple(rule.value for rule in GenderRule)
DEFAULT_RADIUS_M = 300


@dataclass(frozen=True)
class ParsedRow:
    """One valid line of the file: a shift and the opportunity it belongs to. Times are aware UTC."""

    line: int
    ref: str
    center: str
    category: str
    title_ar: str
    title_en: str
    description_ar: str
    description_en: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    latitude: float | None
    longitude: float | None
    radius_m: int
    gender: str


@dataclass(frozen=True, eq=False)
class RowError:
    """A problem on one line (header = line 1): an English template and its values.

    Kept apart so that a screen in Telegram can translate the template before filling it in; the
    templates are marked with N_ so they land in the catalogs.
    """

    line: int
    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportErrors(Exception):
    """Every problem found, in line order; when it is raised, nothing was imported."""

    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = sorted(errors, key=lambda error: error.line)
        super().__init__("\n".join(str(error) for error in self.errors))


@dataclass
class ImportResult:
    """What an import did; `centers_created` holds the codes of centers it had to create."""

    opportunities_created: int = 0
    opportunities_updated: int = 0
    opportunities_unchanged: int = 0
    shifts_created: int = 0
    shifts_updated: int = 0
    shifts_unchanged: int = 0
    centers_created: list[str] = field(default_factory=list)

    @property
    def opportunities(self) -> int:
        return self.opportunities_created + self.opportunities_updated + self.opportunities_unchanged

    @property
    def shifts(self) -> int:
        return self.shifts_created + self.shifts_updated + self.shifts_unchanged


# --- reading a file -------------------------------------------------------------------------------

Fail = Callable[..., None]


def parse_csv(text: str, *, zone: tzinfo) -> list[ParsedRow]:
    """The rows of a file, or ImportErrors listing every problem of every line."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportErrors([RowError(1, N_("the file is empty; its first line must name the columns"))]) from None
    _check_header(header)

    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    next_line = reader.line_num + 1
    try:
        for values in reader:
            # A quoted value may span lines: a record starts on the line after the previous one ended.
            line, next_line = next_line, reader.line_num + 1
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                template = N_("expected {expected} values, found {found}")
                errors.append(RowError(line, template, {"expected": len(header), "found": len(values)}))
                continue
            row = _parse_row(line, dict(zip(header, (value.strip() for value in values), strict=True)), zone, errors)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, N_("this is not valid CSV: {problem}"), {"problem": str(exc)}))
    errors.extend(_check_refs(rows))
    if errors:
        raise ImportErrors(errors)
    return rows


def _check_header(header: list[str]) -> None:
    errors = [RowError(1, N_("unknown column '{column}'"), {"column": name}) for name in header if name not in COLUMNS]
    errors += [RowError(1, N_("missing column '{column}'"), {"column": name}) for name in COLUMNS if name not in header]
    errors += [
        RowError(1, N_("column '{column}' appears more than once"), {"column": name})
        for name in dict.fromkeys(header)
        if header.count(name) > 1 and name in COLUMNS
    ]
    if errors:
        raise ImportErrors(errors)


def _parse_row(line: int, record: dict[str, str], zone: tzinfo, errors: list[RowError]) -> ParsedRow | None:
    found: list[RowError] = []

    def fail(template: str, **params: object) -> None:
        found.append(RowError(line, template, params))

    for column, limit in MAX_LENGTHS.items():
        if not record[column]:
            fail(N_("{column} is empty"), column=column)
        elif len(record[column]) > limit:
            fail(N_("{column} is longer than {limit} characters"), column=column, limit=limit)
    category, gender = record["category"].lower(), record["gender"].lower()
    if category not in CATEGORIES:
        fail(N_("category '{value}' is not one of: {allowed}"), value=record["category"], allowed=", ".join(CATEGORIES))
    if gender not in GENDERS:
        fail(N_("gender '{value}' is not one of: {allowed}"), value=record["gender"], allowed=", ".join(GENDERS))
    starts_at = _parse_time(record["starts_at"], "starts_at", zone, fail)
    ends_at = _parse_time(record["ends_at"], "ends_at", zone, fail)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        fail(N_("ends_at ({ends}) is not after starts_at ({starts})"), ends=record["ends_at"], starts=record["starts_at"])
    capacity = _parse_count(record["capacity"], "capacity", fail)
    radius_m = _parse_count(record["radius_m"], "radius_m", fail) if record["radius_m"] else DEFAULT_RADIUS_M
    latitude = _parse_coordinate(record["latitude"], "latitude", 90, fail)
    longitude = _parse_coordinate(record["longitude"], "longitude", 180, fail)
    if bool(record["latitude"]) != bool(record["longitude"]):
        fail(N_("give both latitude and longitude, or leave both empty"))

    errors.extend(found)
    if found or starts_at is None or ends_at is None or capacity is None or radius_m is None:
        return None
    texts: dict[str, Any] = {column: record[column] for column in ("ref", "center", "title_ar", "title_en")}
    return ParsedRow(
        line, **texts, category=category, description_ar=record["description_ar"],
        description_en=record["description_en"], starts_at=starts_at, ends_at=ends_at, capacity=capacity,
        latitude=latitude, longitude=longitude, radius_m=radius_m, gender=gender,
    )


def _parse_time(value: str, column: str, zone: tzinfo, fail: Fail) -> datetime | None:
    """An instant in UTC; a time without an offset is read in the configured zone."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    # fromisoformat also takes a bare date (midnight): a shift needs its time written out.
    if parsed is None or not any(separator in value for separator in "T "):
        example = "2025-03-01T16:00"
        fail(N_("{column} '{value}' is not a valid date and time such as {example}"), column=column, value=value, example=example)
        return None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    local = parsed.replace(tzinfo=zone)
    # A wall-clock time skipped by a daylight-saving jump would silently move by an hour.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != parsed:
        fail(N_("{column} '{value}' does not exist in {zone} (the clocks change)"), column=column, value=value, zone=zone)
        return None
    return local.astimezone(UTC)


def _parse_count(value: str, column: str, fail: Fail) -> int | None:
    try:
        number = int(value)
    except ValueError:
        fail(N_("{column} '{value}' is not a whole number"), column=column, value=value)
        return None
    if number < 1:
        fail(N_("{column} must be at least 1, not {value}"), column=column, value=value)
        return None
    return number


def _parse_coordinate(value: str, column: str, limit: int, fail: Fail) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        fail(N_("{column} '{value}' is not a number"), column=column, value=value)
        return None
    if abs(number) > limit:
        fail(N_("{column} {value} is outside -{limit}..{limit}"), column=column, value=value, limit=limit)
        return None
    return number


def _check_refs(rows: list[ParsedRow]) -> list[RowError]:
    """The lines of one ref describe one opportunity, and no shift is listed twice."""
    errors: list[RowError] = []
    first_of_ref: dict[str, ParsedRow] = {}
    first_of_shift: dict[tuple[str, datetime, datetime], ParsedRow] = {}
    for row in rows:
        first = first_of_ref.setdefault(row.ref, row)
        for column in OPPORTUNITY_COLUMNS:
            if getattr(row, column) != getattr(first, column):
                params = {"column": column, "first": first.line, "ref": row.ref}
                errors.append(RowError(row.line, N_("{column} differs from line {first} for ref {ref}"), params))
        twin = first_of_shift.setdefault((row.ref, row.starts_at, row.ends_at), row)
        if twin is not row:
            errors.append(RowError(row.line, N_("repeats the shift of line {first}"), {"first": twin.line}))
    return errors


# --- writing to the database ----------------------------------------------------------------------


def center_slug(value: str) -> str:
    """The code given to a center that an import creates (Arabic letters are kept as they are)."""
    return re.sub(r"[\W_]+", "-", value.strip().lower()).strip("-")[:64] or "center"


class _CenterFinder:
    """A file's `center` value is a code, else an Arabic name, else an English name, else a slug."""

    def __init__(self, centers: Iterable[Center]) -> None:
        self.by_key: dict[str, Center] = {}
        ordered = sorted(centers, key=lambda center: center.id or 0)
        for attribute in ("code", "name_ar", "name_en"):
            for center in ordered:
                self.by_key.setdefault(getattr(center, attribute), center)

    async def find_or_create(self, session: AsyncSession, value: str, result: ImportResult) -> Center:
        center = self.by_key.get(value) or self.by_key.get(center_slug(value))
        if center is None:
            center = Center(code=center_slug(value), name_ar=value, name_en=value)
            session.add(center)
            await session.flush()
            result.centers_created.append(center.code)
            self.by_key.setdefault(value, center)
            self.by_key.setdefault(center.code, center)
        return center


async def import_rows(session: AsyncSession, rows: list[ParsedRow], *, now: datetime) -> ImportResult:
    """Create or update the rows' opportunities and shifts, in the caller's transaction.

    Raises ImportErrors, having changed nothing, when a row cannot be applied: its capacity is below
    the seats already taken on that shift.
    """
    refs = {row.ref for row in rows}
    found = await session.execute(select(Opportunity).where(col(Opportunity.ref).in_(refs)))
    opportunities = {opportunity.ref: opportunity for opportunity in found.scalars()}
    ids = [opportunity.id for opportunity in opportunities.values()]
    found_shifts = await session.execute(select(Shift).where(col(Shift.opportunity_id).in_(ids)))
    shifts = {(shift.opportunity_id, shift.starts_at, shift.ends_at): shift for shift in found_shifts.scalars()}

    errors: list[RowError] = []
    for row in rows:
        known = opportunities.get(row.ref)
        shift = shifts.get((known.id or 0, row.starts_at, row.ends_at)) if known is not None else None
        if shift is not None and row.capacity < shift.seats_taken:
            template = N_("capacity {capacity} is below the {taken} seats already taken on this shift")
            errors.append(RowError(row.line, template, {"capacity": row.capacity, "taken": shift.seats_taken}))
    if errors:
        raise ImportErrors(errors)

    result = ImportResult()
    centers = _CenterFinder((await session.execute(select(Center))).scalars())
    by_ref: dict[str, list[ParsedRow]] = {}
    for row in rows:
        by_ref.setdefault(row.ref, []).append(row)
    for ref, group in by_ref.items():
        center = await centers.find_or_create(session, group[0].center, result)
        opportunity = await _upsert_opportunity(session, opportunities.get(ref), group[0], center, now, result)
        assert opportunity.id is not None
        for row in group:
            shift = shifts.get((opportunity.id, row.starts_at, row.ends_at))
            _upsert_shift(session, shift, opportunity.id, row, result)
    await session.flush()
    return result


async def _upsert_opportunity(
    session: AsyncSession, opportunity: Opportunity | None, row: ParsedRow, center: Center, now: datetime,
    result: ImportResult,
) -> Opportunity:
    values = {column: getattr(row, column) for column in OPPORTUNITY_COLUMNS if column != "center"}
    values["center_id"] = center.id
    if opportunity is None:
        opportunity = Opportunity(ref=row.ref, status=OpportunityStatus.PUBLISHED, created_at=now, published_at=now, **values)
        session.add(opportunity)
        await session.flush()
        result.opportunities_created += 1
    elif any(getattr(opportunity, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(opportunity, name, value)
        result.opportunities_updated += 1
    else:
        result.opportunities_unchanged += 1
    return opportunity


def _upsert_shift(
    session: AsyncSession, shift: Shift | None, opportunity_id: int, row: ParsedRow, result: ImportResult
) -> None:
    values = {column: getattr(row, column) for column in ("capacity", "latitude", "longitude", "radius_m")}
    if shift is None:
        session.add(
            Shift(
                opportunity_id=opportunity_id, starts_at=row.starts_at, ends_at=row.ends_at,
                checkin_code=new_checkin_code(), **values,
            )
        )
        result.shifts_created += 1
    elif any(getattr(shift, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(shift, name, value)
        result.shifts_updated += 1
    else:
        result.shifts_unchanged += 1


async def import_csv(session: AsyncSession, text: str, *, zone: tzinfo, now: datetime) -> ImportResult:
    """parse_csv then import_rows: the whole import of one file, in the caller's transaction."""
    return await import_rows(session, parse_csv(text, zone=zone), now=now)


# --- writing a file -------------------------------------------------------------------------------


def format_csv(rows: Iterable[ParsedRow], *, zone: tzinfo) -> str:
    """Rows in the import format; times in the zone, with their offset so that they are unambiguous.

    No byte order mark: a caller handing the file to a spreadsheet may prepend "\\ufeff".
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells: dict[str, object] = {column: getattr(row, column) for column in COLUMNS}
        cells["starts_at"], cells["ends_at"] = _format_time(row.starts_at, zone), _format_time(row.ends_at, zone)
        # repr() is the shortest text that reads back as the same float.
        cells["latitude"] = "" if row.latitude is None else repr(row.latitude)
        cells["longitude"] = "" if row.longitude is None else repr(row.longitude)
        writer.writerow([cells[column] for column in COLUMNS])
    return buffer.getvalue()


def _format_time(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return local.isoformat(timespec="minutes" if local.second == local.microsecond == 0 else "auto")


async def export_csv(
    session: AsyncSession, *, zone: tzinfo, center_id: int | None = None, include_cancelled: bool = False
) -> str:
    """Opportunities and their shifts as an import file: importing it back changes nothing.

    Cancelled opportunities and shifts are left out unless asked for, since importing the file into
    another database would bring them back as active.
    """
    query = (
        select(Opportunity, Shift, Center)
        .join(Shift, col(Shift.opportunity_id) == col(Opportunity.id))
        .join(Center, col(Center.id) == col(Opportunity.center_id))
        .order_by(col(Opportunity.ref), col(Shift.starts_at), col(Shift.id))
    )
    if center_id is not None:
        query = query.where(Opportunity.center_id == center_id)
    if not include_cancelled:
        query = query.where(Opportunity.status != OpportunityStatus.CANCELLED, Shift.status != ShiftStatus.CANCELLED)
    rows = [
        ParsedRow(
            0,
            center=center.code,
            **{column: getattr(opportunity, column) for column in OPPORTUNITY_COLUMNS[1:] + ("ref",)},
            **{column: getattr(shift, column) for column in SHIFT_COLUMNS},
        )
        for opportunity, shift, center in (await session.execute(query)).all()
    ]
    return format_csv(rows, zone=zone)
