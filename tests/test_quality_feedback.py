"""Quality feedback (issue 12): a volunteer rates a shift they attended, once, and may comment;
coordinators read the averages in /stats and the comments of their centers in /comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.scheduling import run_sweeps
from bot.sender import drain_once
from models.ratings import ask_at
from models.tables import Attendance, Opportunity, OutboxMessage, Shift, ShiftRating, Signup
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center, make_opportunity, scan
from tests.journey import check_out, register

RIYADH = ZoneInfo("Asia/Riyadh")
RIYADH_NIGHT_END = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 08:00 in Makkah
COORDINATOR = 6_500_000_001
OTHER_COORDINATOR = 6_500_000_002


async def sweep_and_send(harness) -> None:  # type: ignore[no-untyped-def]
    await run_sweeps(harness.app.bot_data.services)
    for _ in range(2):
        harness.advance(seconds=1)
        await drain_once(harness.app)


async def attended(harness, center, volunteer_id: int, *, start: datetime, hours: float = 3, closed_by: int | None = 1, **opportunity):  # type: ignore[no-untyped-def]
    """A seat and an attendance on a shift of `hours` that started at `start`, closed at its end
    by a person (`closed_by`; None: by the bot's sweep, as a forgotten check-out)."""
    factory = sessions(harness)
    opp, [shift] = await make_opportunity(factory, center=center, starts=[start], hours=hours, **opportunity)
    async with factory() as session, session.begin():
        signup = Signup(shift_id=shift.id, volunteer_id=volunteer_id, status="confirmed")
        session.add(signup)
        await session.flush()
        record = Attendance(signup_id=signup.id, shift_id=shift.id, volunteer_id=volunteer_id, checked_in_at=start,
                            checked_out_at=shift.ends_at, checked_out_by=closed_by, method="code", credited_minutes=int(hours * 60))
        session.add(record)
    return opp, shift, record


async def ratings(harness) -> list[ShiftRating]:  # type: ignore[no-untyped-def]
    async with sessions(harness)() as session:
        return list((await session.execute(select(ShiftRating).order_by(ShiftRating.id))).scalars())


@pytest.fixture
async def center(session_factory):  # type: ignore[no-untyped-def]
    return await make_center(session_factory)


QUESTION = {
    "en": ("⭐ How was <b>Serving the pilgrims</b>", "Please rate it from 1 (poor) to 5 (excellent)."),
    "ar": ("⭐ كيف كانت <b>خدمة ضيوف الرحمن</b>", "يُرجى تقييمها من 1 (ضعيفة) إلى 5 (ممتازة)."),
}
RATED = {
    "en": "⭐⭐⭐⭐ Thank you! You rated <b>Serving the pilgrims</b> 4 out of 5.",
    "ar": "⭐⭐⭐⭐ شكرًا لك! قيّمت <b>خدمة ضيوف الرحمن</b> بـ 4 من 5.",
}
SAVED = {"en": "🙏 Thank you! Your comment will reach the center's coordinators.", "ar": "🙏 شكرًا لك! ستصل ملاحظتك إلى منسقي المركز."}
AGAIN = {"en": "You have already rated this shift. Thank you!", "ar": "لقد قيّمت هذه الوردية من قبل. شكرًا لك!"}


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_volunteer_is_asked_once_rates_and_comments(harness, center, language):
    volunteer = await make_person(harness, 8_100_000_001, center=center, language=language)
    sara = harness.person(volunteer.telegram_id)
    # Ended at 08:00 in Makkah (05:00 UTC): asked once the undo window has passed.
    _, _, record = await attended(harness, center, volunteer.id, start=harness.now - timedelta(hours=4))
    await sweep_and_send(harness)
    question = sara.last()
    assert question.text.startswith(QUESTION[language][0]) and QUESTION[language][1] in question.text
    assert [b["callback_data"] for b in question.inline_buttons()] == [f"rate:v1:{record.id}:{n}" for n in range(1, 6)]
    await sweep_and_send(harness)
    await sweep_and_send(harness)
    assert [m.text for m in sara.messages()].count(question.text) == 1  # asked once only

    [rated] = await sara.press_data(f"rate:v1:{record.id}:4", question)
    assert rated.text.startswith(RATED[language]) and rated.labels() == ["Skip" if language == "en" else "تخطي"]
    [thanks] = await sara.send("الفريق رائع والتنظيم ممتاز" if language == "ar" else "Great team, well organised")
    assert thanks.text == SAVED[language]
    [rating] = await ratings(harness)
    assert (rating.attendance_id, rating.score, rating.center_id) == (record.id, 4, center.id)
    assert rating.comment in ("الفريق رائع والتنظيم ممتاز", "Great team, well organised")

    # A second rating of the same attendance, from the old message: refused, nothing changes.
    await sara.press_data(f"rate:v1:{record.id}:1", question)
    assert harness.telegram.callback_answers[-1]["text"] == AGAIN[language]
    assert [(r.score, r.comment is not None) for r in await ratings(harness)] == [(4, True)]
    # The question is not asked again either: the record is rated.
    async with sessions(harness)() as session:
        assert (await session.execute(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "rating_request"))).scalar_one() == 1


