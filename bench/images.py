"""Draw the pictures the bot sends, from sample figures, to look at them (and time the drawing).

    PYTHONPATH=. .venv/bin/python -m bench.images /tmp/i11art

writes chart-ar.png, chart-en.png (/stats of a center against its targets), card-ar.png and
card-en.png (/card), and prints p50/p95/max ms of drawing each.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.sizes import report
from handlers.coordinator.stats import chart_bars
from handlers.year_card import card_texts
from infra.cards import year_card_png
from infra.charts import progress_chart
from infra.i18n import Catalogs
from models.center_targets import Targets
from models.stats import Figures
from models.tables import Volunteer
from models.year_card import YearCard

RUNS = 10
NAMES = {"ar": "سارة الحربي", "en": "Omar Saleh"}
CENTERS = {"ar": "مركز حي العوالي", "en": "Al-Awali Center"}


def _timed(draw: Callable[[], bytes]) -> tuple[bytes, list[float]]:
    samples, picture = [], b""
    for _ in range(RUNS):
        started = time.perf_counter()
        picture = draw()
        samples.append((time.perf_counter() - started) * 1000)
    return picture, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    catalogs = Catalogs(ZoneInfo("Asia/Riyadh"), "ar")
    figures = Figures(year=2026, center_id=1, registered_total=412, registered_men=230, registered_women=182,
                      opportunities=31, shifts=96, minutes=9_300 * 60, pending_minutes=420 * 60)
    targets = Targets(volunteers=600, hours=20_000, opportunities=40)
    card = YearCard(year=2026, confirmed_minutes=42 * 60 + 30, pending_minutes=120, shifts=12, centers=3)
    for language in ("ar", "en"):
        t = catalogs.for_language(language)
        scope = CENTERS[language]
        chart, samples = _timed(partial(
            progress_chart,
            title=t.gettext("Program figures {year}: {scope}").format(year=2026, scope=scope),
            bars=chart_bars(t, figures, targets), rtl=t.rtl, target_caption=t.gettext("Share of the yearly target (%)"),
        ))
        (folder / f"chart-{language}.png").write_bytes(chart)
        report(f"draw /stats chart ({language})", samples)
        volunteer = Volunteer(telegram_id=1, display_name=NAMES[language], language=language)
        picture, samples = _timed(partial(year_card_png, texts=card_texts(t, card, volunteer), rtl=t.rtl))
        (folder / f"card-{language}.png").write_bytes(picture)
        report(f"draw /card ({language})", samples)
    print(f"written to {folder}: chart-ar.png chart-en.png card-ar.png card-en.png")


if __name__ == "__main__":
    main()
