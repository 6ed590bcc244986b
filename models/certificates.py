"""Certificates and experience letters: what they certify, how they are numbered, and how anyone
can check one later.

A certificate states a volunteer's *confirmed* hours (the rule of `models.hours`: checked-out
records not waiting for review) within a scope: a calendar year in the program's time zone, all
time, or one opportunity. What it lists is frozen at issue in a snapshot whose sha256 fingerprint
is stored beside it; the records counted are those checked in before the moment of issue, so later
shifts do not change it, but a coordinator's correction of a counted record does. Verification
recomputes the snapshot and compares fingerprints.

Every issue is a new row: the serial (`C-2026-000042`, read out by a person), an unguessable code
(the QR code's link), and a version per volunteer, document and scope; issuing again marks the
older versions superseded. A coordinator may revoke one with a reason (audited). When a holder
erases their data, the name (and the stored PDF, which prints it) is blanked and verification says
only that the document was issued.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import hours, outbox
from models.audit import record_action
from models.base import year_bounds
from models.notices.kinds import NoticeKind
from models.tables import (
    Attendance,
    Center,
    IssuedCertificate,
    OffSystemWork,
    Opportunity,
    Shift,
    Volunteer,
)

CODE_BYTES = 12  # secrets.token_urlsafe(12): 16 characters, 96 random bits
LINK_PREFIX = "v-"  # /start v-<code>
MAX_REASON = 300


class DocumentKind(StrEnum):
    CERTIFICATE = "certificate"
    LETTER = "letter"  # the longer experience letter, one line per opportunity


SERIAL_LETTER = {DocumentKind.CERTIFICATE: "C", DocumentKind.LETTER: "L"}
# The language of the document: one of the program's, or both (an Arabic page and an English one).
DOCUMENT_LANGUAGES = ("ar", "en", "both")
SCOPE_PATTERN = re.compile(r"^(all|y(?P<year>[12][0-9]{3})|o(?P<opp>[1-9][0-9]{0,17}))$")


@dataclass(frozen=True)
class Scope:
    """What a certificate covers: `all`, `y2026` (a calendar year) or `o12` (one opportunity)."""

    key: str
    year: int | None = None
    opportunity_id: int | None = None

    @classmethod
    def parse(cls, key: str) -> Scope | None:
        match = SCOPE_PATTERN.match(key)
        if match is None:
            return None
        year, opp = match.group("year"), match.group("opp")
        return cls(key, int(year) if year else None, int(opp) if opp else None)

    @classmethod
    def all_time(cls) -> Scope:
        return cls("all")

    @classmethod
    def of_year(cls, year: int) -> Scope:
        return cls(f"y{year}", year=year)

    @classmethod
    def of_opportunity(cls, opportunity_id: int) -> Scope:
        return cls(f"o{opportunity_id}", opportunity_id=opportunity_id)


def languages_of(language: str) -> tuple[str, ...]:
    """The pages of a document: ("ar",), ("en",) or both, Arabic first."""
    return ("ar", "en") if language == "both" else (language,)


@dataclass(frozen=True)
class OpportunityLine:
    """One opportunity of the document, with what the volunteer gave to it."""

    opportunity_id: int | None  # None: off-system hours not tied to an opportunity
    title_ar: str
    title_en: str
    category: str
    center_ar: str
    center_en: str
    first_day: date
    last_day: date
    shifts: int
    minutes: int


@dataclass(frozen=True)
class Snapshot:
    """What a document certifies (confirmed figures), as frozen at issue."""

    minutes: int
    shifts: int
    first_day: date | None
    last_day: date | None
    lines: tuple[OpportunityLine, ...]

    @property
    def centers(self) -> list[tuple[str, str]]:
        """The distinct centers (Arabic, English names), in the order of the lines."""
        seen: dict[tuple[str, str], None] = {}
        for line in self.lines:
            if line.center_ar or line.center_en:
                seen.setdefault((line.center_ar, line.center_en), None)
        return list(seen)

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, default=str, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        data = json.loads(text)
        lines = tuple(
            OpportunityLine(**{**line, "first_day": date.fromisoformat(line["first_day"]),
                               "last_day": date.fromisoformat(line["last_day"])})
            for line in data["lines"]
        )
        first, last = data.get("first_day"), data.get("last_day")
        return cls(
            int(data["minutes"]), int(data["shifts"]),
            date.fromisoformat(first) if first else None, date.fromisoformat(last) if last else None, lines,
        )


def fingerprint(*, volunteer_id: int, document: str, scope: str, snapshot: Snapshot) -> str:
    """sha256 of what the document certifies: the same records give the same fingerprint.

    Names and titles are left out on purpose: a renamed center or an erased holder does not make
    the hours any less true; only the counted records (minutes, shifts, days) do.
    """
    counted = [
        [line.opportunity_id, line.first_day.isoformat(), line.last_day.isoformat(), line.shifts, line.minutes]
        for line in snapshot.lines
    ]
    text = json.dumps([volunteer_id, document, scope, snapshot.minutes, snapshot.shifts, counted], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def scope_bounds(scope: Scope, zone: tzinfo) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the records a scope counts (None: open)."""
    if scope.year is not None:
        return year_bounds(scope.year, zone)
    return None, None