async def test_a_forged_rating_is_refused(harness, center):
    sara_row = await make_person(harness, 8_100_000_002, center=center, language="en")
    omar_row = await make_person(harness, 8_100_000_003, center=center, language="en")
    _, _, omars = await attended(harness, center, omar_row.id, start=harness.now - timedelta(hours=4))
    sara = harness.person(sara_row.telegram_id)
    await sara.send("/help")
    await sara.press_data(f"rate:v1:{omars.id}:1")  # someone else's record
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."
    await sara.press_data(f"rate:v1:{omars.id}:9")  # no such score
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."
    await sara.press_data("rate:v1:999999:3")  # no such record
    assert await ratings(harness) == []
    # An open (not checked out) record cannot be rated either.
    factory = sessions(harness)
    _, [shift] = await make_opportunity(factory, center=center, starts=[harness.now - timedelta(hours=1)])
    async with factory() as session, session.begin():
        open_record = Attendance(shift_id=shift.id, volunteer_id=sara_row.id, checked_in_at=harness.now, method="code")
        session.add(open_record)
    await sara.press_data(f"rate:v1:{open_record.id}:5")
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."
    assert await ratings(harness) == []


async def test_a_long_comment_is_refused_and_skip_keeps_the_rating(harness, center):
    row = await make_person(harness, 8_100_000_004, center=center, language="ar")
    sara = harness.person(row.telegram_id)
    _, _, record = await attended(harness, center, row.id, start=harness.now - timedelta(hours=4))
    await sweep_and_send(harness)
    await sara.press_data(f"rate:v1:{record.id}:2", sara.last())
    [too_long] = await sara.send("ح" * 501)
    assert too_long.text == "الملاحظة أطول قليلًا مما ينبغي: يُرجى ألا تتجاوز 500 حرف، أو اضغط تخطي."
    [skipped] = await sara.press("تخطي")
    assert skipped.text == "⭐⭐ شكرًا لك! حُفظ تقييمك."
    [rating] = await ratings(harness)
    assert (rating.score, rating.comment) == (2, None)
    # The comment step is closed: text is no longer taken as a comment.
    await sara.send("تعليق متأخر")
    assert (await ratings(harness))[0].comment is None


async def test_a_forgotten_check_out_the_bot_closed_is_not_asked_about(harness, center):
    row = await make_person(harness, 8_100_000_006, center=center, language="en")
    await attended(harness, center, row.id, start=harness.now - timedelta(hours=4), closed_by=None)
    await sweep_and_send(harness)
    texts = [m.text for m in harness.person(row.telegram_id).messages()]
    assert texts and texts[0].startswith("🌟") and not any(text.startswith("⭐ How was") for text in texts)  # thanked, not asked


def test_the_question_waits_for_the_morning():
    # Checked out at 23:00 in Makkah (20:00 UTC): asked at 08:00 the next morning.
    assert ask_at(datetime(2026, 12, 1, 20, 0, tzinfo=UTC), zone=RIYADH) == RIYADH_NIGHT_END
    # At 01:30 (22:30 UTC the day before): 08:00 the same morning.
    assert ask_at(datetime(2026, 12, 1, 22, 30, tzinfo=UTC), zone=RIYADH) == RIYADH_NIGHT_END
    # At 15:00: ten minutes later, once a check-out can no longer be undone.
    assert ask_at(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), zone=RIYADH) == datetime(2026, 12, 1, 12, 10, tzinfo=UTC)


