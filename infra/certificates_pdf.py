"""Drawing certificates and experience letters as PDF (fpdf2, Arabic shaped by HarfBuzz).

`draw_document(content)` is a pure function of a picklable `DocumentContent`: the same content
gives the same document, so it can run in a worker process (see `CertificateBuilder`) and the
tests can draw one without a bot. Arabic pages are laid out right to left: fpdf2's text shaping
(uharfbuzz) joins the letters and its bidirectional algorithm orders each line; the QR code and
the serial swap sides with the direction.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_date
from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace
from hijridate import Gregorian

from infra.fonts import AMIRI_BOLD, AMIRI_REGULAR
from infra.i18n import N_, Catalogs, Translator
from models.certificates import DocumentKind, Scope, Snapshot, languages_of
from models.tables import IssuedCertificate

GREEN = (20, 96, 72)
GOLD = (176, 141, 60)
INK = (34, 34, 34)
GREY = (110, 110, 110)
MAX_LISTED = 6  # opportunities named on a certificate; the letter lists them all

CATEGORY_NAMES = {
    "community": N_("Community service"),
    "elderly": N_("Caring for the elderly"),
    "environment": N_("Environment"),
    "health": N_("Health"),
    "education": N_("Education"),
    "events": N_("Events"),
    "pilgrims": N_("Serving pilgrims and visitors"),
    "training": N_("Training"),
}


@dataclass(frozen=True)
class DocumentContent:
    """Everything a document prints (plain values: it crosses into a worker process)."""

    document: str  # DocumentKind
    language: str  # ar | en | both
    holder_name: str
    scope: str
    snapshot: Snapshot
    serial: str
    version: int
    issued_at: datetime
    link: str
    association: dict[str, str] = field(default_factory=dict)  # language -> name
    zone: str = "Asia/Riyadh"


def content_of(certificate: IssuedCertificate, *, link: str, association: dict[str, str], zone: str) -> DocumentContent:
    """What an issued row prints."""
    assert certificate.serial is not None
    return DocumentContent(
        document=certificate.document, language=certificate.language, holder_name=certificate.holder_name or "",
        scope=certificate.scope, snapshot=Snapshot.from_json(certificate.snapshot), serial=certificate.serial,
        version=certificate.version, issued_at=certificate.issued_at, link=link, association=association, zone=zone,
    )


# The OpenType features the documents use: Arabic joining, ligatures, marks and kerning. Amiri's
# stylistic sets and fraction forms are left out of the per-process copy of the font (below).
FEATURES = ["ccmp", "locl", "isol", "init", "medi", "fina", "rlig", "liga", "calt", "mark", "mkmk", "kern", "curs"]
# Basic Latin and Latin-1, Arabic, general punctuation (bidi marks), the dotted circle.
CHARACTERS = [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x600, 0x700), *range(0x2000, 0x2070), 0x25CC]


@cache
def _fonts() -> tuple[str, str]:
    """Amiri cut down to what the documents print, once per process, in a temporary folder.

    fpdf2 parses the whole font for every document and subsets it again at output: with Amiri's
    6,800 glyphs that was most of a document's drawing time; the cut-down copy (3,700) is parsed and subset faster.
    """
    folder = Path(tempfile.mkdtemp(prefix="volunteer-bot-fonts-"))
    paths: list[str] = []
    for source in (AMIRI_REGULAR, AMIRI_BOLD):
        font = TTFont(str(source))
        options = subset.Options()
        options.layout_features = FEATURES
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=CHARACTERS)
        subsetter.subset(font)
        path = folder / source.name
        font.save(str(path))
        paths.append(str(path))
    return paths[0], paths[1]


@cache
def _catalogs(zone: str) -> Catalogs:
    """Loaded once per process (a worker process loads its own)."""
    return Catalogs(ZoneInfo(zone), "ar")


def issue_date(t: Translator, moment: datetime) -> str:
    """`2 December 2026 · 22 Jumada al-Akhirah 1448 AH` in the page's language (Umm al-Qura)."""
    local = t.local(moment).date()
    gregorian = format_date(local, "d MMMM y", locale=t.locale)
    try:
        hijri = Gregorian(local.year, local.month, local.day).to_hijri()
    except (OverflowError, ValueError):  # outside the Umm al-Qura table
        return gregorian
    hijri_text = t.gettext("{day} {month} {year} AH").format(
        day=hijri.day, month=hijri.month_name("ar" if t.language == "ar" else "en"), year=hijri.year
    )
    return t.gettext("{gregorian} · {hijri}").format(gregorian=gregorian + (" م" if t.rtl else ""), hijri=hijri_text)


