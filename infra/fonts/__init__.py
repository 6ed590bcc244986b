"""The fonts shipped with the bot, so that `pip install` is the whole set-up for drawing Arabic.

Amiri (SIL Open Font License 1.1, see OFL.txt): a Naskh face with Latin letters too, for both the
Arabic and the English documents and pictures.
"""

from __future__ import annotations

from pathlib import Path

FONTS = Path(__file__).parent
AMIRI_REGULAR = FONTS / "Amiri-Regular.ttf"
AMIRI_BOLD = FONTS / "Amiri-Bold.ttf"
