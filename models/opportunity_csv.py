"""The opportunities CSV: its format, the validation of every line, and writing rows back as a file.

No database here: `parse_csv` turns a file into rows (or every problem of every line), and
`format_csv` turns rows into a file; `models.imports` applies rows to the database and exports them.

The format (UTF-8, a byte order mark is tolerated, the first line names the columns in any order):

    ref,center,category,title_ar,title_en,description_ar,description_en,
    starts_at,ends_at,capacity,latitude,longitude,radius_m,gender

One line per shift; the lines that share a `ref` are the shifts of one opportunity and must agree on
the opportunity's columns (center, category, titles, descriptions, gender). Times are ISO 8601 in
the configured time zone (`2025-03-01T16:00`), or carry their own offset (`2025-03-01T16:00+03:00`).
`radius_m` may be empty (300 m); `latitude` and `longitude` may both be empty, and then only the
check-in code works for that shift.

`min_age` is an optional column (issue 13): the youngest age that may sign up (1-99, see
`models.ages` for how an age is reckoned from a year of birth), empty for any age.

`center` is a center code, or the exact Arabic or English name of a center (see `models.imports`
for what a value that matches no center does).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from models.tables import CATEGORIES, DEFAULT_RADIUS_M, MAX_CAPACITY, MAX_RADIUS_M, GenderRule

MAX_MIN_AGE = 99


def N_(message: str) -> str:
    """Mark an error template for extraction; the screen showing it translates it."""
    return message

COLUMNS = (
    "ref", "center", "category", "title_ar", "title_en", "description_ar", "description_en",
    "starts_at", "ends_at", "capacity", "latitude", "longitude", "radius_m", "gender",
)
# Columns a file may leave out (issue 13); an exported file always has them, after the others.
OPTIONAL_COLUMNS = ("min_age",)
ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
# What describes the opportunity rather than the shift: equal on every line of a ref.
OPPORTUNITY_COLUMNS = ("center", "category", "title_ar", "title_en", "description_ar", "description_en", "gender", "min_age")
SHIFT_COLUMNS = ("starts_at", "ends_at", "capacity", "latitude", "longitude", "radius_m")
MAX_LENGTHS = {"ref": 64, "center": 200, "title_ar": 200, "title_en": 200}
GENDERS = tuple(rule.value for rule in GenderRule)


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
    min_age: int | None = None  # optional column (issue 13)


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
    errors = [RowError(1, N_("unknown column '{column}'"), {"column": name}) for name in header if name not in ALL_COLUMNS]
    errors += [RowError(1, N_("missing column '{column}'"), {"column": name}) for name in COLUMNS if name not in header]
    errors += [
        RowError(1, N_("column '{column}' appears more than once"), {"column": name})
        for name in dict.fromkeys(header)
        if header.count(name) > 1 and name in ALL_COLUMNS
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
    capacity = _parse_count(record["capacity"], "capacity", fail, upper=MAX_CAPACITY)
    radius_m = _parse_count(record["radius_m"], "radius_m", fail, upper=MAX_RADIUS_M) if record["radius_m"] else DEFAULT_RADIUS_M
    latitude = _parse_coordinate(record["latitude"], "latitude", 90, fail)
    longitude = _parse_coordinate(record["longitude"], "longitude", 180, fail)
    if bool(record["latitude"]) != bool(record["longitude"]):
        fail(N_("give both latitude and longitude, or leave both empty"))
    min_age = _parse_count(record["min_age"], "min_age", fail, upper=MAX_MIN_AGE) if record.get("min_age") else None

    errors.extend(found)
    if found or starts_at is None or ends_at is None or capacity is None or radius_m is None:
        return None
    texts: dict[str, Any] = {column: record[column] for column in ("ref", "center", "title_ar", "title_en")}
    return ParsedRow(
        line, **texts, category=category, description_ar=record["description_ar"],
        description_en=record["description_en"], starts_at=starts_at, ends_at=ends_at, capacity=capacity,
        latitude=latitude, longitude=longitude, radius_m=radius_m, gender=gender, min_age=min_age,
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


def _parse_count(value: str, column: str, fail: Fail, *, upper: int) -> int | None:
    try:
        number = int(value)
    except ValueError:
        fail(N_("{column} '{value}' is not a whole number"), column=column, value=value)
        return None
    if number < 1:
        fail(N_("{column} must be at least 1, not {value}"), column=column, value=value)
        return None
    if number > upper:
        fail(N_("{column} must be at most {limit}, not {value}"), column=column, value=value, limit=upper)
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


# --- writing a file -------------------------------------------------------------------------------


def format_csv(rows: Iterable[ParsedRow], *, zone: tzinfo) -> str:
    """Rows in the import format; times in the zone, with their offset so that they are unambiguous.

    No byte order mark: a caller handing the file to a spreadsheet may prepend "\\ufeff".
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ALL_COLUMNS)
    for row in rows:
        cells: dict[str, object] = {column: getattr(row, column) for column in COLUMNS}
        cells["min_age"] = "" if row.min_age is None else row.min_age
        cells["starts_at"], cells["ends_at"] = _format_time(row.starts_at, zone), _format_time(row.ends_at, zone)
        # repr() is the shortest text that reads back as the same float.
        cells["latitude"] = "" if row.latitude is None else repr(row.latitude)
        cells["longitude"] = "" if row.longitude is None else repr(row.longitude)
        writer.writerow([cells[column] for column in ALL_COLUMNS])
    return buffer.getvalue()


def _format_time(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return local.isoformat(timespec="minutes" if local.second == local.microsecond == 0 else "auto")
