"""Volunteers, attendance and hours for a date range and center, as CSV or XLSX bytes."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, tzinfo
from typing import Any

import xlsxwriter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import hours
from models.tables import Attendance, Center, Opportunity, Shift, Volunteer

EXPORT_KINDS = ("volunteers", "attendance", "hours")
# The exports that carry phone numbers (audited as such; models.contact_visibility).
PHONE_KINDS = ("volunteers", "hours")
PHONE_COLUMNS = ("phone",)
FORMATS = ("csv", "xlsx")
BATCH = 5_000

# Minutes are confirmed or pending review (models.hours): every file shows the two apart, and only
# confirmed ones are official. An attendance row says which it is: confirmed, pending or open.
HEADERS = {
    "volunteers": ["volunteer_id", "name", "phone", "gender", "center", "language", "registered_at",
                   "confirmed_minutes_in_range", "pending_minutes_in_range"],
    "attendance": ["attendance_id", "volunteer_id", "name", "center", "opportunity", "shift_starts_at",
                   "checked_in_at", "checked_out_at", "method", "credited_minutes", "hours_status", "flagged", "flag_reason"],
    "hours": ["volunteer_id", "name", "phone", "gender", "center", "records",
              "confirmed_minutes", "confirmed_hours", "pending_minutes", "pending_hours"],
}


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _in_range(start: datetime, end: datetime) -> Any:
    return (col(Attendance.checked_in_at) >= start) & (col(Attendance.checked_in_at) < end)


async def export_rows(
    session: AsyncSession, *, kind: str, start: datetime, end: datetime, zone: tzinfo, center_id: int | None
) -> AsyncIterator[list[Any]]:
    """The rows of one export, streamed from the database in batches (no 2M-row list in memory)."""
    if kind not in EXPORT_KINDS:
        raise ValueError(kind)
    in_range = _in_range(start, end)
    person = (col(Volunteer.id), col(Volunteer.display_name), col(Volunteer.phone), col(Volunteer.gender), col(Center.code))
    if kind in ("volunteers", "hours"):
        # Volunteers in id order, each joined to their own records through the per-volunteer
        # index (volunteer_id, checked_in_at, minutes): no sort of the period's records. Counting
        # minutes rather than ids keeps it index-only (PostgreSQL otherwise scans the table).
        # Pending minutes come from the flagged records alone (models.hours.pending_of): the total
        # stays index-only and the confirmed part is the difference.
        query = (
            select(*person, col(Volunteer.language), col(Volunteer.registered_at),
                   func.count(col(Attendance.credited_minutes)), func.coalesce(func.sum(col(Attendance.credited_minutes)), 0),
                   hours.pending_of(col(Volunteer.id), start=start, end=end))
            .outerjoin(Center, col(Center.id) == col(Volunteer.center_id))
            .group_by(*person, col(Volunteer.language), col(Volunteer.registered_at))
            .order_by(col(Volunteer.id))
        )
        if kind == "volunteers":
            query = query.outerjoin(Attendance, (col(Attendance.volunteer_id) == col(Volunteer.id)) & in_range).where(
                col(Volunteer.registered_at).is_not(None), col(Volunteer.registered_at) < end
            )
        else:
            query = query.join(Attendance, (col(Attendance.volunteer_id) == col(Volunteer.id)) & in_range)
    else:
        query = (
            select(col(Attendance.id), col(Attendance.volunteer_id), col(Volunteer.display_name), col(Center.code), col(Opportunity.ref),
                   col(Shift.starts_at), col(Attendance.checked_in_at), col(Attendance.checked_out_at), col(Attendance.method),
                   col(Attendance.credited_minutes), col(Attendance.flagged), col(Attendance.flag_reason))
            .join(Volunteer, col(Volunteer.id) == col(Attendance.volunteer_id))
            .outerjoin(Center, col(Center.id) == col(Volunteer.center_id))
            .outerjoin(Shift, col(Shift.id) == col(Attendance.shift_id))
            .outerjoin(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .where(in_range)
            .order_by(col(Attendance.checked_in_at), col(Attendance.id))
        )
    if center_id is not None and kind == "attendance":
        # Reach the center's records through its volunteers (per-volunteer index), not by
        # filtering every record of the period.
        members = select(col(Volunteer.id)).where(col(Volunteer.center_id) == center_id)
        query = query.where(col(Attendance.volunteer_id).in_(members))
    elif center_id is not None:
        query = query.where(col(Volunteer.center_id) == center_id)
    result = await session.stream(query.execution_options(yield_per=BATCH))
    async for partition in result.partitions(BATCH):  # one await per batch, not per row
        for row in partition:
            yield _format_row(kind, row, zone)


def _format_row(kind: str, row: Any, zone: tzinfo) -> list[Any]:
    """One database row as the cells of the file."""
    if kind == "volunteers":
        vid, name, phone, gender, code, language, registered_at, _, spent, pending = row
        return [vid, name or "", phone or "", gender or "", code or "", language, _local(registered_at, zone),
                int(spent) - int(pending), int(pending)]
    if kind == "hours":
        vid, name, phone, gender, code, _, _, records, spent, pending = row
        confirmed = int(spent) - int(pending)
        return [vid, name or "", phone or "", gender or "", code or "", int(records),
                confirmed, round(confirmed / 60, 2), int(pending), round(int(pending) / 60, 2)]
    aid, vid, name, code, ref, shift_start, checked_in, checked_out, method, minutes, flagged, reason = row
    status = "open" if checked_out is None else "pending_review" if flagged else "confirmed"
    return [aid, vid, name or "", code or "", ref or "", _local(shift_start, zone), _local(checked_in, zone),
            _local(checked_out, zone), method, minutes, status, "yes" if flagged else "", reason or ""]


FORMULA_TRIGGERS = ("=", "+", "-", "@")
# U+200E LEFT-TO-RIGHT MARK: invisible, and not a formula trigger (see _phone_cell).
LRM = "\u200e"


def _cell(value: Any) -> Any:
    # A spreadsheet opening a CSV runs a cell that starts with = + - @ as a formula: keep user text inert.
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def _phone_cell(value: Any) -> Any:
    """A phone in a CSV cell, shown exactly as it is (+9665XXXXXXXX) yet never read as a formula.

    The leading "+" of the canonical form is a formula trigger (Excel and LibreOffice read
    "+966500000000" as the number 966500000000; Google Sheets too), and the usual escape, a "'",
    stays visible in most programs. An invisible LEFT-TO-RIGHT MARK in front makes the cell text
    that does not start with a trigger, so it is shown as "+966500000000", and in an Arabic
    (right-to-left) sheet it also keeps the "+" on the left of the digits. Only a value made of
    "+" and digits gets it; anything else in the column keeps the ordinary escape.
    """
    if isinstance(value, str) and value[:1] == "+" and value[1:].isdigit():
        return LRM + value
    return _cell(value)


def to_csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Arabic names correctly."""
    phones = {index for index, name in enumerate(header) if name in PHONE_COLUMNS}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_phone_cell(v) if i in phones else _cell(v) for i, v in enumerate(row)] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def to_xlsx(header: list[str], rows: Iterable[list[Any]], *, title: str) -> bytes:
    """One sheet, written row by row (XlsxWriter's constant-memory mode: about twice openpyxl's pace)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    sheet = workbook.add_worksheet(title[:31])
    sheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            # Text is written as a string cell, which a spreadsheet never runs as a formula: names
            # and phones need no escape and are shown exactly as they are.
            if isinstance(value, str):
                sheet.write_string(number, column, value)
            else:
                sheet.write(number, column, value)
    workbook.close()
    return buffer.getvalue()


async def build_export(
    session: AsyncSession,
    *,
    kind: str,
    fmt: str,
    start: datetime,
    end: datetime,
    zone: tzinfo,
    center_id: int | None,
) -> tuple[bytes, int]:
    """The file's bytes and its number of data rows."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    rows = [row async for row in export_rows(session, kind=kind, start=start, end=end, zone=zone, center_id=center_id)]
    header = HEADERS[kind]
    # Building the file is CPU work: a thread keeps the bot answering others meanwhile.
    if fmt == "csv":
        data = await asyncio.to_thread(to_csv, header, rows)
    else:
        data = await asyncio.to_thread(to_xlsx, header, rows, title=kind)
    return data, len(rows)