async def compute_snapshot(
    session: AsyncSession, *, volunteer_id: int, scope: Scope, zone: tzinfo, until: datetime
) -> Snapshot:
    """The volunteer's confirmed hours in the scope, from records checked in before `until`.

    One grouped read of the volunteer's own records (a few hundred at most), by opportunity: a
    shift's, or the one a coordinator named for off-system hours.
    """
    start, end = scope_bounds(scope, zone)
    opportunity_id = func.coalesce(col(Shift.opportunity_id), col(OffSystemWork.opportunity_id))
    query = (
        select(
            opportunity_id,
            func.min(col(Attendance.checked_in_at)),
            func.max(col(Attendance.checked_in_at)),
            func.count(col(Attendance.shift_id)),
            hours.total(col(Attendance.credited_minutes)),
        )
        .select_from(Attendance)
        .outerjoin(Shift, col(Shift.id) == col(Attendance.shift_id))
        .outerjoin(OffSystemWork, col(OffSystemWork.attendance_id) == col(Attendance.id))
        .where(
            col(Attendance.volunteer_id) == volunteer_id,
            col(Attendance.checked_out_at).is_not(None),
            ~hours.is_pending(),
            col(Attendance.credited_minutes) > 0,
            col(Attendance.checked_in_at) < until,
        )
        .group_by(opportunity_id)
    )
    if start is not None:
        query = query.where(col(Attendance.checked_in_at) >= start)
    if end is not None:
        query = query.where(col(Attendance.checked_in_at) < end)
    if scope.opportunity_id is not None:
        query = query.where(opportunity_id == scope.opportunity_id)
    rows = (await session.execute(query)).all()
    ids = [row[0] for row in rows if row[0] is not None]
    opportunities: dict[int, tuple[Opportunity, Center]] = {}
    if ids:
        found = await session.execute(
            select(Opportunity, Center).join(Center, col(Center.id) == col(Opportunity.center_id)).where(col(Opportunity.id).in_(ids))
        )
        opportunities = {opp.id: (opp, center) for opp, center in found.all() if opp.id is not None}
    lines = []
    for opp_id, first, last, shifts, minutes in rows:
        opp, center = opportunities.get(opp_id, (None, None)) if opp_id is not None else (None, None)
        lines.append(OpportunityLine(
            opportunity_id=opp_id,
            title_ar=opp.title_ar if opp else "", title_en=opp.title_en if opp else "",
            category=opp.category if opp else "",
            center_ar=center.name_ar if center else "", center_en=center.name_en if center else "",
            first_day=first.astimezone(zone).date(), last_day=last.astimezone(zone).date(),
            shifts=int(shifts), minutes=int(minutes),
        ))
    lines.sort(key=lambda line: (line.first_day, line.opportunity_id or 0))
    return Snapshot(
        minutes=sum(line.minutes for line in lines),
        shifts=sum(line.shifts for line in lines),
        first_day=min((line.first_day for line in lines), default=None),
        last_day=max((line.last_day for line in lines), default=None),
        lines=tuple(lines),
    )


# -- issuing ------------------------------------------------------------------------------------
class IssueOutcome(StrEnum):
    ISSUED = "issued"
    NO_HOURS = "no_hours"  # nothing confirmed in the scope: no document


@dataclass(frozen=True)
class IssueResult:
    outcome: IssueOutcome
    certificate: IssuedCertificate | None = None


def serial_of(document: str, issued_at: datetime, row_id: int) -> str:
    return f"{SERIAL_LETTER[DocumentKind(document)]}-{issued_at.year}-{row_id:06d}"


def verification_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={LINK_PREFIX}{code}"