async def test_an_overnight_shift_credits_across_midnight_and_is_rated_in_the_morning(harness, center):
    """A 22:00-02:00 shift: checked in at 23:00, out at 01:30 (2.5 h); asked at 08:00."""
    await register(harness.person(8_100_000_005), "en", name="Sara")
    sara = harness.person(8_100_000_005)
    coordinator_row = await make_person(harness, COORDINATOR, role="coordinator", centers=[center], language="en")
    assert coordinator_row.id
    harness.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 18:00 in Makkah
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/newopp")
    for text in ("سقيا ليلية", "Night water round", "-", "-"):
        await coordinator.send(text)
    await coordinator.press("Al-Awali Center")
    await coordinator.press("Serving pilgrims")
    await coordinator.press("Everyone")
    await coordinator.share_location(21.4225, 39.8262)
    sent = await coordinator.send("2026-12-01 22:00-02:00 10")
    assert sent[-1].text.startswith("1 shift added so far.")
    await coordinator.press("✅ Preview")
    preview = coordinator.last().text
    assert "Tuesday 1 December 2026, 10:00 pm – Wednesday 2 December 2026 2:00 am" in preview
    await coordinator.press("🚀 Publish")
    async with sessions(harness)() as session:
        shift = (await session.execute(select(Shift))).scalar_one()
    assert (shift.starts_at, shift.ends_at) == (datetime(2026, 12, 1, 19, 0, tzinfo=UTC), datetime(2026, 12, 1, 23, 0, tzinfo=UTC))

    await sara.press_data(f"su:v1:{shift.id}", sara.last())
    harness.now = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # 23:00 in Makkah
    sent = await sara.send(scan(shift, harness.now))
    assert "checked in" in sent[-1].text.lower()
    harness.now = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # 01:30 the next day in Makkah
    await check_out(sara)
    async with sessions(harness)() as session:
        record = (await session.execute(select(Attendance))).scalar_one()
    assert record.credited_minutes == 150  # 2.5 hours, across midnight

    harness.advance(minutes=20)
    await sweep_and_send(harness)
    assert not any(m.text.startswith("⭐ How was") for m in sara.messages())  # not at night
    harness.now = RIYADH_NIGHT_END
    await sweep_and_send(harness)
    assert sara.last().text.startswith("⭐ How was <b>Night water round</b>")


async def test_coordinators_read_ratings_in_stats_and_comments_of_their_centers(harness, center, session_factory):
    other = await make_center(session_factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR_ID, role="admin", language="en")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[center], language="ar")
    await make_person(harness, OTHER_COORDINATOR, role="coordinator", centers=[other], language="en")
    people = [await make_person(harness, 8_200_000_000 + n, center=center, language="en") for n in range(3)]
    start = harness.now - timedelta(days=3)
    opp, _, first = await attended(harness, center, people[0].id, start=start)
    for n, person in enumerate(people):
        _, _, record = (opp, None, first) if n == 0 else await attended(harness, center, person.id, start=start + timedelta(hours=n))
        volunteer = harness.person(person.telegram_id)
        await volunteer.send("/help")
        await volunteer.press_data(f"rate:v1:{record.id}:{5 - n}")
        await volunteer.send(f"Comment number {n + 1}")
    _, _, elsewhere = await attended(harness, other, people[0].id, start=start, title_en="Clean-up day", title_ar="يوم النظافة")
    await harness.person(people[0].telegram_id).press_data(f"rate:v1:{elsewhere.id}:1")
    await harness.person(people[0].telegram_id).send("Secret of the other center")

    admin = harness.person(COORDINATOR_ID)
    figures = (await admin.send("/stats 2026"))[0].text
    assert "⭐ Volunteers' ratings: 3.2 out of 5 (4 ratings)" in figures
    assert "• Al-Awali Center: 4 ⭐ (3 ratings)" in figures and "• Al-Shoqiyah Center: 1 ⭐ (1 rating)" in figures
    assert "• Serving the pilgrims: 5 ⭐ (1 rating)" in figures

    coordinator = harness.person(COORDINATOR)
    figures = (await coordinator.send("/stats 2026"))[0].text
    assert "⭐ تقييمات المتطوعين: 4 من 5 (3 تقييمات)" in figures
    [page] = await coordinator.send("/comments")
    assert page.text.startswith("💬 <b>ملاحظات المتطوعين</b>، الأحدث أولًا")
    assert page.text.index("Comment number 3") < page.text.index("Comment number 1")  # newest first
    assert "Secret of the other center" not in page.text
    [one] = await coordinator.send(f"/comments {opp.ref}")
    assert "Comment number 1" in one.text and "Comment number 2" not in one.text

    # A coordinator of another center, and a volunteer, are refused.
    stranger = harness.person(OTHER_COORDINATOR)
    [refused] = await stranger.send(f"/comments {opp.ref}")
    assert refused.text == "Sorry, you do not manage this center, so you cannot do that."
    [own] = await stranger.send("/comments")
    assert "Secret of the other center" in own.text and "Comment number" not in own.text
    [refused] = await harness.person(people[1].telegram_id).send("/comments")
    assert refused.text == "Sorry, this is only for the program's coordinators."
    [everything] = await admin.send("/comments")
    assert "Secret of the other center" in everything.text and "Comment number 2" in everything.text
    [unknown] = await admin.send("/comments NOPE-1")
    assert unknown.text == "No opportunity has the reference NOPE-1."


