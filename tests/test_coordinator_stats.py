"""/stats: the program's figures against its targets, for a year and a center, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.stats import program_figures
from models.tables import Attendance
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center, make_opportunity

COORDINATOR = 6_400_000_001
START = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)


async def _year_of_work(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    other = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR_ID, role="admin", language="en")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="ar")
    men = [await make_person(harness, 7_200_000_000 + n, center=awali, gender="male") for n in range(3)]
    women = [await make_person(harness, 7_200_000_100 + n, center=other, gender="female") for n in range(2)]
    await make_opportunity(factory, center=awali, starts=[START, START + timedelta(days=1)])
    await make_opportunity(factory, center=other, starts=[START])
    await make_opportunity(factory, center=other, starts=[START.replace(year=2025)])
    async with factory() as session, session.begin():
        for person, minutes in [(men[0], 180), (men[1], 120), (women[0], 90)]:
            session.add(Attendance(volunteer_id=person.id, checked_in_at=START, checked_out_at=START, method="manual", credited_minutes=minutes))
        session.add(Attendance(volunteer_id=men[2].id, checked_in_at=START.replace(year=2025), method="manual", credited_minutes=600))
    return awali, other


async def test_program_figures_count_people_opportunities_and_hours_of_the_year(harness):
    awali, _ = await _year_of_work(harness)
    async with sessions(harness)() as session:
        everyone = await program_figures(session, year=2026, zone=ZoneInfo("Asia/Riyadh"))
        center = await program_figures(session, year=2026, zone=ZoneInfo("Asia/Riyadh"), center_id=awali.id)
    assert (everyone.registered_total, everyone.registered_men, everyone.registered_women) == (7, 5, 2)
    assert (everyone.active_total, everyone.active_men, everyone.active_women, everyone.minutes) == (3, 2, 1, 390)
    assert (everyone.opportunities, everyone.shifts) == (2, 3)
    assert everyone.economic_value(21.7) == 141.05
    assert (center.registered_total, center.active_total, center.minutes, center.opportunities, center.shifts) == (3, 2, 300, 1, 2)


async def test_admin_sees_the_figures_and_a_chart_in_english(harness):
    await _year_of_work(harness)
    admin = harness.person(COORDINATOR_ID)
    sent = await admin.send("/stats 2026")
    figures, chart = sent[-2], sent[-1]
    assert "<b>Program figures — 2026</b>\nAll centers" in figures.text
    assert "Registered volunteers: 7 (men 5 · women 2) — 0.01% of the target 100,000" in figures.text
    assert "Confirmed hours: 6.5 — 0% of the target 8,000,000" in figures.text
    assert "Economic value: 141.05 SAR (21.7 SAR per confirmed hour)" in figures.text
    assert harness.telegram.calls[-1][0] == "sendPhoto" and chart.text == "📈 Progress against the yearly targets"
    sent = await admin.press("Al-Shoqiyah Center")
    assert "Al-Shoqiyah Center" in figures.text and "Registered volunteers: 2 (men 0 · women 2)" in figures.text
    await admin.press("◀️ 2025")
    assert "Program figures — 2025" in figures.text


async def test_coordinator_sees_their_center_in_arabic_and_cannot_see_another(harness):
    _, other = await _year_of_work(harness)
    coordinator = harness.person(COORDINATOR)
    sent = await coordinator.send("/stats 2026")
    assert "📊 <b>أرقام البرنامج — 2026</b>\nمركز حي العوالي" in sent[-1].text
    # A center is not measured against the whole program's 100,000 (tests/test_center_targets.py).
    assert "👥 المتطوعون المسجلون: 3 (رجال 3 · نساء 0)\n" in sent[-1].text and "100,000" not in sent[-1].text
    assert "💰 القيمة الاقتصادية: 108.5 ريال (21.7 ريال للساعة المعتمدة)" in sent[-1].text
    assert "🎯 لم تُحدَّد لهذا المركز مستهدفات لعام 2026 بعد" in sent[-1].text
    await coordinator.press_data(f"st:v1:2026:{other.id}", sent[-1])
    assert harness.telegram.callback_answers[-1]["text"] == "عذرًا، أنت لا تدير هذا المركز، فلا يمكنك القيام بذلك."
    refused = (await coordinator.send("/stats 2026 shoqiyah"))[-1].text
    assert refused == "عذرًا، أنت لا تدير هذا المركز، فلا يمكنك القيام بذلك."
    unknown = (await harness.person(COORDINATOR_ID).send("/stats 2026 nowhere"))[-1].text
    assert unknown == "This item no longer exists. Please open the list again."
