"""A center's /stats is measured against the center's own yearly targets, which admins set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models.tables import Attendance, CenterTarget
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center, make_opportunity

COORDINATOR = 6_500_000_001
VOLUNTEER = 6_500_000_002
START = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)


async def _center_at_work(harness, *, admin_language="en", coordinator_language="ar"):  # type: ignore[no-untyped-def]
    factory = sessions(harness)
    awali = await make_center(factory)
    await make_person(harness, COORDINATOR_ID, role="admin", language=admin_language)
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language=coordinator_language)
    people = [await make_person(harness, 7_400_000_000 + n, center=awali) for n in range(4)]
    await make_person(harness, VOLUNTEER, center=awali, language="en")
    await make_opportunity(factory, center=awali, starts=[START])
    async with factory() as session, session.begin():
        for person in people[:2]:
            session.add(Attendance(volunteer_id=person.id, checked_in_at=START, checked_out_at=START, method="manual", credited_minutes=300))
    return awali


async def _targets(harness):  # type: ignore[no-untyped-def]
    async with sessions(harness)() as session:
        return [(t.year, t.volunteers, t.hours, t.opportunities, t.set_by_telegram_id) for t in (await session.execute(select(CenterTarget))).scalars()]


async def test_an_admin_sets_a_centers_targets_and_its_coordinator_sees_the_center_against_them_in_arabic(harness):
    awali = await _center_at_work(harness)
    admin = harness.person(COORDINATOR_ID)
    done = (await admin.send("/settarget awali 2026 volunteers=10 hours=40 opportunities=4"))[-1].text
    assert done == ("🎯 Done: the targets of Al-Awali Center for 2026 are now volunteers 10 · hours 40 · opportunities 4. "
                    "Its /stats compares with them.")
    assert await _targets(harness) == [(2026, 10, 40, 4, COORDINATOR_ID)]
    line = (await audit(harness, allowed=True))[-1]
    assert (line.action, line.target, line.actor_telegram_id) == ("stats.set_target", f"center:{awali.id}:2026", COORDINATOR_ID)

    sent = await harness.person(COORDINATOR).send("/stats 2026")
    figures, chart = sent[-2].text, sent[-1]
    assert "👥 المتطوعون المسجلون: 5 (رجال 5 · نساء 0) — 50٪ من المستهدف 10" in figures
    assert "📌 الفرص المطروحة: 1 — 25٪ من المستهدف 4" in figures
    assert "⏱ الساعات المعتمدة: 10 — 25٪ من المستهدف 40" in figures
    assert "🎯 المقارنة بمستهدفات هذا المركز نفسه لعام 2026." in figures
    assert chart.method == "sendPhoto" and chart.text == "📈 التقدم نحو المستهدفات السنوية"


async def test_changing_one_target_keeps_the_others_and_other_years_are_apart(harness):
    await _center_at_work(harness)
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/settarget awali 2026 volunteers=8 hours=40 opportunities=4")
    await admin.send("/settarget awali 2026 hours=100")
    await admin.send("/settarget awali 2027 volunteers=20")
    assert sorted(await _targets(harness)) == [(2026, 8, 100, 4, COORDINATOR_ID), (2027, 20, 0, 0, COORDINATOR_ID)]
    figures = (await admin.send("/stats 2027 awali"))[-2].text
    assert "Registered volunteers: 5 (men 5 · women 0) — 25% of the target 20" in figures
    assert "Confirmed hours: 0\n" in figures and "Opportunities offered: 0\n" in figures  # no target: no percentage


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "🎯 This center has no targets for 2026 yet, so its figures are shown without percentages. An admin sets "
               "them with: /settarget awali 2026 volunteers=… hours=… opportunities=…"),
        ("ar", "🎯 لم تُحدَّد لهذا المركز مستهدفات لعام 2026 بعد، لذا تظهر أرقامه دون نسب. يحددها المشرف بالأمر: "
               "/settarget awali 2026 volunteers=… hours=… opportunities=…"),
    ],
)
async def test_a_center_without_targets_says_so_and_how_an_admin_sets_them(harness, language, expected):
    await _center_at_work(harness, coordinator_language=language)
    sent = await harness.person(COORDINATOR).send("/stats 2026")
    assert sent[-1].method == "sendMessage" and expected in sent[-1].text  # no chart against nothing
    assert "100,000" not in sent[-1].text


async def test_the_whole_program_keeps_the_programs_targets(harness):
    await _center_at_work(harness)
    await harness.person(COORDINATOR_ID).send("/settarget awali 2026 volunteers=8")
    figures = (await harness.person(COORDINATOR_ID).send("/stats 2026"))[-2].text
    assert "Registered volunteers: 7 (men 7 · women 0) — 0.01% of the target 100,000" in figures
    assert "🎯" not in figures


@pytest.mark.parametrize(
    ("who", "language", "refusal"),
    [
        (COORDINATOR, "ar", "عذرًا، هذا الإجراء لمشرفي البرنامج فقط."),
        (COORDINATOR, "en", "Sorry, only the program's admins can do that."),
        (VOLUNTEER, "en", "Sorry, this is only for the program's coordinators."),
    ],
)
async def test_only_admins_set_targets(harness, who, language, refusal):
    await _center_at_work(harness, coordinator_language=language)
    sent = await harness.person(who).send("/settarget awali 2026 volunteers=1")
    assert sent[-1].text == refusal
    assert await _targets(harness) == []
    assert (await audit(harness, allowed=False))[-1].action == "stats.set_target"


@pytest.mark.parametrize(
    ("command", "language", "start"),
    [
        ("/settarget awali 2026", "en", "Usage: /settarget &lt;center code&gt; &lt;year&gt; volunteers=&lt;n&gt;"),
        ("/settarget awali 2026 hours=lots", "en", "Usage: /settarget"),
        ("/settarget awali 1900 hours=5", "en", "Usage: /settarget"),
        ("/settarget awali 2026 hours=5 hours=6", "ar", "الاستخدام: /settarget &lt;رمز المركز&gt;"),
        ("/settarget nowhere 2026 hours=5", "en", "Unknown center code. The known codes are: awali"),
        ("/settarget nowhere 2026 hours=5", "ar", "رمز المركز غير معروف."),
    ],
)
async def test_a_malformed_target_command_is_explained(harness, command, language, start):
    await _center_at_work(harness, admin_language=language)
    sent = await harness.person(COORDINATOR_ID).send(command)
    assert sent[-1].text.startswith(start)
    assert await _targets(harness) == []
