"""Where a person's data lives: every column that points at a volunteer, declared once.

/mydata reads a person's rows through this registry and /deleteme (models.erasure) erases through
it, so a table added later cannot be forgotten by either: `tests/test_my_data.py` checks the
registry against `SQLModel.metadata` and fails when a column referring to `volunteer.id`, a
BigInteger column (Telegram ids are BigIntegers), or a table pointing at a person's rows (their
attendance, their sign-ups) is declared nowhere. Declaring it means choosing what erasure does.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from models.numerals import ascii_digits
from models.phones import normalize_phone
from models.tables import AuditLog, Volunteer


class Link(StrEnum):
    """How a column points at the person."""

    VOLUNTEER_ID = "volunteer_id"  # their row id (a foreign key to volunteer.id)
    TELEGRAM_ID = "telegram_id"  # their Telegram id (users' ids are positive BigIntegers)
    VIA = "via"  # one of their rows in another table (`parent`): off-system work of their attendance


class OnErase(StrEnum):
    """What /deleteme does to the rows this column finds."""

    KEEP = "keep"  # kept, linked to the anonymous volunteer: official records, anonymous totals
    DELETE = "delete"  # removed: nothing in the program needs them once the person is gone
    ANONYMIZE = "anonymize"  # the Telegram id replaced by the person's anonymous key
    CUSTOM = "custom"  # handled by its own step in models.erasure (named in `note`)


@dataclass(frozen=True)
class PersonColumn:
    table: str
    column: str
    link: Link
    on_erase: OnErase
    parent: str | None = None  # for Link.VIA: the table whose rows of theirs the column names
    note: str = ""
    # Found through this (indexed) column of the same rows instead: every outbox row for a
    # volunteer carries their chat id too, and outbox.volunteer_id has no index (a hot table).
    found_by: str | None = None


PERSON_COLUMNS: tuple[PersonColumn, ...] = (
    PersonColumn("volunteer", "id", Link.VOLUNTEER_ID, OnErase.CUSTOM, note="profile emptied, id kept"),
    PersonColumn("volunteer", "telegram_id", Link.TELEGRAM_ID, OnErase.CUSTOM, note="replaced by the anonymous key"),
    PersonColumn("volunteer", "role_granted_by", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("coordinator_center", "volunteer_id", Link.VOLUNTEER_ID, OnErase.DELETE),
    PersonColumn("signup", "volunteer_id", Link.VOLUNTEER_ID, OnErase.CUSTOM, note="coming places cancelled, past kept"),
    PersonColumn("attendance", "volunteer_id", Link.VOLUNTEER_ID, OnErase.KEEP),
    PersonColumn("attendance", "checked_out_by", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("off_system_work", "attendance_id", Link.VIA, OnErase.CUSTOM, parent="attendance",
                 note="kept; their name taken out of the reason"),
    PersonColumn("off_system_work", "added_by_telegram_id", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("wrong_checkin_code", "volunteer_id", Link.VOLUNTEER_ID, OnErase.DELETE),
    PersonColumn("outbox_message", "volunteer_id", Link.VOLUNTEER_ID, OnErase.CUSTOM, note="closed and emptied",
                 found_by="chat_id"),
    PersonColumn("outbox_message", "chat_id", Link.TELEGRAM_ID, OnErase.CUSTOM, note="closed and emptied"),
    PersonColumn("audit_log", "actor_telegram_id", Link.TELEGRAM_ID, OnErase.CUSTOM, note="scrubbed"),
    PersonColumn("broadcast", "created_by_telegram_id", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("broadcast", "progress_chat_id", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("shift_rating", "volunteer_id", Link.VOLUNTEER_ID, OnErase.CUSTOM,
                 note="the score kept for the figures; the comment (their words) removed"),
    PersonColumn("center_target", "set_by_telegram_id", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    # A minor's guardian consent goes with the minor; as someone's guardian (or the coordinator who
    # recorded a paper consent) the person's Telegram id is replaced.
    PersonColumn("guardian_consent", "volunteer_id", Link.VOLUNTEER_ID, OnErase.DELETE),
    # Teams: a leader's team goes on (led by the anonymous volunteer until a coordinator names
    # another); membership and the messages they wrote go; swaps stay as the history of seats.
    PersonColumn("team", "leader_id", Link.VOLUNTEER_ID, OnErase.KEEP),
    PersonColumn("team", "decided_by_telegram_id", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("team_member", "volunteer_id", Link.VOLUNTEER_ID, OnErase.DELETE),
    PersonColumn("team_message", "sent_by", Link.VOLUNTEER_ID, OnErase.DELETE),
    PersonColumn("seat_swap", "from_volunteer_id", Link.VOLUNTEER_ID, OnErase.KEEP),
    PersonColumn("seat_swap", "to_volunteer_id", Link.VOLUNTEER_ID, OnErase.KEEP),
    # Interests and the leaderboard's kept sums are theirs alone (the board shows a first name).
    PersonColumn("interest_category", "volunteer_id", Link.VOLUNTEER_ID, OnErase.DELETE),
    PersonColumn("interest_center", "volunteer_id", Link.VOLUNTEER_ID, OnErase.DELETE),
    PersonColumn("leaderboard_entry", "volunteer_id", Link.VOLUNTEER_ID, OnErase.DELETE),
    # Qualifications held are theirs (a coordinator's reason may name them); who granted or
    # withdrew one is the coordinator's trace.
    PersonColumn("volunteer_qualification", "volunteer_id", Link.VOLUNTEER_ID, OnErase.DELETE),
    # Certificates stay verifiable without the holder's name (nor the PDF, which prints it).
    PersonColumn("issued_certificate", "volunteer_id", Link.VOLUNTEER_ID, OnErase.CUSTOM,
                 note="name and PDF blanked: verifies as issued, holder removed"),
    PersonColumn("issued_certificate", "revoked_by", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("volunteer_qualification", "granted_by_telegram_id", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("volunteer_qualification", "revoked_by_telegram_id", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("guardian_consent", "guardian_telegram_id", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
    PersonColumn("guardian_consent", "recorded_by_telegram_id", Link.TELEGRAM_ID, OnErase.ANONYMIZE),
)

# BigInteger columns that hold no person: Telegram's ids of the bot, of updates and of messages.
NOT_PERSON_BIGINTS = frozenset({
    ("processed_update", "bot_id"),
    ("processed_update", "update_id"),
    ("outbox_message", "telegram_message_id"),
    ("broadcast", "progress_message_id"),
})

# Tables that point at a person's rows yet hold nothing of theirs: a team's booking of seats is the
# team's (led by them), and each member's seat from it is that member's own sign-up.
NOT_PERSON_TABLES = frozenset({"team_booking"})

CHUNK = 500


def covered_tables() -> set[str]:
    return {entry.table for entry in PERSON_COLUMNS}


def anonymous_key(volunteer_id: int) -> int:
    """The Telegram id an erased volunteer is left with: minus their row id. Telegram's user ids
    are positive (negative ids are groups and channels, never a private chat with a person), so it
    is unique, never a real user's, and says nothing about who they were."""
    return -volunteer_id


