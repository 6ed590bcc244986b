"""Text drawn into pictures (charts, cards): the shipped font, and Arabic as the drawing library needs it.

Matplotlib 3.11 lays text out with libraqm (HarfBuzz shaping, FriBiDi ordering): given Arabic in
its logical order it joins the letters and draws them right to left itself. Older versions draw
one glyph per character, left to right, so the text must be shaped (arabic-reshaper) and put in
display order (python-bidi) first. Doing that for a matplotlib that shapes reverses the text a
second time and breaks the joins, so the choice is made once, from what the installed matplotlib
can do.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on a server

from functools import cache

import arabic_reshaper
from bidi.algorithm import get_display
from matplotlib import font_manager
from matplotlib.text import Text

from infra.fonts import AMIRI_BOLD, AMIRI_REGULAR

# Text.set_language arrived with the libraqm layout (matplotlib 3.11): the language is handed to
# raqm, and only a layout that shapes needs one. A feature test, not a version number, so a
# backport or a build without raqm is judged by what it has.
MATPLOTLIB_SHAPES_TEXT = hasattr(Text, "set_language")

# Amiri ships with the bot (infra/fonts) and has Arabic and Latin letters: the pictures look the
# same on every server. The others are only a fallback for an installation that lost the file.
FONT_FAMILY = "Amiri"
FONT_FAMILIES = [FONT_FAMILY, "DejaVu Sans", "Noto Sans Arabic", "Noto Naskh Arabic"]


@cache
def register_fonts() -> str:
    """Make the shipped Amiri faces known to matplotlib (once per process); its family name."""
    for path in (AMIRI_REGULAR, AMIRI_BOLD):
        font_manager.fontManager.addfont(str(path))
    return FONT_FAMILY


def font_family() -> list[str]:
    """The families to draw with: Amiri first, the installed fallbacks after it (matplotlib takes a
    letter Amiri lacks, say a symbol in a volunteer's name, from the next one)."""
    register_fonts()
    available = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in FONT_FAMILIES if name in available] or ["sans-serif"]


def drawable(text: str, rtl: bool) -> str:
    """Text as matplotlib must receive it: logical order when it shapes itself, else Arabic
    joined (arabic-reshaper) and in display order (python-bidi)."""
    if MATPLOTLIB_SHAPES_TEXT or not rtl:
        return text
    return str(get_display(arabic_reshaper.reshape(text)))