async def test_comments_are_paged(harness, center):
    await make_person(harness, COORDINATOR_ID, role="admin", language="en")
    factory = sessions(harness)
    opp, [shift] = await make_opportunity(factory, center=center, starts=[harness.now - timedelta(days=2)])
    person = await make_person(harness, 8_300_000_001, center=center)
    async with factory() as session, session.begin():
        for n in range(12):
            record = Attendance(shift_id=shift.id, volunteer_id=person.id, checked_in_at=shift.starts_at, checked_out_at=shift.ends_at,
                                method="code", credited_minutes=60)
            session.add(record)
            await session.flush()
            session.add(ShiftRating(attendance_id=record.id, volunteer_id=person.id, opportunity_id=opp.id, center_id=center.id,
                                    score=4, comment=f"note {n:02d}", rated_at=harness.now - timedelta(hours=12 - n)))
    admin = harness.person(COORDINATOR_ID)
    [first] = await admin.send("/comments")
    assert "Page 1" in first.text and "note 11" in first.text and "note 01" not in first.text
    [second] = await admin.press("Next »", first)
    assert "Page 2" in second.text and "note 01" in second.text and "note 00" in second.text
    await admin.press_data("cmts:v1:0:999999", second)  # beyond any page
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."



async def test_the_demo_has_rated_shifts_and_a_weekly_series_and_can_be_seeded_twice(harness):
    from models.demo_data import seed_demo_data

    for _ in range(2):
        async with sessions(harness)() as session, session.begin():
            await seed_demo_data(session, now=harness.now, zone=RIYADH)
    async with sessions(harness)() as session:
        rows = await ratings(harness)
        weekly = (await session.execute(
            select(Shift).join(Opportunity, Opportunity.id == Shift.opportunity_id).where(Opportunity.ref == "DEMO-Q-WEEKLY")
        )).scalars().all()
    assert len(rows) == 15 and sum(r.comment is not None for r in rows) == 6
    assert len(weekly) == 4 and {s.starts_at.astimezone(RIYADH).strftime("%a %H:%M") for s in weekly} == {"Fri 16:00"}
    await make_person(harness, 9001, role="admin", language="en")
    demo_coordinator = harness.person(9001)
    figures = (await demo_coordinator.send("/stats"))[0].text
    assert "⭐ Volunteers' ratings: 4.1 out of 5 (15 ratings)" in figures
    [comments] = await demo_coordinator.send("/comments DEMO-Q-PAST")
    assert comments.text.index("Too few volunteers") < comments.text.index("Well organised")


async def test_rating_in_the_middle_of_a_draft_keeps_the_draft(harness, center):
    row = await make_person(harness, COORDINATOR, role="coordinator", centers=[center], language="en")
    _, _, record = await attended(harness, center, row.id, start=harness.now - timedelta(hours=4))
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/newopp")
    [saved] = await coordinator.press_data(f"rate:v1:{record.id}:5")
    assert saved.text == "⭐⭐⭐⭐⭐ Thank you! Your rating is saved."
    [next_step] = await coordinator.send("سقيا")  # still the draft's title, not a comment
    assert next_step.text == "2/8 · Send the title in English."
    assert [(r.score, r.comment) for r in await ratings(harness)] == [(5, None)]
