"""The Arabic on a certificate is drawn shaped (joined letter forms, HarfBuzz's choice of glyphs)
and in visual right-to-left order: compared glyph by glyph with uharfbuzz's shaping of the same
words. Drawn unshaped (isolated letters) or in logical order, the words would not be found."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import uharfbuzz as hb
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream

from infra.certificates_pdf import DocumentContent, draw_document
from infra.fonts import AMIRI_BOLD
from models.certificates import OpportunityLine, Snapshot

NAME = "سارة العتيبي"
Signature = tuple[object, ...]


def outline(font: TTFont, glyph_name: str) -> Signature:
    """A glyph told apart by its drawing and advance, not its id (the PDF's font is a subset)."""
    coordinates, ends, _ = font["glyf"][glyph_name].getCoordinates(font["glyf"])
    return (tuple(coordinates), tuple(ends), font["hmtx"][glyph_name][0])


def drawn_glyphs(pdf: bytes) -> list[list[Signature]]:
    """Every text run of the first page, as the glyph outlines it shows."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    fonts = {}
    for key, ref in page["/Resources"]["/Font"].items():
        descendant = ref.get_object()["/DescendantFonts"][0].get_object()
        subset = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()))
        cid_map = descendant["/CIDToGIDMap"]
        gid_of = cid_map.get_object().get_data() if not isinstance(cid_map, str) else None
        fonts[key] = (subset, gid_of)
    runs: list[list[Signature]] = []
    current = None
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"Tf":
            current = fonts[operands[0]]
        elif operator in (b"Tj", b"TJ") and current is not None:
            subset, gid_of = current
            order = subset.getGlyphOrder()
            strings = operands[0] if operator == b"TJ" else [operands[0]]
            run = []
            for item in strings:
                if isinstance(item, (int, float)):
                    continue
                data = item.original_bytes if hasattr(item, "original_bytes") else bytes(item)
                for i in range(0, len(data), 2):
                    cid = int.from_bytes(data[i : i + 2], "big")
                    gid = int.from_bytes(gid_of[2 * cid : 2 * cid + 2], "big") if gid_of else cid
                    run.append(outline(subset, order[gid]))
            runs.append(run)
    return runs


def harfbuzz_glyphs(word: str, *, shaped: bool = True) -> list[Signature]:
    """The glyphs HarfBuzz draws for a word, in visual order (or each letter's isolated form)."""
    font = TTFont(str(AMIRI_BOLD))
    order = font.getGlyphOrder()
    if not shaped:
        cmap = font.getBestCmap()
        return [outline(font, cmap[ord(c)]) for c in word]
    face = hb.Face(AMIRI_BOLD.read_bytes())
    buffer = hb.Buffer()
    buffer.add_str(word)
    buffer.guess_segment_properties()
    hb.shape(hb.Font(face), buffer, {})
    return [outline(font, order[info.codepoint]) for info in buffer.glyph_infos]


def contains(run: list[Signature], part: list[Signature]) -> bool:
    return any(run[i : i + len(part)] == part for i in range(len(run) - len(part) + 1))


def certificate_pdf() -> bytes:
    line = OpportunityLine(1, "إطعام الصائمين", "Iftar", "community", "مركز حي العوالي", "Al-Awali", date(2026, 3, 1), date(2026, 3, 1), 1, 180)
    return draw_document(DocumentContent(
        "certificate", "ar", NAME, "y2026", Snapshot(180, 1, date(2026, 3, 1), date(2026, 3, 1), (line,)), "C-2026-000001", 1,
        datetime(2026, 12, 2, 9, tzinfo=UTC), "https://t.me/volunteer_test_bot?start=v-x", {"ar": "جمعية", "en": "Association"},
    ))


def test_arabic_name_is_drawn_with_harfbuzz_shaping_in_visual_order() -> None:
    runs = drawn_glyphs(certificate_pdf())
    for word in NAME.split():
        shaped = harfbuzz_glyphs(word)
        # The check can tell: the joined forms differ from isolated letters, and the order matters.
        assert shaped != harfbuzz_glyphs(word, shaped=False)[::-1] and shaped != shaped[::-1]
        assert any(contains(run, shaped) for run in runs), word
        assert not any(contains(run, harfbuzz_glyphs(word, shaped=False)[::-1]) for run in runs)
        assert not any(contains(run, shaped[::-1]) for run in runs)
