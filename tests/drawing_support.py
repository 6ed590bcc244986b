"""What a picture really shows in Arabic: the glyphs matplotlib lays out for each text it draws,
checked against HarfBuzz's shaping of the logical (typed) text in the same font.

A picture of Arabic is right when its glyphs are the joined forms (initial, medial, final) in
right-to-left order that HarfBuzz gives for the text as typed. Text shaped twice (reshaped and
reordered, then shaped and reordered again by matplotlib) comes out as other glyphs, backwards.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import uharfbuzz as hb
from matplotlib import _text_helpers, font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

ARABIC_WORD = re.compile(r"[\u0600-\u06FF]+")


def capture_figures(monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """Every matplotlib figure saved from now on (the chart and card code draw into one)."""
    figures: list[Figure] = []
    original = Figure.savefig

    def savefig(self: Figure, *args: object, **kwargs: object) -> None:
        figures.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return figures


def font_path(artist: Text) -> str:
    return str(font_manager.findfont(artist.get_fontproperties()))


def drawn_glyphs(artist: Text) -> list[str]:
    """The glyph names matplotlib draws for this text, left to right, as its own layout does it."""
    font = FT2Font(font_path(artist))
    font.set_size(artist.get_fontsize(), 72)
    names = []
    for item in _text_helpers.layout(artist.get_text(), font):
        index = getattr(item, "glyph_index", None)
        if index is None:  # matplotlib < 3.11 names it glyph_idx
            index = item.glyph_idx
        names.append(font.get_glyph_name(index))
    return names


def shaped_glyphs(word: str, path: str) -> list[str]:
    """HarfBuzz's glyphs for one run of Arabic as typed, in display order (left to right)."""
    font = hb.Font(hb.Face(hb.Blob.from_file_path(path)))
    buffer = hb.Buffer()
    buffer.add_str(word)
    buffer.guess_segment_properties()
    hb.shape(font, buffer)
    return [font.get_glyph_name(info.codepoint) for info in buffer.glyph_infos]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    return any(haystack[i : i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


def texts_of(figure: Figure) -> list[Text]:
    return [artist for artist in figure.findobj(Text) if artist.get_visible() and artist.get_text()]


def drawn_correctly(artist: Text, logical: str) -> bool:
    """Each Arabic word of `logical` appears in what the artist draws as HarfBuzz shapes it."""
    drawn = drawn_glyphs(artist)
    return all(_contains(drawn, shaped_glyphs(word, font_path(artist))) for word in ARABIC_WORD.findall(logical))


def drawn_somewhere(figure: Figure, logical: str) -> bool:
    """Some text of the figure draws `logical` correctly shaped (and in the shipped Amiri font)."""
    return any(
        Path(font_path(artist)).name.startswith("Amiri") and ARABIC_WORD.search(artist.get_text()) and drawn_correctly(artist, logical)
        for artist in texts_of(figure)
    )