# -- /mydata ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):  # a certificate's PDF as delivered: the copy holds it too
        return "base64:" + base64.b64encode(value).decode()
    return value


def table_named(name: str) -> Table:
    return SQLModel.metadata.tables[name]


async def _rows(session: AsyncSession, table: Table, clause: Any) -> list[dict[str, Any]]:
    result = await session.execute(select(table).where(clause))
    return [{key: _plain(value) for key, value in row._mapping.items()} for row in result]


def _key(table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[column.name] for column in table.primary_key.columns)


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


async def personal_data(session: AsyncSession, *, volunteer: Volunteer) -> dict[str, list[dict[str, Any]]]:
    """Every row the bot holds about this person, by table (each row once, every column)."""
    assert volunteer.id is not None
    found: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}

    def keep(table: Table, rows: list[dict[str, Any]]) -> None:
        bucket = found.setdefault(table.name, {})
        for row in rows:
            bucket.setdefault(_key(table, row), row)

    direct = [entry for entry in PERSON_COLUMNS if entry.link != Link.VIA and entry.found_by is None]
    for entry in direct:
        table = table_named(entry.table)
        value = volunteer.id if entry.link == Link.VOLUNTEER_ID else volunteer.telegram_id
        keep(table, await _rows(session, table, table.c[entry.column] == value))
    for entry in PERSON_COLUMNS:
        if entry.link != Link.VIA:
            continue
        assert entry.parent is not None
        table, parent = table_named(entry.table), table_named(entry.parent)
        parent_ids = [key[0] for key in found.get(parent.name, {})]
        for part in _chunks(parent_ids):
            keep(table, await _rows(session, table, table.c[entry.column].in_(part)))
    audit = table_named("audit_log")
    for line in await audit_lines_about(session, volunteer=volunteer, found=found):
        keep(audit, [line])
    return {name: [rows[key] for key in sorted(rows)] for name, rows in sorted(found.items())}


