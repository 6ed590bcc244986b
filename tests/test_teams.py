"""Neighborhood teams: founding, the founding request, joining, leaving, the team page, the
leader's messages and the teams in /stats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from handlers import callback_data as cd
from models.demo_data import seed_demo_data
from models.demo_teams import DEMO_INVITE_CODE
from models.tables import Center, Team, TeamMember, TeamStatus, Volunteer
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center, make_opportunity
from tests.team_support import person, plain, row, send_outbox, team_with, translator, worked

STALE = "This button is no longer valid. Please open the menu again."

TEXT = {
    "en": {
        "founded": "The team Falcons is founded", "welcome": "Welcome to the team Falcons!",
        "leave": "🚪 Leave the team", "book": "🎟 Book seats for the team",
        "other_team": "you are already in the team Falcons in this center", "unknown": "does not belong to any team",
        "requested": "has been sent to your center's coordinators", "approved": "is approved, and you lead it",
        "sent": "Sent to the 2 members of Falcons", "limit": "at most 3 messages a day",
        "heading": "From Leila, leader of your team Falcons:", "left": "You have left the team Falcons",
        "leader_stays": "you cannot leave it",
    },
    "ar": {
        "founded": "تأسس فريق Falcons", "welcome": "أهلًا بك في فريق Falcons!",
        "leave": "🚪 مغادرة الفريق", "book": "🎟 حجز مقاعد للفريق",
        "other_team": "أنت عضو بالفعل في فريق Falcons في هذا المركز", "unknown": "لا يخص أي فريق",
        "requested": "إلى منسقي مركزك", "approved": "وأنت قائده",
        "sent": "أُرسلت إلى عضوَي Falcons", "limit": "لا يستقبل الفريق أكثر من 3 رسائل في اليوم",
        "heading": "من Leila، قائد فريقك Falcons:", "left": "غادرت فريق Falcons",
        "leader_stays": "لا يمكنك مغادرته",
    },
}


@pytest.fixture
async def center(session_factory):  # type: ignore[no-untyped-def]
    return await make_center(session_factory)


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_coordinator_founds_a_team_and_a_neighbor_joins_with_the_invite_link(harness, center, language):
    text = TEXT[language]
    await make_person(harness, COORDINATOR_ID, role="admin", language=language)
    leila = await person(harness, 2001, center, language=language, name="Leila")
    await person(harness, 2002, center, language=language, name="Huda")

    [answer] = await harness.person(COORDINATOR_ID).send(f"/newteam awali {leila.telegram_id} Falcons")
    assert text["founded"] in plain(answer) and "https://t.me/volunteer_test_bot?start=t-" in plain(answer)
    team = await row(harness, Team, name="Falcons")
    assert team.status == TeamStatus.ACTIVE and team.leader_id == leila.id

    [joined] = await harness.person(2002).send(f"/start t-{team.invite_code}")
    assert text["welcome"] in plain(joined)
    [page] = await harness.person(2002).send("/team")
    assert "Falcons" in plain(page) and "Leila" in plain(page) and page.labels() == [text["leave"]]
    [leader_page] = await harness.person(2001).send("/team")
    assert team.invite_code in plain(leader_page) and "Huda" in plain(leader_page) and leader_page.labels() == [text["book"]]


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_the_leader_sees_each_members_confirmed_hours_this_month_and_year(harness, session_factory, center, language):
    leila = await person(harness, 2001, center, language=language, name="Leila")
    huda = await person(harness, 2002, center, name="Huda")
    await team_with(harness, center, leila, huda)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now - timedelta(days=40)])
    await worked(harness, huda, shift, at=harness.now - timedelta(hours=5), minutes=180)  # this month
    await worked(harness, huda, shift, at=harness.now - timedelta(hours=9), minutes=120, flagged=True)  # pending: not counted
    await worked(harness, huda, shift, at=harness.now - timedelta(days=40), minutes=60)  # October: this year only

    [page] = await harness.person(2001).send("/team")
    t = translator(harness, language)
    assert f"Huda — {t.duration(180)} · {t.duration(240)}" in plain(page)
    assert t.duration(120 + 180) not in plain(page).split("Huda")[1]


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_volunteer_belongs_to_one_team_per_center(harness, center, language):
    text = TEXT[language]
    leila = await person(harness, 2001, center, name="Leila")
    omar = await person(harness, 2003, center, gender="male", name="Omar")
    huda = await person(harness, 2002, center, language=language, name="Huda")
    await team_with(harness, center, leila, huda)
    second = await team_with(harness, center, omar, name="Eagles")

    [refused] = await harness.person(2002).send(f"/jointeam {second.invite_code}")
    assert text["other_team"] in plain(refused)
    [unknown] = await harness.person(2002).send("/jointeam NOPE2345")
    assert text["unknown"] in plain(unknown)
    # The database itself refuses a second membership in the center, whatever the code does.
    with pytest.raises(IntegrityError):
        async with sessions(harness)() as session, session.begin():
            session.add(TeamMember(team_id=second.id, center_id=center.id, volunteer_id=huda.id, joined_at=harness.now))
    # In another center the same volunteer may be in a team.
    other_center = await make_center(sessions(harness), code="kudai", name_ar="مركز كدي", name_en="Kudai Center")
    third = await team_with(harness, other_center, omar, huda, name="Kudai Hawks")
    assert await row(harness, TeamMember, team_id=third.id, volunteer_id=huda.id) is not None


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_volunteers_request_is_approved_by_a_coordinator_of_their_center_only(harness, center, language):
    text = TEXT[language]
    other_center = await make_center(sessions(harness), code="kudai", name_ar="مركز كدي", name_en="Kudai Center")
    await make_person(harness, 3001, role="coordinator", centers=[center], language=language)
    await make_person(harness, 3002, role="coordinator", centers=[other_center], language="en")
    await person(harness, 2001, center, language=language, name="Leila")
    await person(harness, 2009, center, name="Stranger")

    [asked] = await harness.person(2001).send("/newteam Falcons")
    assert text["requested"] in plain(asked)
    await send_outbox(harness)
    notice = harness.person(3001).last()
    assert "Leila" in plain(notice) and "Falcons" in plain(notice) and len(notice.labels()) == 2
    assert harness.person(3002).messages() == []  # not their center
    approve = notice.inline_buttons()[0]["callback_data"]

    await harness.person(2009).press_data(approve, notice)
    assert harness.telegram.callback_answers[-1]["text"] == "Sorry, this is only for the program's coordinators."
    await harness.person(3002).press_data(approve, notice)
    assert harness.telegram.callback_answers[-1]["text"] == "Sorry, you do not manage this center, so you cannot do that."
    await harness.person(2009).press_data("tmd:v1:forged:yes", notice)
    assert harness.telegram.callback_answers[-1]["text"] == STALE
    assert (await row(harness, Team, name="Falcons")).status == TeamStatus.REQUESTED

    founder = harness.app.bot_data.services.catalogs.for_language(language).gettext("🤝 Team founder")
    assert founder not in plain((await harness.person(2001).send("/hours"))[-1])  # a request founds nothing yet
    await harness.person(3001).press_data(approve, notice)
    assert (await row(harness, Team, name="Falcons")).status == TeamStatus.ACTIVE
    await send_outbox(harness)
    assert text["approved"] in plain(harness.person(2001).last())
    # The founder's badge shows in /hours from then on.
    assert founder in plain((await harness.person(2001).send("/hours"))[-1])


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_member_leaves_and_the_leader_cannot(harness, center, language):
    text = TEXT[language]
    leila = await person(harness, 2001, center, language=language, name="Leila")
    huda = await person(harness, 2002, center, language=language, name="Huda")
    team = await team_with(harness, center, leila, huda)
    await harness.person(2002).send("/team")
    await harness.person(2002).press(text["leave"])
    [done] = await harness.person(2002).press_data(cd.TeamLeave(team.id, "yes").data)
    assert text["left"] in plain(done)
    assert await row(harness, TeamMember, team_id=team.id, volunteer_id=huda.id) is None
    [kept] = await harness.person(2001).send("/start")  # any message to press under
    await harness.person(2001).press_data(cd.TeamLeave(team.id, "yes").data, kept)
    assert text["leader_stays"] in plain(harness.person(2001).last())


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_the_leader_messages_the_team_at_most_three_times_a_day(harness, center, language):
    text = TEXT[language]
    leila = await person(harness, 2001, center, language=language, name="Leila")
    members = [await person(harness, 2002 + i, center, language=language) for i in range(2)]
    await team_with(harness, center, leila, *members)
    first_at = harness.now
    for number in range(3):
        [sent] = await harness.person(2001).send(f"/teammsg Meeting {number}\nat the center")
        assert text["sent"] in plain(sent)
        harness.advance(hours=1)
    [refused] = await harness.person(2001).send("/teammsg One more")
    t = translator(harness, language)
    assert text["limit"] in plain(refused) and t.time(first_at + timedelta(hours=24)) in plain(refused)
    await send_outbox(harness)
    received = [plain(m) for m in harness.person(2002).messages()]
    assert len(received) == 3 and all(text["heading"] in m for m in received) and "Meeting 2\nat the center" in received[-1]
    [not_leader] = await harness.person(2002).send("/teammsg hello")
    assert plain(not_leader) == t.gettext("Only a team leader can message the team.")


STATS = {
    "en": ("Neighborhood teams", "Al-Awali Center: 2 teams · 4 members · 3 hours", "🥇 Eagles — 2 hours", "🥈 Falcons — 1 hour"),
    "ar": ("فرق الأحياء", "مركز حي العوالي: فريقان · 4 أعضاء · 3 ساعات", "🥇 Eagles — ساعتان", "🥈 Falcons — ساعة واحدة"),
}


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_stats_count_teams_members_and_rank_them_by_confirmed_hours_this_month(harness, session_factory, center, language):
    heading, counts, first, second = STATS[language]
    await make_person(harness, COORDINATOR_ID, role="admin", language=language)
    leila, omar = await person(harness, 2001, center, name="Leila"), await person(harness, 2003, center, gender="male", name="Omar")
    huda, ali = await person(harness, 2002, center, name="Huda"), await person(harness, 2004, center, gender="male", name="Ali")
    await team_with(harness, center, leila, huda, name="Falcons")
    await team_with(harness, center, omar, ali, name="Eagles")
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now - timedelta(hours=6)])
    await worked(harness, huda, shift, at=harness.now - timedelta(hours=5), minutes=60)
    await worked(harness, ali, shift, at=harness.now - timedelta(hours=5), minutes=120)
    await worked(harness, huda, shift, at=harness.now - timedelta(hours=5), minutes=600, flagged=True)  # pending

    [figures, _chart] = await harness.person(COORDINATOR_ID).send("/stats")
    assert heading in plain(figures) and counts in plain(figures)
    assert plain(figures).index(first) < plain(figures).index(second)


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_the_demo_team_is_seeded_once_and_a_demo_persona_can_join_it(harness, session_factory, language):
    zone = harness.app.bot_data.services.settings.zone
    for later in (0, 5):
        async with session_factory() as session, session.begin():
            await seed_demo_data(session, now=harness.now + timedelta(hours=later), zone=zone)
    async with session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(Team))).scalar_one() == 1
        assert (await session.execute(select(func.count()).select_from(TeamMember))).scalar_one() == 3
    center = await row(harness, Team, invite_code=DEMO_INVITE_CODE)
    awali = await row(harness, Center, id=center.center_id)
    # The certificates' demo history already holds the persona's row (unregistered): she onboards.
    async with session_factory() as session, session.begin():
        sara = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 1001))).scalar_one()
        sara.display_name, sara.center_id, sara.gender, sara.language = "Sara", awali.id, "female", language
        sara.onboarding_step, sara.registered_at = None, harness.now
    [joined] = await harness.person(1001).send(f"/start t-{DEMO_INVITE_CODE}")
    assert TEXT[language]["welcome"].replace("Falcons", "فريق شباب العوالي") in plain(joined)


async def test_two_joins_racing_each_other_leave_the_volunteer_in_one_team(harness, session_factory, center, engine, monkeypatch):
    """Both joins pass the check before either inserts: the unique constraint decides. (On SQLite
    write transactions start one after the other, so only PostgreSQL can race them.)"""
    import asyncio

    from models import teams as module
    from models.teams import JoinOutcome, join_team

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises write transactions: the two joins cannot overlap")
    huda = await person(harness, 2002, center, name="Huda")
    first = await team_with(harness, center, await person(harness, 2001, center), name="Falcons")
    second = await team_with(harness, center, await person(harness, 2003, center), name="Eagles")
    both_checked, arrived = asyncio.Event(), []
    real = module.team_of_in_center

    async def check_then_wait(session, **kwargs):  # type: ignore[no-untyped-def]
        found = await real(session, **kwargs)
        arrived.append(1)
        if len(arrived) >= 2:
            both_checked.set()
        await asyncio.wait_for(both_checked.wait(), 10)
        return found

    monkeypatch.setattr(module, "team_of_in_center", check_then_wait)

    async def join(code: str) -> JoinOutcome:
        async with session_factory() as session, session.begin():
            return (await join_team(session, volunteer=huda, code=code, now=harness.now)).outcome

    outcomes = await asyncio.gather(join(first.invite_code), join(second.invite_code))
    async with session_factory() as session:
        rows = (await session.execute(select(func.count()).select_from(TeamMember).where(TeamMember.volunteer_id == huda.id))).scalar_one()
    assert rows == 1 and sorted(outcomes) == sorted([JoinOutcome.JOINED, JoinOutcome.OTHER_TEAM]), outcomes
