"""/card: a volunteer's confirmed year as a picture to share, in Arabic and English."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image

from models.tables import Attendance
from tests.drawing_support import capture_figures, drawn_somewhere, texts_of
from tests.test_reminders_thanks import NAMES, sweep_and_send, volunteer, worked


@pytest.fixture
async def center(session_factory):  # type: ignore[no-untyped-def]
    from tests.factories import make_center

    return await make_center(session_factory)


async def _a_year(harness, session_factory, center, volunteer_id):  # type: ignore[no-untyped-def]
    await worked(harness, session_factory, center, volunteer_id, hours=3, ended_ago=timedelta(days=20))
    await worked(harness, session_factory, center, volunteer_id, hours=8, ended_ago=timedelta(days=10))
    # A forgotten check-out closed by the sweep: pending review, not on the card yet.
    start = harness.now - timedelta(days=2)
    async with session_factory() as session, session.begin():
        session.add(Attendance(volunteer_id=volunteer_id, checked_in_at=start, checked_out_at=start + timedelta(hours=2),
                               method="code", credited_minutes=120, flagged=True, flag_reason="auto_checkout"))
    harness.now = harness.now.replace(year=2025)
    await worked(harness, session_factory, center, volunteer_id, hours=5, ended_ago=timedelta(days=1))  # last year's
    harness.now = harness.now.replace(year=2026)


def _picture(message):  # type: ignore[no-untyped-def]
    assert message.method == "sendPhoto"
    return Image.open(BytesIO(message.file or b""))


async def test_an_arabic_volunteer_gets_a_card_of_the_year_drawn_joined_and_right_to_left(harness, session_factory, center, monkeypatch):
    sara, sara_id = await volunteer(harness, 611, "ar")
    await _a_year(harness, session_factory, center, sara_id)
    figures = capture_figures(monkeypatch)
    card = (await sara.send("/card"))[-1]
    assert card.text == (
        "🖼 عامك التطوعي 2026: ساعاتك المعتمدة 11 ساعة. شاركه وادعُ صديقًا ليكون من المليون!\n"
        "⏳ وبانتظار مراجعة المنسق أيضًا: ساعتان، وتُضاف إلى البطاقة بعد اعتمادها."
    )
    assert _picture(card).size == (1080, 1350)
    (drawing,) = figures
    for text in ["كن من المليون", "عامي التطوعي 2026", NAMES["ar"], "ساعة تطوع معتمدة", "ورديتان", "مركز"]:
        assert drawn_somewhere(drawing, text), text
    assert {"11", "2", "1"} <= {artist.get_text() for artist in texts_of(drawing)}


async def test_an_english_volunteer_gets_their_card_in_english(harness, session_factory, center, monkeypatch):
    omar, omar_id = await volunteer(harness, 612, "en")
    await _a_year(harness, session_factory, center, omar_id)
    figures = capture_figures(monkeypatch)
    card = (await omar.send("/card"))[-1]
    assert card.text.startswith("🖼 Your volunteering year 2026: 11 hours confirmed. Share it and invite a friend")
    assert _picture(card).size == (1080, 1350)
    drawn = [artist.get_text() for artist in texts_of(figures[0])]
    for text in ["Be of the Million", "My volunteering year 2026", "Sara", "11", "confirmed volunteer hours", "shifts", "center"]:
        assert text in drawn, text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "🌱 Your 2026 card is still blank: it fills up with your confirmed hours. Find a shift you like in "
               "/opportunities, and come back for your card after it."),
        ("ar", "🌱 بطاقتك لعام 2026 ما زالت فارغة، وتمتلئ بساعاتك المعتمدة. اختر وردية تناسبك من /opportunities، "
               "وعُد إلى بطاقتك بعدها."),
    ],
)
async def test_a_volunteer_with_nothing_this_year_is_encouraged_instead(harness, center, language, expected):
    newcomer, _ = await volunteer(harness, 613, language)
    sent = await newcomer.send("/card")
    assert [(m.method, m.text) for m in sent] == [("sendMessage", expected)]


@pytest.mark.parametrize(("language", "label"), [("en", "🖼 My year card"), ("ar", "🖼 بطاقة عامي")])
async def test_the_milestone_thanks_has_a_button_that_sends_the_card(harness, session_factory, center, language, label):
    sara, sara_id = await volunteer(harness, 614, language)
    await worked(harness, session_factory, center, sara_id, hours=11, ended_ago=timedelta(minutes=5))
    await sweep_and_send(harness)
    thanks = sara.last()
    assert thanks.text.startswith("🏅") and label in thanks.labels()
    sent = await sara.press(label, thanks)
    assert _picture(sent[-1]).size == (1080, 1350)
    assert harness.telegram.callback_answers[-1].get("text") is None  # answered once, silently


async def test_a_forged_card_button_is_refused(harness, center):
    sara, _ = await volunteer(harness, 615, "en")
    await sara.press_data("yc:v1:9")
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."


@pytest.mark.parametrize(("language", "label"), [("en", "🖼 My year card"), ("ar", "🖼 بطاقة عامي")])
def test_the_volunteer_day_thanks_offers_the_card_to_those_who_served(language, label):
    from zoneinfo import ZoneInfo

    from handlers.notices.thanks import render_volunteer_day
    from infra.i18n import Catalogs
    from models.milestones import YearFigures
    from models.notices.thanks import VolunteerDayFacts
    from models.tables import Volunteer

    t = Catalogs(ZoneInfo("Asia/Riyadh"), "ar").for_language(language)
    person = Volunteer(telegram_id=1, display_name=NAMES[language], language=language)
    served = render_volunteer_day(t, VolunteerDayFacts(person, YearFigures(minutes=300, shifts=2, centers=1)))
    assert served.keyboard is not None and [row[0].text for row in served.keyboard.inline_keyboard][-1] == label  # after the certificate
    assert render_volunteer_day(t, VolunteerDayFacts(person, YearFigures(minutes=0, shifts=0, centers=0))).keyboard is None
