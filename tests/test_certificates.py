"""Certificates a volunteer can show, and anyone can check (issue 11)."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.sender import drain_once
from handlers import callback_data as cd
from models.tables import Attendance, AuditLog, IssuedCertificate, Volunteer
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center, make_opportunity
from tests.harness import BotHarness, Person
from tests.telegram_double import SentMessage

NAMES = {"ar": "سارة العتيبي", "en": "Sara Al-Otaibi"}
PHONE = "+966500000000"


async def worked(harness: BotHarness, center, volunteer_id: int, *, hours: float, start: datetime,  # type: ignore[no-untyped-def]
                 title_en: str = "Serving the pilgrims", title_ar: str = "خدمة ضيوف الرحمن", flagged: bool = False) -> int:
    """A completed shift of `hours` starting at `start`; the attendance id."""
    _, [shift] = await make_opportunity(sessions(harness), center=center, starts=[start], hours=hours, title_en=title_en, title_ar=title_ar)
    async with sessions(harness)() as session, session.begin():
        record = Attendance(shift_id=shift.id, volunteer_id=volunteer_id, checked_in_at=start, checked_out_at=shift.ends_at,
                            method="code", credited_minutes=int(hours * 60), flagged=flagged)
        session.add(record)
        await session.flush()
        assert record.id is not None
        return record.id


@pytest.fixture
async def center(session_factory):  # type: ignore[no-untyped-def]
    return await make_center(session_factory)


async def volunteer_with_hours(harness: BotHarness, center, user_id: int, language: str) -> tuple[Person, Volunteer]:  # type: ignore[no-untyped-def]
    person = await make_person(harness, user_id, center=center, language=language, name=NAMES[language])
    assert person.id is not None
    await worked(harness, center, person.id, hours=3, start=datetime(2026, 3, 10, 6, tzinfo=UTC))
    await worked(harness, center, person.id, hours=2.5, start=datetime(2026, 9, 2, 15, tzinfo=UTC),
                 title_en="Visiting the elderly", title_ar="زيارة كبار السن")
    return harness.person(user_id, language_code=language), person


async def ask_certificate(harness: BotHarness, person: Person, *, scope: str, language: str, document: str = "c") -> list[SentMessage]:
    """/certificate, the scope, the language; then the PDF is drawn and sent: the messages shown."""
    [menu] = await person.send("/certificate" if document == "c" else "/letter")
    if document == "c":
        await person.press_data(cd.CertificateScope("c", scope).data, menu)
    shown = await person.press_data(cd.CertificateIssue(document, scope, language).data, menu)  # type: ignore[arg-type]
    harness.advance(seconds=1)
    await drain_once(harness.app)
    return shown


def the_document(harness: BotHarness, user_id: int) -> SentMessage:
    [document] = [m for m in harness.telegram.to(user_id) if m.method == "sendDocument"][-1:]
    assert document.file is not None and document.file.startswith(b"%PDF")
    return document


def pdf_text(data: bytes) -> str:
    """The PDF's text, read back (pypdf), with line breaks inside table cells undone."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def qr_link(data: bytes, tmp_path: Path) -> str:
    """Render the first page (pdftoppm) and read its QR code back (OpenCV)."""
    (tmp_path / "c.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "c")], check=True)
    image = cv2.imread(str(tmp_path / "c.png"))
    assert image is not None and isinstance(image, np.ndarray)
    link, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return str(link)


async def stored(harness: BotHarness) -> list[IssuedCertificate]:
    async with sessions(harness)() as session:
        return list((await session.execute(select(IssuedCertificate).order_by(IssuedCertificate.id))).scalars())


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_volunteer_receives_a_certificate_whose_qr_code_verifies_for_a_stranger(harness, center, tmp_path, language) -> None:  # type: ignore[no-untyped-def]
    person, _ = await volunteer_with_hours(harness, center, 4101, language)
    [menu] = await person.send("/certificate")
    assert ("شهادة" in menu.plain) if language == "ar" else ("certificate" in menu.plain)
    assert len(menu.inline_buttons()) == 5
    shown = await ask_certificate(harness, person, scope="y2026", language=language)
    assert ("جاري" in shown[-1].plain or "⏳" in shown[-1].plain)

    document = the_document(harness, 4101)
    assert document.file_name and document.file_name.startswith("C-2026-")
    assert ("٥ ساعات" in document.plain or "5 ساعات" in document.plain) if language == "ar" else "5 hours and 30 minutes" in document.plain
    text = pdf_text(document.file or b"")
    assert NAMES[language] in text
    assert ("ساعات" in text and "5" in text) if language == "ar" else "5 hours and 30 minutes" in text
    assert ("1448" in text and "هـ" in text) if language == "ar" else "1448 AH" in text  # Hijri beside Gregorian
    assert "مركز حي العوالي" in text if language == "ar" else "Al-Awali Center" in text
    [row] = await stored(harness)
    assert row.serial in text and row.minutes == 330 and row.shifts == 2 and row.pdf == document.file

    link = qr_link(document.file or b"", tmp_path)
    assert link == f"https://t.me/volunteer_test_bot?start=v-{row.code}"
    stranger = harness.person(999_000_111, language_code=language)
    [answer] = await stranger.send("/start " + link.split("start=")[1])
    assert ("أصلية" in answer.plain) if language == "ar" else "Genuine" in answer.plain
    assert NAMES[language] in answer.plain and row.serial in answer.plain
    assert ("2026" in answer.plain and ("٥ ساعات" in answer.plain or "5 ساعات" in answer.plain)) if language == "ar" else "5 hours and 30 minutes" in answer.plain
    assert PHONE not in answer.plain and "4101" not in answer.plain
    async with sessions(harness)() as session:  # a stranger checking is not made a volunteer
        assert await session.scalar(select(Volunteer).where(Volunteer.telegram_id == 999_000_111)) is None


async def test_both_languages_make_two_pages_and_the_letter_lists_each_opportunity(harness, center) -> None:  # type: ignore[no-untyped-def]
    person, _ = await volunteer_with_hours(harness, center, 4102, "ar")
    await ask_certificate(harness, person, scope="all", language="both")
    both = the_document(harness, 4102)
    assert len(PdfReader(io.BytesIO(both.file or b"")).pages) == 2
    text = pdf_text(both.file or b"")
    assert "Certificate of Volunteering" in text and "شهادة تطوع" in text

    await ask_certificate(harness, person, scope="all", language="en", document="l")
    letter = the_document(harness, 4102)
    assert letter.file_name and letter.file_name.startswith("L-2026-")
    text = pdf_text(letter.file or b"")
    for expected in ("Volunteer Experience Letter", "Serving the pilgrims", "Visiting the elderly", "Serving pilgrims and visitors",
                     "10 March 2026", "2 September 2026", "3 hours", "2 hours and 30 minutes", NAMES["ar"]):
        assert expected in text, expected


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_no_confirmed_hours_is_said_and_no_pdf_is_made(harness, center, language) -> None:  # type: ignore[no-untyped-def]
    volunteer = await make_person(harness, 4103, center=center, language=language)
    assert volunteer.id is not None
    # A flagged record is pending review, not confirmed: it does not make a certificate.
    await worked(harness, center, volunteer.id, hours=4, start=datetime(2026, 11, 3, 6, tzinfo=UTC), flagged=True)
    person = harness.person(4103)
    shown = await ask_certificate(harness, person, scope="y2026", language=language)
    expected = "لا توجد لديك ساعات تطوع مؤكدة في 2026" if language == "ar" else "You have no confirmed volunteer hours in 2026"
    assert expected in shown[-1].plain
    assert not [m for m in harness.telegram.to(4103) if m.method == "sendDocument"]
    assert await stored(harness) == []


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_reissued_certificate_supersedes_the_old_one(harness, center, language) -> None:  # type: ignore[no-untyped-def]
    person, _ = await volunteer_with_hours(harness, center, 4104, language)
    await ask_certificate(harness, person, scope="all", language=language)
    harness.advance(minutes=5)
    await ask_certificate(harness, person, scope="all", language=language)
    old, new = await stored(harness)
    assert (old.version, new.version, old.superseded_by) == (1, 2, new.id)
    stranger = harness.person(999_000_112, language_code=language)
    [answer] = await stranger.send(f"/start v-{old.code}")
    assert ("بنسخة أحدث" in answer.plain) if language == "ar" else "Superseded by a newer version" in answer.plain
    [answer] = await stranger.send(f"/start v-{new.code}")
    assert ("أصلية" in answer.plain) if language == "ar" else "Genuine" in answer.plain


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_hours_corrected_after_issue_make_the_certificate_superseded(harness, center, language) -> None:  # type: ignore[no-untyped-def]
    person, volunteer = await volunteer_with_hours(harness, center, 4105, language)
    await ask_certificate(harness, person, scope="y2026", language=language)
    [row] = await stored(harness)
    async with sessions(harness)() as session, session.begin():
        record = await session.scalar(select(Attendance).where(Attendance.volunteer_id == volunteer.id).limit(1))
        assert record is not None
        record.credited_minutes -= 60  # a coordinator corrected it
    # A shift worked after the issue does not touch it: only the records it counted matter.
    await worked(harness, center, volunteer.id or 0, hours=1, start=harness.now + timedelta(hours=1))
    [answer] = await harness.person(999_000_113, language_code=language).send(f"/start v-{row.code}")
    assert ("صُحّحت الساعات" in answer.plain) if language == "ar" else "the hours were corrected after it was issued" in answer.plain


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_coordinator_revokes_a_certificate_with_a_reason(harness, center, language) -> None:  # type: ignore[no-untyped-def]
    person, _ = await volunteer_with_hours(harness, center, 4106, language)
    await ask_certificate(harness, person, scope="all", language=language)
    [row] = await stored(harness)
    [refused] = await person.send(f"/revokecert {row.serial} I changed my mind")  # a volunteer cannot
    assert "coordinators" in refused.plain or "لمنسقي" in refused.plain
    admin = harness.person(COORDINATOR_ID)
    await make_person(harness, COORDINATOR_ID, language=language, role="admin")
    [done] = await admin.send(f"/revokecert {row.serial.lower()} hours entered by mistake")
    assert row.serial in done.plain
    [again] = await admin.send(f"/revokecert {row.serial} twice")
    assert ("ملغاة مسبقًا" in again.plain) if language == "ar" else "already revoked" in again.plain
    [answer] = await harness.person(999_000_114, language_code=language).send(f"/start v-{row.code}")
    assert ("ملغاة" in answer.plain) if language == "ar" else "Revoked" in answer.plain
    assert "hours entered by mistake" in answer.plain
    [checked] = await admin.send(f"/verify {row.serial}")
    assert "hours entered by mistake" in checked.plain
    async with sessions(harness)() as session:
        lines = list((await session.execute(select(AuditLog).where(AuditLog.action == "certificate.revoke"))).scalars())
    assert [(line.target, line.detail, line.allowed) for line in lines if line.allowed] == [(row.serial, "hours entered by mistake", True)]


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_forged_code_gets_a_clear_answer(harness, language) -> None:  # type: ignore[no-untyped-def]
    stranger = harness.person(999_000_115, language_code=language)
    [answer] = await stranger.send("/start v-NotARealCode123456")
    assert ("ليست من شهاداتنا" in answer.plain) if language == "ar" else "Not a certificate of ours" in answer.plain


async def test_a_forged_certificate_button_is_refused(harness, center) -> None:  # type: ignore[no-untyped-def]
    person, _ = await volunteer_with_hours(harness, center, 4107, "en")
    [menu] = await person.send("/certificate")
    await person.press_data("cri:v1:c:y20x6:en", menu)
    await person.press_data(cd.CertificateIssue("c", "o999999", "en").data, menu)
    assert "no longer valid" in harness.telegram.callback_answers[0]["text"]
    assert "no confirmed hours in this opportunity" in person.last().plain
    assert await stored(harness) == []


async def test_one_opportunity_certificate(harness, center) -> None:  # type: ignore[no-untyped-def]
    person, _ = await volunteer_with_hours(harness, center, 4108, "en")
    [menu] = await person.send("/certificate")
    [listing] = await person.press_data(cd.CertificateOpportunities(0).data, menu)
    labels = listing.labels()
    assert any(label.startswith("Visiting the elderly · 2 hours and 30 minutes") for label in labels)
    [button] = [b for b in listing.inline_buttons() if b["text"].startswith("Visiting the elderly")]
    await person.press_data(button["callback_data"], listing)
    scope = cd.CertificateScope.parse(button["callback_data"]).scope
    await person.press_data(cd.CertificateIssue("c", scope, "en").data, listing)
    harness.advance(seconds=1)
    await drain_once(harness.app)
    text = pdf_text(the_document(harness, 4108).file or b"")
    assert "2 hours and 30 minutes" in text and "Visiting the elderly" in text and "Serving the pilgrims" not in text


async def test_milestone_thanks_offer_the_certificate_in_one_tap(harness, center) -> None:  # type: ignore[no-untyped-def]
    from handlers.notices.thanks import render_milestone, render_volunteer_day
    from models.milestones import YearFigures
    from models.notices.thanks import MilestoneFacts, VolunteerDayFacts

    volunteer = await make_person(harness, 4109, center=center, language="ar")
    t = harness.app.bot_data.services.catalogs.for_language("ar")
    for rendered in (render_milestone(t, MilestoneFacts(volunteer, 10)), render_volunteer_day(t, VolunteerDayFacts(volunteer, YearFigures(300, 2, 1)))):
        assert rendered.keyboard is not None
        [[button], [card]] = rendered.keyboard.inline_keyboard  # the certificate, then the year card
        assert button.callback_data == cd.CertificateMenu().data and "شهادت" in button.text
        assert card.callback_data == cd.YearCardShow().data
    person = harness.person(4109)
    [hours] = await person.send("/hours")
    [menu] = await person.press_data(cd.CertificateMenu().data, hours)
    assert len(menu.inline_buttons()) == 5


async def test_erasing_the_holder_blanks_name_and_pdf_and_verification_says_holder_removed(harness, center) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    from models.certificates import (
        DocumentKind,
        IssueOutcome,
        Scope,
        Verdict,
        issue_certificate,
        verify_code,
    )

    zone = ZoneInfo("Asia/Riyadh")
    volunteer = await make_person(harness, 4110, center=center, language="en", name="Huda")
    assert volunteer.id is not None
    await worked(harness, center, volunteer.id, hours=2, start=datetime(2026, 4, 1, 6, tzinfo=UTC))
    async with sessions(harness)() as session, session.begin():
        volunteer = await session.get(Volunteer, volunteer.id)
        assert volunteer is not None
        result = await issue_certificate(session, volunteer=volunteer, document=DocumentKind.CERTIFICATE, scope=Scope.all_time(),
                                         language="en", zone=zone, now=harness.now)
        assert result.outcome is IssueOutcome.ISSUED and result.certificate is not None
        result.certificate.pdf = b"%PDF-1.4 Huda"
        code = result.certificate.code
        assert (await verify_code(session, code=code, zone=zone)).verdict is Verdict.GENUINE
    # The holder erases their data with /deleteme (issue 13): the certificate stays verifiable.
    person = harness.person(4110)
    await person.send("/deleteme")
    await person.press_data(cd.EraseMe("yes").data)
    async with sessions(harness)() as session:
        verification = await verify_code(session, code=code, zone=zone)
        assert verification.verdict is Verdict.HOLDER_REMOVED
        assert verification.certificate is not None
        assert (verification.certificate.holder_name, verification.certificate.pdf) == (None, None)
    [answer] = await harness.person(999_000_116, language_code="en").send(f"/start v-{code}")
    assert "Issued, holder removed" in answer.plain and "Huda" not in answer.plain and "2 hours" not in answer.plain
