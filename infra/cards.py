"""The shareable year card: a 1080×1350 picture (the 4:5 portrait social networks show whole).

Drawn with matplotlib, like the /stats charts, so every picture the bot makes goes through one
text path (`infra.drawing`): Arabic is shaped once, by libraqm inside matplotlib 3.11 (or joined
and reordered first for an older one), in the shipped Amiri font. The texts arrive translated;
this module only lays them out (right to left in Arabic: the first tile is on the right).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch

from infra.drawing import drawable, font_family

WIDTH, HEIGHT = 1080, 1350
DPI = 100
GREEN, DEEP, GOLD, INK, MUTED, WHITE = "#1b7f5f", "#0b3d2e", "#f2c14e", "#0b3d2e", "#5f7d73", "#ffffff"
FOOTER_WIDTH = 44  # characters per line of the thank-you at the bottom


@dataclass(frozen=True)
class CardTexts:
    program: str  # "كن من المليون" / "Be of the Million"
    heading: str  # "My volunteering year 2026"
    name: str
    hours_value: str  # the big number
    hours_label: str
    tiles: tuple[tuple[str, str], ...]  # (value, label): shifts, centers
    footer: str


def year_card_png(*, texts: CardTexts, rtl: bool) -> bytes:
    """The card as PNG bytes, exactly WIDTH × HEIGHT pixels."""
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor=DEEP)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, WIDTH)
    axes.set_ylim(0, HEIGHT)
    axes.set_axis_off()
    font = font_family()

    def write(x: float, y: float, text: str, size: float, color: str, *, bold: bool = False) -> None:
        axes.text(
            x, y, drawable(text, rtl), fontsize=size, color=color, fontfamily=font,
            fontweight="bold" if bold else "normal", ha="center", va="center",
        )

    # Soft circles behind everything: the program's green in two shades.
    for x, y, radius, color in [(960, 1290, 260, GREEN), (60, 60, 190, GREEN), (1000, 80, 90, "#14664d")]:
        axes.add_patch(Circle((x, y), radius, color=color, alpha=0.55, linewidth=0))
    write(WIDTH / 2, 1225, texts.program, 54, GOLD, bold=True)
    write(WIDTH / 2, 1135, texts.heading, 30, WHITE)

    axes.add_patch(FancyBboxPatch(
        (110, 560), 860, 480, boxstyle="round,pad=0,rounding_size=48", facecolor=WHITE, linewidth=0
    ))
    write(WIDTH / 2, 970, texts.name[:32], 34, INK, bold=True)
    axes.plot([WIDTH / 2 - 70, WIDTH / 2 + 70], [912, 912], color=GOLD, linewidth=5, solid_capstyle="round")
    write(WIDTH / 2, 775, texts.hours_value, 110, GREEN, bold=True)
    write(WIDTH / 2, 630, texts.hours_label, 30, MUTED)

    tiles = list(texts.tiles)[::-1] if rtl else list(texts.tiles)
    tile_width, gap = 410, 40
    for index, (value, label) in enumerate(tiles):
        left = 110 + index * (tile_width + gap)
        axes.add_patch(FancyBboxPatch(
            (left, 300), tile_width, 210, boxstyle="round,pad=0,rounding_size=36",
            facecolor=WHITE, alpha=0.12, linewidth=0,
        ))
        write(left + tile_width / 2, 435, value, 60, GOLD, bold=True)
        write(left + tile_width / 2, 350, label, 24, WHITE)

    for row, line in enumerate(textwrap.wrap(texts.footer, FOOTER_WIDTH)[:3]):
        write(WIDTH / 2, 200 - row * 50, line, 24, WHITE)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor=DEEP)
    return buffer.getvalue()
