"""The /stats chart draws Arabic joined and right to left, in the shipped Amiri font."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from PIL import Image

from infra.drawing import MATPLOTLIB_SHAPES_TEXT, drawable
from models.tables import Attendance
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import make_person, sessions
from tests.drawing_support import capture_figures, drawn_somewhere, font_path, texts_of
from tests.factories import make_center

START = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)


async def _program(harness, language):
    awali = await make_center(sessions(harness))
    await make_person(harness, COORDINATOR_ID, role="admin", language=language)
    person = await make_person(harness, 7_300_000_001, center=awali)
    async with sessions(harness)() as session, session.begin():
        session.add(Attendance(volunteer_id=person.id, checked_in_at=START, checked_out_at=START, method="manual", credited_minutes=180))


async def test_the_arabic_chart_shows_its_labels_joined_and_right_to_left(harness, monkeypatch):
    await _program(harness, "ar")
    figures = capture_figures(monkeypatch)
    sent = await harness.person(COORDINATOR_ID).send("/stats 2026")
    assert sent[-1].method == "sendPhoto" and sent[-1].text == "📈 التقدم نحو المستهدفات السنوية"
    (chart,) = figures
    for label in ["المتطوعون", "الفرص", "الساعات", "أرقام البرنامج 2026: جميع المراكز", "النسبة المحققة من المستهدف السنوي (٪)"]:
        assert drawn_somewhere(chart, label), label
    assert Image.open(BytesIO(sent[-1].file or b"")).format == "PNG"


async def test_the_english_chart_is_drawn_in_the_shipped_font_too(harness, monkeypatch):
    await _program(harness, "en")
    figures = capture_figures(monkeypatch)
    await harness.person(COORDINATOR_ID).send("/stats 2026")
    labels = {artist.get_text(): Path(font_path(artist)).name for artist in texts_of(figures[0])}
    assert labels["Volunteers"] == labels["Program figures 2026: All centers"] == "Amiri-Regular.ttf"


def test_text_is_shaped_once_whichever_matplotlib_draws_it():
    # matplotlib 3.11 shapes Arabic itself: it gets the text as typed; an older one gets it
    # joined and in display order (presentation forms, reversed).
    if MATPLOTLIB_SHAPES_TEXT:
        assert drawable("الساعات", rtl=True) == "الساعات"
    else:
        assert drawable("الساعات", rtl=True) == "ﺕﺎﻋﺎﺴﻟﺍ"
    assert drawable("Hours", rtl=False) == "Hours"
