"""What keeps volunteers coming back: interests that narrow browsing, the morning digest, badges in
/hours and the center's leaderboard, through the real Application."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.scheduling import run_sweeps
from bot.sender import drain_once
from models.tables import Attendance, OutboxMessage, Volunteer
from tests.factories import make_center, make_opportunity
from tests.journey import register

T = {
    "en": {
        "health": "Health", "awali": "Al-Awali Center", "mine": "⭐ <b>Showing your interests</b>, the soonest shift first.",
        "all": "🌐 Show all", "show_mine": "⭐ Show my interests", "digest_on": "☀️ Turn on the morning digest",
        "digest_off": "🔕 Stop the morning digest", "settings_interests": "🎯 My interests and the morning digest",
        "interests_title": "🎯 <b>Your interests</b>", "back": "« Back to the list",
        "morning": "☀️ Good morning, Sara! 1 new opportunity matches your interests:",
        "no_badges": "No badges yet: your first comes with 10 confirmed hours.", "ten": "🏅 10 hours of giving",
        "streak": "🔥 Streak: a shift every month, 3 months in a row", "training": "🎓 1 training attended",
        "hide": "🙈 Take my name off", "join": "✋ Show my first name", "year": "📅 This year",
        "would": "You would be number 1 with 10 hours. Your name is not shown: you have not joined the board.",
        "you_are": "You are number 2 with 5 hours.",
    },
    "ar": {
        "health": "الصحة", "awali": "مركز حي العوالي", "mine": "⭐ <b>حسب اهتماماتك</b>، الأقرب موعدًا أولًا.",
        "all": "🌐 عرض الكل", "show_mine": "⭐ حسب اهتماماتي", "digest_on": "☀️ تفعيل النشرة الصباحية",
        "digest_off": "🔕 إيقاف النشرة الصباحية", "settings_interests": "🎯 اهتماماتي والنشرة الصباحية",
        "interests_title": "🎯 <b>اهتماماتك</b>", "back": "« العودة إلى القائمة",
        "morning": "☀️ صباح الخير يا سارة! فرصة جديدة واحدة تناسب اهتماماتك:",
        "no_badges": "لا أوسمة بعد: أولها عند 10 ساعات مؤكدة.", "ten": "🏅 10 ساعات من العطاء",
        "streak": "🔥 مواظبة: وردية كل شهر، 3 أشهر متتالية", "training": "🎓 تدريب واحد",
        "hide": "🙈 أخفِ اسمي", "join": "✋ أظهر اسمي الأول", "year": "📅 هذا العام",
        "would": "ترتيبك سيكون 1 بـ 10 ساعات. اسمك لا يظهر لأنك لم تنضم إلى اللوحة.",
        "you_are": "ترتيبك 2 بـ 5 ساعات.",
    },
}
NAMES = {"en": "Sara", "ar": "سارة"}


def services(harness):  # type: ignore[no-untyped-def]
    return harness.app.bot_data.services


async def volunteer_id(harness, telegram_id: int) -> int:  # type: ignore[no-untyped-def]
    async with services(harness).sessions() as session:
        row = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == telegram_id))).scalar_one()
    return int(row.id)


async def sweep_and_send(harness) -> None:  # type: ignore[no-untyped-def]
    await run_sweeps(services(harness))
    for _ in range(3):
        harness.advance(seconds=1)
        await drain_once(harness.app)


async def digests(harness) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with services(harness).sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "digest").order_by(OutboxMessage.id)
        return list((await session.execute(query)).scalars())


async def record(session_factory, center, vid: int, *, start, hours: float, flagged: bool = False, category: str = "pilgrims") -> None:  # type: ignore[no-untyped-def]
    """A completed record of `hours` from `start`, on an opportunity of `category`."""
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[start], hours=hours, category=category)
    async with session_factory() as session, session.begin():
        session.add(
            Attendance(
                shift_id=shift.id, volunteer_id=vid, checked_in_at=start, checked_out_at=shift.ends_at, method="code",
                credited_minutes=int(hours * 60), flagged=flagged, flag_reason="auto_checkout" if flagged else None,
            )
        )


@pytest.fixture
async def centers(session_factory):  # type: ignore[no-untyped-def]
    awali = await make_center(session_factory)
    zahir = await make_center(session_factory, code="zahir", name_ar="مركز حي الزاهر", name_en="Al-Zahir Center")
    return awali, zahir


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_interests_narrow_browsing_and_sort_it_by_the_next_shift(harness, session_factory, centers, language):
    awali, zahir = centers
    now = harness.now
    late, _ = await make_opportunity(session_factory, center=awali, starts=[now + timedelta(days=5)], category="health",
                                     title_en="Health day", title_ar="يوم الصحة", published_at=now - timedelta(hours=1))
    soon, _ = await make_opportunity(session_factory, center=awali, starts=[now + timedelta(days=9), now + timedelta(days=3)],
                                     category="health", title_en="Blood drive", title_ar="حملة التبرع بالدم",
                                     published_at=now - timedelta(days=5))
    await make_opportunity(session_factory, center=zahir, starts=[now + timedelta(days=2)], category="health",
                           title_en="Zahir clinic", title_ar="عيادة الزاهر")
    await make_opportunity(session_factory, center=awali, starts=[now + timedelta(days=1)], category="pilgrims")
    sara, t = harness.person(701), T[language]
    await register(sara, language, name=NAMES[language])

    [everything] = await sara.send("/opportunities")
    assert len(everything.inline_buttons()) >= 4 and t["show_mine"] not in everything.labels()

    [settings] = await sara.send("/settings")
    [page] = await sara.press(t["settings_interests"], settings)
    assert t["interests_title"] in page.text
    await sara.press(t["health"], page)
    [page] = await sara.press(t["awali"], sara.last())
    assert "✅ " + t["health"] in page.labels() and "✅ " + t["awali"] in page.labels()

    [mine] = await sara.send("/opportunities")
    assert mine.text.startswith(t["mine"])
    titles = {"en": ["Blood drive", "Health day"], "ar": ["حملة التبرع بالدم", "يوم الصحة"]}[language]
    # Only health at Al-Awali, the soonest next shift first (not the newest published).
    assert mine.labels()[:3] == [*titles, t["all"]]
    [detail] = await sara.press(titles[0], mine)
    [back] = await sara.press(t["back"], detail)
    assert back.text.startswith(t["mine"])
    [everything] = await sara.press(t["all"], back)
    assert len(everything.inline_buttons()) >= 4 and t["show_mine"] in everything.labels()
    [mine] = await sara.press(t["show_mine"], everything)
    assert mine.labels()[:2] == titles

    # Unpicking everything goes back to the whole list.
    [page] = await sara.send("/interests")
    await sara.press("✅ " + t["health"], page)
    await sara.press("✅ " + t["awali"], sara.last())
    [everything] = await sara.send("/opportunities")
    assert not everything.text.startswith(t["mine"])
    assert late.id and soon.id


async def test_a_forged_interest_toggle_is_refused(harness, centers):
    sara = harness.person(702)
    await register(sara, "en", name="Sara")
    await sara.send("/interests")
    await sara.press_data("intk:v1:weapons:0")
    await sara.press_data("intc:v1:999:0")
    answers = [a.get("text") for a in sara.answers()]
    assert "This button is no longer valid. Please open the menu again." in answers
    assert "This center is no longer available." in answers


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_the_morning_digest_sends_new_matching_opportunities_once_a_day_never_at_night(harness, session_factory, centers, language):
    awali, _ = centers
    t = T[language]
    harness.advance(hours=-4)  # 05:00 in Riyadh, 1 December
    sara = harness.person(703)
    await register(sara, language, name=NAMES[language])
    [page] = await sara.send("/interests")
    await sara.press(t["health"], page)
    await sara.press(t["digest_on"], sara.last())
    start = harness.now + timedelta(days=4)
    await make_opportunity(session_factory, center=awali, starts=[start], category="health", title_en="Before",
                           title_ar="قبل", published_at=harness.now - timedelta(days=1))  # before the opt-in: not new
    harness.advance(hours=1)
    await make_opportunity(session_factory, center=awali, starts=[start], category="health", title_en="First aid",
                           title_ar="الإسعافات الأولية", published_at=harness.now)
    await make_opportunity(session_factory, center=awali, starts=[start], category="pilgrims", title_en="Other",
                           title_ar="أخرى", published_at=harness.now)  # not among her interests
    before = len(sara.messages())
    await sweep_and_send(harness)  # 06:00 local: too early
    assert len(sara.messages()) == before and await digests(harness) == []

    harness.advance(hours=2, minutes=30)  # 08:30 local
    await sweep_and_send(harness)
    [digest] = sara.messages()[before:]
    assert digest.text.startswith(t["morning"])
    title = {"en": "First aid", "ar": "الإسعافات الأولية"}[language]
    assert title in digest.text and "Before" not in digest.text and "Other" not in digest.text
    assert digest.labels() == [title, t["digest_off"]]

    # Something new later that day waits for tomorrow morning: at most one a day, none at night.
    harness.advance(hours=1)
    await make_opportunity(session_factory, center=awali, starts=[start], category="health", title_en="Second",
                           title_ar="الثانية", published_at=harness.now)
    await sweep_and_send(harness)
    harness.advance(hours=14)  # 23:31 local
    await sweep_and_send(harness)
    harness.advance(hours=4)  # 03:31 local, 2 December
    await sweep_and_send(harness)
    assert len(sara.messages()) == before + 1
    harness.advance(hours=5)  # 08:31 local
    await sweep_and_send(harness)
    [second] = sara.messages()[before + 1 :]
    assert {"en": "Second", "ar": "الثانية"}[language] in second.text and title not in second.text

    # Nothing new: nothing sent (and nothing queued).
    harness.advance(days=1)
    await sweep_and_send(harness)
    assert len(sara.messages()) == before + 2 and len(await digests(harness)) == 2

    # Opted out under the digest: nothing more.
    await sara.press(t["digest_off"], second)
    harness.advance(days=1)
    await make_opportunity(session_factory, center=awali, starts=[harness.now + timedelta(days=3)], category="health",
                           published_at=harness.now - timedelta(hours=1))
    await sweep_and_send(harness)
    assert len(sara.messages()) == before + 2


async def test_a_digest_queued_before_an_opt_out_is_not_sent(harness, session_factory, centers):
    awali, _ = centers
    harness.advance(hours=-4)
    sara = harness.person(704)
    await register(sara, "en", name="Sara")
    [page] = await sara.send("/interests")
    await sara.press("☀️ Turn on the morning digest", page)
    harness.advance(hours=1)
    await make_opportunity(session_factory, center=awali, starts=[harness.now + timedelta(days=2)], published_at=harness.now)
    harness.advance(hours=3)  # 09:00 local
    await run_sweeps(services(harness))
    [page] = await sara.send("/interests")
    await sara.press("🔕 Stop the morning digest", page)
    before = len(sara.messages())
    harness.advance(seconds=1)
    await drain_once(harness.app)
    assert len(sara.messages()) == before
    [row] = await digests(harness)
    assert row.status == "dropped"


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_badges_appear_at_their_thresholds_and_a_pending_record_does_not_count(harness, session_factory, centers, language):
    awali, _ = centers
    t = T[language]
    sara = harness.person(705)
    await register(sara, language, name=NAMES[language])
    vid = await volunteer_id(harness, 705)
    now = harness.now
    await record(session_factory, awali, vid, start=now - timedelta(days=40), hours=9)
    await record(session_factory, awali, vid, start=now - timedelta(days=2), hours=2, flagged=True)
    [hours] = await sara.send("/hours")
    assert t["no_badges"] in hours.text and t["ten"] not in hours.text

    await record(session_factory, awali, vid, start=now - timedelta(days=70), hours=1)
    [hours] = await sara.send("/hours")
    assert t["ten"] in hours.text and t["no_badges"] not in hours.text
    assert t["training"] not in hours.text

    await record(session_factory, awali, vid, start=now - timedelta(days=1), hours=2, category="training")
    [hours] = await sara.send("/hours")
    assert t["training"] in hours.text


async def test_a_streak_needs_three_consecutive_months(harness, session_factory, centers):
    awali, _ = centers
    sara = harness.person(706)
    await register(sara, "en", name="Sara")
    vid = await volunteer_id(harness, 706)
    now = harness.now  # 1 December
    await record(session_factory, awali, vid, start=now - timedelta(days=92), hours=1)  # August
    await record(session_factory, awali, vid, start=now - timedelta(days=40), hours=1)  # October
    await record(session_factory, awali, vid, start=now + timedelta(hours=1) - timedelta(hours=3), hours=1, flagged=True)  # pending
    [hours] = await sara.send("/hours")
    assert "Streak" not in hours.text
    await record(session_factory, awali, vid, start=now - timedelta(days=20), hours=1)  # November
    [hours] = await sara.send("/hours")
    assert "Streak" not in hours.text  # October, November, and December's record is only pending
    await record(session_factory, awali, vid, start=now - timedelta(hours=4), hours=1)  # December
    [hours] = await sara.send("/hours")
    assert "🔥 Streak: a shift every month, 3 months in a row" in hours.text


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_the_leaderboard_names_only_those_who_joined_and_drops_a_name_at_once(harness, session_factory, centers, language):
    awali, _ = centers
    t = T[language]
    people = {}
    for user_id, name in [(711, "Sara Ahmed"), (712, "Huda Ali"), (713, "Mona Saleh")]:
        person = harness.person(user_id)
        await register(person, language, name=name)
        people[name.split()[0]] = (person, await volunteer_id(harness, user_id))
    harness.advance(days=1)
    now = harness.now  # 2 December, 09:00 in Riyadh
    await record(session_factory, awali, people["Sara"][1], start=now - timedelta(hours=20), hours=5)
    await record(session_factory, awali, people["Huda"][1], start=now - timedelta(hours=22), hours=8)
    await record(session_factory, awali, people["Huda"][1], start=now - timedelta(days=60), hours=30)  # this year only
    await record(session_factory, awali, people["Mona"][1], start=now - timedelta(hours=30), hours=10)
    await record(session_factory, awali, people["Sara"][1], start=now - timedelta(hours=10), hours=9, flagged=True)  # pending
    sara, huda, mona = people["Sara"][0], people["Huda"][0], people["Mona"][0]
    for person in (sara, huda):
        [board] = await person.send("/leaderboard")
        await person.press(t["join"], board)

    [board] = await sara.send("/leaderboard")
    assert "Huda" in board.text and "Sara" in board.text and "Mona" not in board.text
    assert "Ahmed" not in board.text and "Ali" not in board.text
    assert board.text.index("Huda") < board.text.index("Sara") and t["you_are"] in board.text

    [board] = await mona.send("/leaderboard")
    assert "Mona" not in board.text and t["would"] in board.text

    [yearly] = await huda.press(t["year"], (await huda.send("/leaderboard"))[0])
    assert "Huda: 38 " in yearly.text and "Sara: 5 " in yearly.text

    # A shift completed later is on the board after the next sweep.
    await record(session_factory, awali, people["Sara"][1], start=harness.now - timedelta(hours=5), hours=4)
    await run_sweeps(services(harness))
    [board] = await huda.send("/leaderboard")
    assert board.text.index("Sara") < board.text.index("Huda")

    [board] = await sara.send("/leaderboard")
    [board] = await sara.press(t["hide"], board)
    assert "Sara" not in board.text and t["join"] in board.labels()
    [board] = await huda.send("/leaderboard")
    assert "Sara" not in board.text and "Huda" in board.text