def phone_cores(phone: str | None) -> list[str]:
    """The part of a phone number every way of writing it contains: the nine digits after +966
    for a Saudi mobile (a coordinator may have typed 05…, 5… or +9665…), else the digits."""
    if not phone:
        return []
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.startswith("+9665") and len(digits) == 12:
        return [digits[3:]]
    return [digits] if len(digits) >= 8 else []


def mentions(volunteer: Volunteer) -> list[str]:
    """What a LIKE looks for in free text: their Telegram id and the cores of their phone numbers."""
    return [str(volunteer.telegram_id)] + phone_cores(volunteer.phone) + phone_cores(volunteer.emergency_phone)


_NUMBERS = re.compile(r"\+?\d+")


def mentioned(text: str | None, volunteer: Volunteer) -> bool:
    """Does this text name the person: their Telegram id as a whole number (701 is not inside
    7012), or one of their phones in any form (05…, 5…, 9665…, +9665…)?"""
    if not text:
        return False
    phones = {volunteer.phone, volunteer.emergency_phone} - {None}
    for number in _NUMBERS.findall(ascii_digits(text)):
        if number == str(volunteer.telegram_id) or (phones and normalize_phone(number) in phones):
            return True
    return False


async def audit_lines_about(
    session: AsyncSession, *, volunteer: Volunteer, found: dict[str, dict[tuple[Any, ...], dict[str, Any]]] | None = None
) -> list[dict[str, Any]]:
    """Audit lines about the person: done by them, aimed at them or at one of their records, or
    naming their Telegram id or phone in a coordinator's typed text."""
    found = found or {}
    targets = [f"volunteer:{volunteer.telegram_id}"]
    targets += [f"attendance:{key[0]}" for key in found.get("attendance", {})]
    targets += [f"signup:{key[0]}" for key in found.get("signup", {})]
    audit = table_named("audit_log")
    lines: dict[int, dict[str, Any]] = {}
    for part in _chunks(targets):
        for row in await _rows(session, audit, col(AuditLog.target).in_(part)):
            lines[row["id"]] = row
    for row in await _rows(session, audit, col(AuditLog.actor_telegram_id) == volunteer.telegram_id):
        lines[row["id"]] = row
    likes = [column.contains(token) for token in mentions(volunteer) for column in (col(AuditLog.target), col(AuditLog.detail))]
    for row in await _rows(session, audit, or_(*likes)):
        if mentioned(row["target"], volunteer) or mentioned(row["detail"], volunteer):
            lines[row["id"]] = row
    return [lines[key] for key in sorted(lines)]


def as_json(data: dict[str, list[dict[str, Any]]], *, generated_at: datetime) -> bytes:
    document = {"generated_at": generated_at.isoformat(), "tables": data}
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()


def as_csv(data: dict[str, list[dict[str, Any]]]) -> bytes:
    """One section per table (its name, its header, its rows), readable in a spreadsheet."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    for name, rows in data.items():
        writer.writerow([f"# {name}", f"{len(rows)}"])
        if rows:
            header = list(rows[0])
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read the Arabic right
