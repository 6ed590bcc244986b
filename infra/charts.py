"""Chart images for coordinators: progress against the program's targets, in their language.

Matplotlib draws glyphs left to right and does not join Arabic letters, so Arabic labels are
shaped (arabic-reshaper) and put in visual order (python-bidi) before they are drawn, and the
bars grow from the right in Arabic.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on a server

import arabic_reshaper
from bidi.algorithm import get_display
from matplotlib import font_manager
from matplotlib.figure import Figure

# DejaVu Sans (bundled with matplotlib and in Debian's fonts-dejavu-core) has the Arabic glyphs.
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans Arabic", "Noto Naskh Arabic"]


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    percent: float
    pending_percent: float = 0.0  # drawn lighter after `percent` (hours waiting for review)


def visual(text: str, rtl: bool) -> str:
    """Text as matplotlib must receive it: Arabic joined and in display order."""
    if not rtl:
        return text
    return str(get_display(arabic_reshaper.reshape(text)))


def _font() -> str:
    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in FONT_FAMILIES if name in available), "sans-serif")


def progress_chart(*, title: str, bars: list[Bar], rtl: bool, target_caption: str) -> bytes:
    """A PNG of horizontal bars, each a percentage of its yearly target (capped drawing at 100%)."""
    figure = Figure(figsize=(8, 1.2 + 0.9 * len(bars)), dpi=110)
    axes = figure.add_subplot()
    font = _font()
    positions = list(range(len(bars)))[::-1]
    drawn = [min(bar.percent, 100.0) for bar in bars]
    pending = [min(bar.pending_percent, 100.0 - done) for bar, done in zip(bars, drawn, strict=True)]
    axes.barh(positions, [100.0] * len(bars), color="#e6e6e6", height=0.55)
    axes.barh(positions, drawn, color="#1b7f5f", height=0.55)
    if any(pending):
        axes.barh(positions, pending, left=drawn, color="#a8d5c2", height=0.55)
    axes.set_xlim(0, 100)
    axes.set_yticks(positions)
    axes.set_yticklabels([visual(bar.label, rtl) for bar in bars], fontfamily=font, fontsize=12)
    for position, bar in zip(positions, bars, strict=True):
        note = visual(f"{bar.value_text} ({bar.percent:g}%)", rtl)
        axes.text(50, position, note, ha="center", va="center", fontfamily=font, fontsize=11)
    axes.set_xlabel(visual(target_caption, rtl), fontfamily=font)
    axes.set_title(visual(title, rtl), fontfamily=font, fontsize=14)
    if rtl:
        # Right to left: 0% on the right, labels on the right-hand side.
        axes.invert_xaxis()
        axes.yaxis.tick_right()
    for side in ("top", "left", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
