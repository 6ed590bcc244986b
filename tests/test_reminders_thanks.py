"""Thank-you messages: the first shift, hour milestones and International Volunteer Day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.scheduling import run_sweeps
from bot.sender import drain_once
from models.tables import Attendance, OutboxMessage, Volunteer
from tests.factories import make_center, make_opportunity
from tests.journey import register

NAMES = {"en": "Sara", "ar": "سارة"}


def services(harness):  # type: ignore[no-untyped-def]
    return harness.app.bot_data.services


async def sweep_and_send(harness) -> None:  # type: ignore[no-untyped-def]
    await run_sweeps(services(harness))
    for _ in range(3):
        harness.advance(seconds=1)
        await drain_once(harness.app)


async def rows(harness, kind: str) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with services(harness).sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list((await session.execute(query)).scalars())


async def volunteer(harness, user_id: int, language: str) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    person = harness.person(user_id)
    await register(person, language, name=NAMES[language])
    async with services(harness).sessions() as session:
        row = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == user_id))).scalar_one()
    return person, row.id


async def worked(harness, session_factory, center, volunteer_id: int, *, hours: float, ended_ago: timedelta) -> None:  # type: ignore[no-untyped-def]
    """A completed shift of `hours`, which ended `ended_ago` before now."""
    start = harness.now - ended_ago - timedelta(hours=hours)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[start], hours=hours)
    async with session_factory() as session, session.begin():
        session.add(
            Attendance(
                shift_id=shift.id, volunteer_id=volunteer_id, checked_in_at=start, checked_out_at=shift.ends_at,
                method="code", credited_minutes=int(hours * 60),
            )
        )


@pytest.fixture
async def center(session_factory):  # type: ignore[no-untyped-def]
    return await make_center(session_factory)


@pytest.mark.parametrize(
    ("language", "first", "milestone"),
    [
        ("en",
         "🌟 Sara, thank you for your first shift with us! You gave 3 hours to <b>Serving the pilgrims</b>, and it made a "
         "real difference. We are so glad to have you with us.",
         "🏅 Sara, you have just passed 10 hours of volunteering! Every one of those hours helped someone in our city. "
         "Thank you from all of us: it is an honour to serve beside you."),
        ("ar",
         "🌟 سارة، شكرًا لك على ورديتك الأولى معنا! لقد قدّمت 3 ساعات من وقتك في <b>خدمة ضيوف الرحمن</b>، وكان لعطائك أثر "
         "حقيقي. سعداء جدًا بوجودك بيننا.",
         "🏅 سارة، لقد تجاوزت للتو 10 ساعات من العمل التطوعي! كل ساعة منها كانت عونًا لأحدٍ في مدينتنا. شكرًا لك من قلوبنا "
         "جميعًا، ويشرّفنا أن نخدم معك جنبًا إلى جنب."),
    ],
)
async def test_first_shift_and_each_milestone_are_thanked_once_ever(harness, session_factory, center, language, first, milestone):
    sara, volunteer_id = await volunteer(harness, 601, language)
    await worked(harness, session_factory, center, volunteer_id, hours=3, ended_ago=timedelta(hours=1))
    await sweep_and_send(harness)
    assert sara.last().text == first
    await sweep_and_send(harness)
    assert len(await rows(harness, "first_shift")) == 1

    await worked(harness, session_factory, center, volunteer_id, hours=8, ended_ago=timedelta(minutes=5))
    await sweep_and_send(harness)
    await sweep_and_send(harness)
    assert sara.last().text == milestone
    assert [m.text for m in sara.messages()].count(milestone) == 1
    assert [(r.key, r.status) for r in await rows(harness, "milestone")] == [(f"milestone:{volunteer_id}:10h", "sent")]


async def test_crossing_several_milestones_at_once_thanks_the_highest(harness, session_factory, center):
    sara, volunteer_id = await volunteer(harness, 602, "en")
    await worked(harness, session_factory, center, volunteer_id, hours=26, ended_ago=timedelta(hours=1))
    await sweep_and_send(harness)
    assert sara.last().text.startswith("🏅 Sara, you have just passed 25 hours of volunteering!")
    assert sorted((r.key.rsplit(":", 1)[1], r.status) for r in await rows(harness, "milestone")) == [
        ("10h", "dropped"), ("25h", "sent")
    ]


async def test_a_muted_volunteer_is_thanked_too(harness, session_factory, center):
    sara, volunteer_id = await volunteer(harness, 603, "en")
    async with session_factory() as session, session.begin():
        (await session.get(Volunteer, volunteer_id)).reminders_muted = True  # type: ignore[union-attr]
    await worked(harness, session_factory, center, volunteer_id, hours=2, ended_ago=timedelta(hours=1))
    await sweep_and_send(harness)
    assert sara.last().text.startswith("🌟 Sara, thank you for your first shift with us!")


VOLUNTEER_DAY = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)  # 9:00 in Makkah


@pytest.mark.parametrize(
    ("language", "with_figures", "without"),
    [
        ("en",
         "💚 Happy International Volunteer Day, Sara!\n\nThis year you gave 5 hours in 2 shifts with 1 center. "
         "Thank you for every one of them: our city is kinder because of you.",
         "💚 Happy International Volunteer Day, Sara!\n\nThank you for being part of our volunteer family this year. "
         "We look forward to seeing you on a shift soon: /opportunities"),
        ("ar",
         "💚 سارة، كل عام وأنت بخير في اليوم العالمي للتطوع!\n\nفي هذا العام قدّمت 5 ساعات من العطاء في ورديتين مع مركز واحد. "
         "شكرًا لك على كل لحظة منها، فمدينتنا أجمل بعطائك.",
         "💚 سارة، كل عام وأنت بخير في اليوم العالمي للتطوع!\n\nشكرًا لكونك جزءًا من أسرة المتطوعين هذا العام، "
         "ونتطلّع إلى لقائك في وردية قريبًا: /opportunities"),
    ],
)
async def test_volunteer_day_thanks_each_active_volunteer_with_their_figures_once(harness, session_factory, center, language, with_figures, without):
    sara, sara_id = await volunteer(harness, 604, language)
    newcomer, _ = await volunteer(harness, 605, language)
    await worked(harness, session_factory, center, sara_id, hours=3, ended_ago=timedelta(days=20))
    await worked(harness, session_factory, center, sara_id, hours=2, ended_ago=timedelta(days=10))
    last_year = harness.now.replace(year=2025)
    harness.now = last_year
    await worked(harness, session_factory, center, sara_id, hours=4, ended_ago=timedelta(days=1))  # not this year's

    harness.now = VOLUNTEER_DAY - timedelta(minutes=1)  # 8:59 in Makkah: not yet
    await sweep_and_send(harness)
    assert await rows(harness, "volunteer_day") == []

    harness.now = VOLUNTEER_DAY
    await sweep_and_send(harness)
    await sweep_and_send(harness)
    assert sara.last().text == with_figures
    assert newcomer.last().text == without.replace(NAMES[language], NAMES[language])
    assert len(await rows(harness, "volunteer_day")) == 2

    harness.now = VOLUNTEER_DAY + timedelta(days=1)
    await sweep_and_send(harness)
    assert len(await rows(harness, "volunteer_day")) == 2
