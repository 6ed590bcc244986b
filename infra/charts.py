"""Chart images for coordinators: progress against the yearly targets, in their language.

Arabic labels go through `infra.drawing.drawable` (matplotlib 3.11 shapes them itself; older ones
get them joined and in display order), in the shipped Amiri font, and the bars grow from the
right in Arabic.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.figure import Figure

from infra.drawing import FONT_FAMILIES, drawable, font_family

__all__ = ["FONT_FAMILIES", "Bar", "progress_chart", "visual"]


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    percent: float
    pending_percent: float = 0.0  # drawn lighter after `percent` (hours waiting for review)


visual = drawable  # the name this module gave it first


def progress_chart(*, title: str, bars: list[Bar], rtl: bool, target_caption: str) -> bytes:
    """A PNG of horizontal bars, each a percentage of its yearly target (capped drawing at 100%)."""
    figure = Figure(figsize=(8, 1.2 + 0.9 * len(bars)), dpi=110)
    axes = figure.add_subplot()
    font = font_family()
    positions = list(range(len(bars)))[::-1]
    drawn = [min(bar.percent, 100.0) for bar in bars]
    pending = [min(bar.pending_percent, 100.0 - done) for bar, done in zip(bars, drawn, strict=True)]
    axes.barh(positions, [100.0] * len(bars), color="#e6e6e6", height=0.55)
    axes.barh(positions, drawn, color="#1b7f5f", height=0.55)
    if any(pending):
        axes.barh(positions, pending, left=drawn, color="#a8d5c2", height=0.55)
    axes.set_xlim(0, 100)
    axes.set_xticks(range(0, 101, 20), [str(n) for n in range(0, 101, 20)], fontfamily=font)
    axes.set_yticks(positions)
    axes.set_yticklabels([visual(bar.label, rtl) for bar in bars], fontfamily=font, fontsize=12)
    for position, bar in zip(positions, bars, strict=True):
        note = visual(f"{bar.value_text} ({bar.percent:g}%)", rtl)
        # On a light box: readable over the bar and over the empty track alike.
        axes.text(50, position, note, ha="center", va="center", fontfamily=font, fontsize=11,
                  bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
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