async def issue_certificate(
    session: AsyncSession,
    *,
    volunteer: Volunteer,
    document: DocumentKind,
    scope: Scope,
    language: str,
    zone: tzinfo,
    now: datetime,
) -> IssueResult:
    """Issue a new version of the volunteer's document for the scope (the PDF is drawn later).

    Nothing is issued when the scope holds no confirmed hours. The older versions of the same
    document and scope are marked superseded by this one.
    """
    assert volunteer.id is not None and language in DOCUMENT_LANGUAGES
    snapshot = await compute_snapshot(session, volunteer_id=volunteer.id, scope=scope, zone=zone, until=now)
    if snapshot.minutes <= 0:
        return IssueResult(IssueOutcome.NO_HOURS)
    same = (
        col(IssuedCertificate.volunteer_id) == volunteer.id,
        col(IssuedCertificate.document) == document.value,
        col(IssuedCertificate.scope) == scope.key,
    )
    latest = await session.scalar(select(func.max(col(IssuedCertificate.version))).where(*same))
    certificate = IssuedCertificate(
        code=secrets.token_urlsafe(CODE_BYTES),
        volunteer_id=volunteer.id,
        document=document.value,
        scope=scope.key,
        language=language,
        holder_name=volunteer.display_name,
        minutes=snapshot.minutes,
        shifts=snapshot.shifts,
        snapshot=snapshot.to_json(),
        fingerprint=fingerprint(volunteer_id=volunteer.id, document=document.value, scope=scope.key, snapshot=snapshot),
        version=int(latest or 0) + 1,
        issued_at=now,
    )
    session.add(certificate)
    await session.flush()
    assert certificate.id is not None
    certificate.serial = serial_of(document, now.astimezone(zone), certificate.id)
    await session.execute(
        update(IssuedCertificate)
        .where(*same, col(IssuedCertificate.id) != certificate.id, col(IssuedCertificate.superseded_by).is_(None))
        .values(superseded_by=certificate.id)
    )
    return IssueResult(IssueOutcome.ISSUED, certificate)


async def deliver_certificate(
    session: AsyncSession, *, certificate_id: int, pdf: bytes, chat_id: int, now: datetime
) -> bool:
    """Keep the drawn PDF on its row and queue it to the volunteer (False: the row is gone)."""
    certificate = await session.get(IssuedCertificate, certificate_id)
    if certificate is None:
        return False
    certificate.pdf = pdf
    await outbox.enqueue(
        session, key=f"certificate:{certificate_id}", chat_id=chat_id, kind=NoticeKind.CERTIFICATE,
        payload={"certificate_id": certificate_id}, now=now, volunteer_id=certificate.volunteer_id,
        priority=outbox.PRIORITY_INTERACTIVE,
    )
    return True


async def opportunities_with_hours(session: AsyncSession, *, volunteer_id: int, zone: tzinfo, now: datetime) -> list[OpportunityLine]:
    """The opportunities the volunteer has confirmed hours in (for "one opportunity")."""
    snapshot = await compute_snapshot(session, volunteer_id=volunteer_id, scope=Scope.all_time(), zone=zone, until=now)
    return [line for line in snapshot.lines if line.opportunity_id is not None]


# -- checking -----------------------------------------------------------------------------------
class Verdict(StrEnum):
    GENUINE = "genuine"
    SUPERSEDED = "superseded"  # a newer version for the same scope was issued
    CORRECTED = "corrected"  # the hours it counted have been corrected since it was issued
    REVOKED = "revoked"
    HOLDER_REMOVED = "holder_removed"  # issued, but its holder's data was erased
    UNKNOWN = "unknown"  # no such code or serial: forged, mistyped


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    certificate: IssuedCertificate | None = None

    @property
    def snapshot(self) -> Snapshot | None:
        return None if self.certificate is None else Snapshot.from_json(self.certificate.snapshot)


async def verify(session: AsyncSession, *, certificate: IssuedCertificate | None, zone: tzinfo) -> Verification:
    """Is this certificate still what it says? (revoked > holder removed > superseded > corrected)"""
    if certificate is None:
        return Verification(Verdict.UNKNOWN)
    if certificate.revoked_at is not None:
        return Verification(Verdict.REVOKED, certificate)
    if not certificate.holder_name:
        return Verification(Verdict.HOLDER_REMOVED, certificate)
    if certificate.superseded_by is not None:
        return Verification(Verdict.SUPERSEDED, certificate)
    scope = Scope.parse(certificate.scope)
    assert scope is not None
    fresh = await compute_snapshot(
        session, volunteer_id=certificate.volunteer_id, scope=scope, zone=zone, until=certificate.issued_at
    )
    current = fingerprint(volunteer_id=certificate.volunteer_id, document=certificate.document, scope=certificate.scope, snapshot=fresh)
    if current != certificate.fingerprint:
        return Verification(Verdict.CORRECTED, certificate)
    return Verification(Verdict.GENUINE, certificate)


async def verify_code(session: AsyncSession, *, code: str, zone: tzinfo) -> Verification:
    """The verification link's answer (anyone may ask)."""
    if not code or len(code) > 32:
        return Verification(Verdict.UNKNOWN)
    found = await session.scalar(select(IssuedCertificate).where(col(IssuedCertificate.code) == code))
    return await verify(session, certificate=found, zone=zone)