def _day(t: Translator, day: date) -> str:
    return format_date(day, "d MMMM y", locale=t.locale)


def _pick(t: Translator, arabic: str, english: str) -> str:
    primary, other = (arabic, english) if t.language == "ar" else (english, arabic)
    return primary or other


def period_text(t: Translator, scope: Scope, snapshot: Snapshot) -> str:
    """The sentence's end that says when: in 2026, between two days, in one opportunity."""
    if scope.year is not None:
        return t.gettext("during the year {year}").format(year=scope.year)
    first, last = snapshot.first_day, snapshot.last_day
    if first is None or last is None:
        return ""
    if first == last:
        return t.gettext("on {day}").format(day=_day(t, first))
    return t.gettext("between {first} and {last}").format(first=_day(t, first), last=_day(t, last))


def _shifts(t: Translator, n: int) -> str:
    return t.ngettext("{n} shift", "{n} shifts", n).format(n=t.number(n))


class _Page:
    """One page's drawing helpers, aware of the direction."""

    def __init__(self, pdf: FPDF, t: Translator) -> None:
        self.pdf, self.t = pdf, t
        self.start = Align.R if t.rtl else Align.L

    def font(self, size: float, *, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font("Amiri", "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def line(self, text: str, size: float, *, bold: bool = False, color: tuple[int, int, int] = INK,
             align: Align = Align.C, height: float | None = None) -> None:
        self.font(size, bold=bold, color=color)
        self.pdf.multi_cell(0, height or size * 0.55, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def gap(self, mm: float) -> None:
        self.pdf.ln(mm)


def _frame(pdf: FPDF) -> None:
    width, height = pdf.w, pdf.h
    pdf.set_draw_color(*GREEN)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, width - 16, height - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(11.5, 11.5, width - 23, height - 23)
    for x, y in ((11.5, 11.5), (width - 11.5, 11.5), (11.5, height - 11.5), (width - 11.5, height - 11.5)):
        pdf.set_fill_color(*GOLD)
        pdf.circle(x, y, 2.2, style="F")


def _rule(pdf: FPDF, y: float, width: float) -> None:
    """A short gold line, centred, with a dot in its middle."""
    middle = pdf.w / 2
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.line(middle - width / 2, y, middle - 3, y)
    pdf.line(middle + 3, y, middle + width / 2, y)
    pdf.set_fill_color(*GOLD)
    pdf.circle(middle, y, 1.2, style="F")


def _qr_png(link: str) -> io.BytesIO:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=2, dark="#145f48")
    out.seek(0)
    return out


def _isolated(t: Translator, text: str) -> str:
    """Left-to-right text (a serial) kept whole inside an Arabic line (Unicode isolates)."""
    return f"\u2066{text}\u2069" if t.rtl else text


def _footer(page: _Page, content: DocumentContent, *, top: float) -> None:
    """Date of issue (Gregorian and Hijri), serial and version on one side, the QR on the other."""
    pdf, t = page.pdf, page.t
    size = 30.0
    left, right = pdf.l_margin, pdf.w - pdf.r_margin
    qr_x = left if t.rtl else right - size
    pdf.image(_qr_png(content.link), x=qr_x, y=top, w=size, h=size)
    text_x = left + size + 6 if t.rtl else left
    text_w = right - left - size - 6
    pdf.set_xy(text_x, top + 2)
    rows = [
        (t.gettext("Date of issue: {date}").format(date=issue_date(t, content.issued_at)), True),
        (t.gettext("Serial number: {serial} · version {version}").format(serial=_isolated(t, content.serial), version=content.version), False),
        (t.gettext("Scan the code, or open the link below, to check that this document is genuine."), False),
    ]
    for text, bold in rows:
        page.font(11, bold=bold, color=INK if bold else GREY)
        pdf.set_x(text_x)
        pdf.multi_cell(text_w, 6.5, text, align=page.start, new_x=XPos.LEFT, new_y=YPos.NEXT)
    page.font(9, color=GREY)
    pdf.set_x(text_x)
    pdf.multi_cell(text_w, 5, content.link, align=page.start, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _certificate_page(pdf: FPDF, t: Translator, content: DocumentContent) -> None:
    pdf.add_page(orientation="L")
    _frame(pdf)
    page = _Page(pdf, t)
    snapshot, scope = content.snapshot, Scope.parse(content.scope) or Scope.all_time()
    association = content.association.get(t.language) or next(iter(content.association.values()), "")
    pdf.set_y(22)
    page.line(association, 18, bold=True, color=GREEN)
    page.gap(5)
    page.line(t.gettext("Certificate of Volunteering"), 38, bold=True, color=GOLD, height=18)
    _rule(pdf, pdf.get_y() + 1, 70)
    page.gap(7)
    page.line(t.gettext("{association} certifies that").format(association=association), 15, color=GREY)
    page.gap(3)
    page.line(content.holder_name, 32, bold=True, height=16)
    _rule(pdf, pdf.get_y() + 1, 40)
    page.gap(6)
    body = t.gettext("has volunteered {hours} in {shifts} {period}, as confirmed in the program's records.").format(
        hours=t.duration(snapshot.minutes), shifts=_shifts(t, snapshot.shifts), period=period_text(t, scope, snapshot)
    )
    pdf.set_x(pdf.l_margin + 20)
    page.font(16)
    pdf.multi_cell(pdf.w - pdf.l_margin - pdf.r_margin - 40, 9, body, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    titles = [_pick(t, line.title_ar, line.title_en) for line in snapshot.lines if line.opportunity_id is not None]
    page.gap(3)
    if titles:
        shown = "، ".join(titles[:MAX_LISTED]) if t.rtl else ", ".join(titles[:MAX_LISTED])
        if len(titles) > MAX_LISTED:
            more = len(titles) - MAX_LISTED
            shown += " " + t.ngettext("and {n} more", "and {n} more", more).format(n=t.number(more))
        page.line(t.gettext("Opportunities: {titles}").format(titles=shown), 13, color=INK, height=7.5)
    centers = [_pick(t, arabic, english) for arabic, english in snapshot.centers]
    if centers:
        page.line(t.gettext("Centers: {centers}").format(centers=("، " if t.rtl else ", ").join(centers)), 13, height=7.5)
    page.gap(4)
    page.line(t.gettext("With our thanks for a generous contribution to our community."), 14, color=GREEN, height=8)
    _footer(page, content, top=pdf.h - 50)


def _letter_page(pdf: FPDF, t: Translator, content: DocumentContent) -> None:
    pdf.add_page(orientation="P")
    _frame(pdf)
    page = _Page(pdf, t)
    snapshot, scope = content.snapshot, Scope.parse(content.scope) or Scope.all_time()
    association = content.association.get(t.language) or next(iter(content.association.values()), "")
    pdf.set_y(20)
    page.line(association, 16, bold=True, color=GREEN)
    page.line(t.gettext("Volunteer Experience Letter"), 24, bold=True, color=GOLD, height=13)
    page.gap(4)
    page.line(t.gettext("To whom it may concern,"), 13, bold=True, align=page.start, height=7)
    page.gap(1)
    intro = t.gettext(
        "{association} confirms that {name} has volunteered with its program {period}, giving {hours} in {shifts} "
        "to the opportunities below. The figures are the hours confirmed in the program's attendance records."
    ).format(
        association=association, name=content.holder_name, period=period_text(t, scope, snapshot),
        hours=t.duration(snapshot.minutes), shifts=_shifts(t, snapshot.shifts),
    )
    page.line(intro, 12.5, align=page.start, height=7)
    page.gap(3)
    _letter_table(page, snapshot)
    page.gap(3)
    page.line(t.gettext("We thank them for their commitment and recommend them warmly."), 12.5, align=page.start, height=7)
    page.line(t.gettext("Issued by the program's volunteer bot; the code below confirms it."), 10.5, color=GREY, align=page.start, height=6)
    if pdf.get_y() > pdf.h - 62:
        pdf.add_page(orientation="P")
        _frame(pdf)
    _footer(page, content, top=pdf.h - 50)


def _letter_table(page: _Page, snapshot: Snapshot) -> None:
    pdf, t = page.pdf, page.t
    headings = [t.gettext("Opportunity and role"), t.gettext("Center"), t.gettext("Dates"), t.gettext("Confirmed hours")]
    widths = [52, 36, 44, 34]
    rows = []
    for line in snapshot.lines:
        title = _pick(t, line.title_ar, line.title_en) or t.gettext("Other confirmed volunteering")
        role = t.gettext(CATEGORY_NAMES[line.category]) if line.category in CATEGORY_NAMES else ""
        dates = _day(t, line.first_day) if line.first_day == line.last_day else f"{_day(t, line.first_day)} – {_day(t, line.last_day)}"
        rows.append([f"{title}\n{role}" if role else title, _pick(t, line.center_ar, line.center_en), dates,
                     f"{t.duration(line.minutes)}\n{_shifts(t, line.shifts)}"])
    if t.rtl:  # the first column on the right
        headings, widths, rows = headings[::-1], widths[::-1], [row[::-1] for row in rows]
    page.font(10.5)
    pdf.set_draw_color(*GOLD)
    pdf.set_fill_color(255, 255, 255)  # the rows between the tinted ones
    pdf.set_line_width(0.2)
    with pdf.table(col_widths=widths, width=sum(widths), text_align=Align.R if t.rtl else Align.L, line_height=5.5,
                   headings_style=_heading_style(), padding=1.5, cell_fill_color=(246, 241, 228),
                   cell_fill_mode="ROWS") as table:
        heading = table.row()
        for text in headings:
            heading.cell(text)
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)


def _heading_style() -> FontFace:
    return FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=GREEN)


def draw_document(content: DocumentContent) -> bytes:
    """The PDF: one page per language (Arabic first when both)."""
    catalogs = _catalogs(content.zone)
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(22, 18, 22)
    regular, bold = _fonts()
    pdf.add_font("Amiri", "", regular)
    pdf.add_font("Amiri", "B", bold)
    pdf.set_text_shaping(True)
    pdf.set_title(content.serial)
    pdf.set_creator("volunteer-bot")
    # A fixed creation date keeps the document a function of its content.
    pdf.set_creation_date(content.issued_at)
    for language in languages_of(content.language):
        t = catalogs.for_language(language)
        if content.document == DocumentKind.LETTER:
            _letter_page(pdf, t, content)
        else:
            _certificate_page(pdf, t, content)
    return bytes(pdf.output())


async def draw_off_loop(executor: Executor | None, content: DocumentContent) -> bytes:
    """Draw in `executor`: a worker process in production, else a thread.

    Drawing a page costs a hundred milliseconds or more of pure Python, which in the bot's own
    process holds the interpreter (and every volunteer's reply) while it runs; a worker process
    draws in parallel with the update loop.
    """
    return await asyncio.get_running_loop().run_in_executor(executor, draw_document, content)