def normalize_serial(text: str) -> str:
    return text.strip().upper()


async def certificate_by_serial(session: AsyncSession, *, serial: str) -> IssuedCertificate | None:
    serial = normalize_serial(serial)
    if not serial or len(serial) > 32:
        return None
    found: IssuedCertificate | None = await session.scalar(
        select(IssuedCertificate).where(col(IssuedCertificate.serial) == serial)
    )
    return found


async def verify_serial(session: AsyncSession, *, serial: str, zone: tzinfo) -> Verification:
    """/verify <serial> (coordinators)."""
    return await verify(session, certificate=await certificate_by_serial(session, serial=serial), zone=zone)


class RevokeOutcome(StrEnum):
    REVOKED = "revoked"
    ALREADY = "already"
    UNKNOWN = "unknown"
    NO_REASON = "no_reason"


async def revoke_certificate(
    session: AsyncSession, *, serial: str, reason: str, actor_telegram_id: int, now: datetime
) -> tuple[RevokeOutcome, IssuedCertificate | None]:
    """A coordinator withdraws a certificate, with a reason (audited)."""
    reason = " ".join(reason.split())[:MAX_REASON]
    certificate = await certificate_by_serial(session, serial=serial)
    if certificate is None:
        return RevokeOutcome.UNKNOWN, None
    if not reason:
        return RevokeOutcome.NO_REASON, certificate
    if certificate.revoked_at is not None:
        return RevokeOutcome.ALREADY, certificate
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by = now, reason, actor_telegram_id
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="certificate.revoke", target=certificate.serial,
        detail=reason, now=now,
    )
    return RevokeOutcome.REVOKED, certificate


async def erase_certificate_holder(session: AsyncSession, *, volunteer_id: int) -> int:
    """Blank the holder's name on every document issued to them (and the stored PDFs, which print
    it); verification then says "issued, holder removed". How many documents were touched."""
    result: Any = await session.execute(
        update(IssuedCertificate)
        .where(col(IssuedCertificate.volunteer_id) == volunteer_id)
        .values(holder_name=None, pdf=None)
    )
    return int(result.rowcount or 0)



# -- demo -----------------------------------------------------------------------------------------
DEMO_PERSONAS = (1001, 1002)  # bot/demo.py's سارة and Omar
DEMO_PAST_SHIFTS = (("demo-cert-past-1", 40, 3), ("demo-cert-past-2", 12, 4))  # code, days ago, hours


async def seed_demo_certificates(session: AsyncSession, *, now: datetime, zone: tzinfo) -> int:
    """Past confirmed shifts for the demo's personas, so they can ask for a certificate at once.

    The personas' rows are made (unregistered: the demo still walks them through onboarding) when
    missing; the past shifts are found again by their check-in codes. Safe to repeat; how many
    records were added.
    """
    opportunity = await session.scalar(select(Opportunity).order_by(col(Opportunity.id)).limit(1))
    if opportunity is None or opportunity.id is None:
        return 0
    shifts = []
    for code, days_ago, length in DEMO_PAST_SHIFTS:
        shift = await session.scalar(select(Shift).where(col(Shift.checkin_code) == code))
        if shift is None:
            local_start = (now - timedelta(days=days_ago)).astimezone(zone).replace(hour=16, minute=0, second=0, microsecond=0)
            shift = Shift(opportunity_id=opportunity.id, starts_at=local_start, ends_at=local_start + timedelta(hours=length),
                          capacity=10, checkin_code=code)
            session.add(shift)
            await session.flush()
        shifts.append(shift)
    added = 0
    for telegram_id in DEMO_PERSONAS:
        volunteer = await session.scalar(select(Volunteer).where(col(Volunteer.telegram_id) == telegram_id))
        if volunteer is None:
            volunteer = Volunteer(telegram_id=telegram_id, language="ar" if telegram_id == 1001 else "en", created_at=now)
            session.add(volunteer)
            await session.flush()
        assert volunteer.id is not None
        for shift in shifts:
            done = await session.scalar(select(col(Attendance.id)).where(
                col(Attendance.shift_id) == shift.id, col(Attendance.volunteer_id) == volunteer.id))
            if done is None:
                session.add(Attendance(shift_id=shift.id, volunteer_id=volunteer.id, checked_in_at=shift.starts_at,
                                       checked_out_at=shift.ends_at, method="code",
                                       credited_minutes=int((shift.ends_at - shift.starts_at).total_seconds() // 60)))
                added += 1
    await session.flush()
    return added
