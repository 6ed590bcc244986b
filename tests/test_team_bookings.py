"""The leader books seats for the team; members confirm their own; the rest go back at the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from handlers import callback_data as cd
from models.authoring import cancel_shift
from models.tables import Shift, SignupStatus
from tests.coordinator_support import sessions
from tests.factories import make_center, make_opportunity
from tests.team_support import (
    booking_of,
    person,
    plain,
    send_outbox,
    shift_row,
    signup_of,
    sweep,
    team_with,
)

TEXT = {
    "en": {
        "book": "🎟 Book seats for the team", "booked": "2 seats are booked for your team on Serving the pilgrims",
        "notice": "Your team leader Leila booked 2 seats for Falcons on Serving the pilgrims", "confirm": "✅ Confirm my seat",
        "confirmed": "Your team seat on Serving the pilgrims is confirmed", "full": "has only 1 free seat left, so nothing was booked",
        "not_leader": "Sorry, only the team's leader can do that.", "gone": "the time to confirm is over",
        "women": "Sorry, this opportunity is for women only.",
    },
    "ar": {
        "book": "🎟 حجز مقاعد للفريق", "booked": "حُجز مقعدان لفريقك في خدمة ضيوف الرحمن",
        "notice": "حجز قائد فريقك Leila مقعدين لفريق Falcons في خدمة ضيوف الرحمن", "confirm": "✅ تأكيد مقعدي",
        "confirmed": "تأكّد مقعدك مع الفريق في خدمة ضيوف الرحمن", "full": "إلا مقعد شاغر واحد، فلم يُحجز شيء",
        "not_leader": "عذرًا، هذا لقائد الفريق فقط.", "gone": "انتهى وقت التأكيد",
        "women": "عذرًا، هذه الفرصة مخصّصة للنساء فقط.",
    },
}


@pytest.fixture
async def center(session_factory):  # type: ignore[no-untyped-def]
    return await make_center(session_factory)


async def set_taken(harness, shift_id: int, taken: int) -> None:  # type: ignore[no-untyped-def]
    async with sessions(harness)() as session, session.begin():
        await session.execute(update(Shift).where(Shift.id == shift_id).values(seats_taken=taken))


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_the_leader_books_seats_and_each_member_confirms_their_own(harness, session_factory, center, language):
    text = TEXT[language]
    leila = await person(harness, 2001, center, language=language, name="Leila")
    huda = await person(harness, 2002, center, language=language, name="Huda")
    mona = await person(harness, 2003, center, language=language, name="Mona")
    team = await team_with(harness, center, leila, huda, mona)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=3)], capacity=5)

    leader = harness.person(2001)
    await leader.send("/team")
    await leader.press(text["book"])
    [choice] = leader.messages()[-1:]
    [shift_button] = [b["callback_data"] for b in choice.inline_buttons()]
    assert shift_button == cd.TeamBookShift(team.id, shift.id).data
    await leader.press_data(shift_button, choice)
    assert len(leader.last().inline_buttons()) == 3  # one to three seats: the team has three members
    [booked] = await leader.press_data(cd.TeamBookSeats(team.id, shift.id, 2).data, leader.last())
    assert text["booked"] in plain(booked)
    assert (await shift_row(harness, shift.id)).seats_taken == 2

    await send_outbox(harness)
    notice = harness.person(2002).last()
    assert text["notice"] in plain(notice) and notice.labels() == [text["confirm"]]
    [confirmed] = await harness.person(2002).press(text["confirm"], notice)
    assert text["confirmed"] in plain(confirmed)
    assert (await signup_of(harness, huda, shift)).status == SignupStatus.CONFIRMED
    assert (await shift_row(harness, shift.id)).seats_taken == 2  # the booked seat became hers: no second seat
    assert (await booking_of(harness, team)).held == 1
    assert mona.id is not None


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_booking_larger_than_the_free_seats_is_refused_whole(harness, session_factory, center, language):
    text = TEXT[language]
    leila = await person(harness, 2001, center, language=language, name="Leila")
    team = await team_with(harness, center, leila, await person(harness, 2002, center), await person(harness, 2003, center))
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=3)], capacity=5)
    await set_taken(harness, shift.id, 4)

    [start] = await harness.person(2001).send("/team")
    [refused] = await harness.person(2001).press_data(cd.TeamBookSeats(team.id, shift.id, 2).data, start)
    assert text["full"] in plain(refused)
    assert (await shift_row(harness, shift.id)).seats_taken == 4 and await booking_of(harness, team) is None


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_stranger_pressing_the_leaders_button_is_refused(harness, session_factory, center, language):
    text = TEXT[language]
    leila = await person(harness, 2001, center, name="Leila")
    huda = await person(harness, 2002, center, language=language, name="Huda")
    team = await team_with(harness, center, leila, huda)
    await person(harness, 2009, center, language=language)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=3)], capacity=5)

    for intruder in (2002, 2009):  # a member who is not the leader, and someone outside the team
        [start] = await harness.person(intruder).send("/start")
        await harness.person(intruder).press_data(cd.TeamBookSeats(team.id, shift.id, 2).data, start)
        assert harness.telegram.callback_answers[-1]["text"] == text["not_leader"]
        await harness.person(intruder).press_data(cd.TeamBookShift(team.id).data, start)
        assert harness.telegram.callback_answers[-1]["text"] == text["not_leader"]
    assert (await shift_row(harness, shift.id)).seats_taken == 0 and await booking_of(harness, team) is None


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_unconfirmed_seats_go_back_at_the_deadline_and_the_waitlist_gets_them(harness, session_factory, center, language):
    text = TEXT[language]
    leila = await person(harness, 2001, center, name="Leila")
    huda = await person(harness, 2002, center, name="Huda")
    mona = await person(harness, 2003, center, language=language, name="Mona")
    team = await team_with(harness, center, leila, huda, mona)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=3)], capacity=3)
    [start] = await harness.person(2001).send("/start")
    await harness.person(2001).press_data(cd.TeamBookSeats(team.id, shift.id, 2).data, start)
    outsider, waiting = await person(harness, 2010, center), await person(harness, 2011, center)
    await harness.person(2010).press_data(cd.SignUp(shift.id).data, start)
    await harness.person(2011).press_data(cd.JoinWaitlist(shift.id).data, start)
    assert (await signup_of(harness, waiting, shift)).status == SignupStatus.WAITLISTED
    await send_outbox(harness)
    await harness.person(2002).press(TEXT["en"]["confirm"], harness.person(2002).last())

    harness.advance(hours=25)  # past the deadline (24 hours to answer)
    await sweep(harness)
    assert (await booking_of(harness, team)).held == 0
    assert (await signup_of(harness, waiting, shift)).status == SignupStatus.CONFIRMED
    assert (await shift_row(harness, shift.id)).seats_taken == 3
    assert (await signup_of(harness, outsider, shift)).status == SignupStatus.CONFIRMED
    [late] = await harness.person(2003).press(text["confirm"], harness.person(2003).last())
    assert text["gone"] in plain(late)
    assert await signup_of(harness, mona, shift) is None


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_member_of_the_other_gender_cannot_confirm_a_seat_on_a_womens_shift(harness, session_factory, center, language):
    text = TEXT[language]
    leila = await person(harness, 2001, center, name="Leila")
    huda = await person(harness, 2002, center, name="Huda")
    omar = await person(harness, 2003, center, language=language, gender="male", name="Omar")
    team = await team_with(harness, center, leila, huda, omar)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=3)], capacity=5, gender="female")
    [start] = await harness.person(2001).send("/start")
    await harness.person(2001).press_data(cd.TeamBookSeats(team.id, shift.id, 2).data, start)
    booking = await booking_of(harness, team)
    await send_outbox(harness)
    assert harness.person(2003).messages() == []  # he is not asked: the shift is for women
    [forged] = await harness.person(2003).send("/start")
    [refused] = await harness.person(2003).press_data(cd.TeamSeatClaim(booking.id).data, forged)
    assert plain(refused) == text["women"]
    assert await signup_of(harness, omar, shift) is None and (await booking_of(harness, team)).held == 2


async def test_a_cancelled_shift_gives_nothing_back_twice(harness, session_factory, center):
    leila = await person(harness, 2001, center, name="Leila")
    team = await team_with(harness, center, leila, await person(harness, 2002, center))
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=3)], capacity=3)
    [start] = await harness.person(2001).send("/start")
    await harness.person(2001).press_data(cd.TeamBookSeats(team.id, shift.id, 2).data, start)
    async with sessions(harness)() as session, session.begin():
        await cancel_shift(session, shift_id=shift.id, actor_telegram_id=1, now=harness.now)  # seats_taken back to 0
    harness.advance(hours=25)
    await sweep(harness)
    assert (await shift_row(harness, shift.id)).seats_taken == 0 and (await booking_of(harness, team)).held == 0


async def test_a_member_on_the_waitlist_takes_a_team_seat_in_place_of_their_waitlist_place(harness, session_factory, center):
    leila = await person(harness, 2001, center, name="Leila")
    huda = await person(harness, 2002, center, name="Huda")
    team = await team_with(harness, center, leila, huda)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=3)], capacity=3)
    await set_taken(harness, shift.id, 1)
    [start] = await harness.person(2001).send("/start")
    await harness.person(2001).press_data(cd.TeamBookSeats(team.id, shift.id, 2).data, start)  # now full
    await harness.person(2002).press_data(cd.JoinWaitlist(shift.id).data, start)
    assert (await signup_of(harness, huda, shift)).status == SignupStatus.WAITLISTED
    booking = await booking_of(harness, team)
    [confirmed] = await harness.person(2002).press_data(cd.TeamSeatClaim(booking.id).data, start)
    assert TEXT["en"]["confirmed"] in plain(confirmed)
    assert (await signup_of(harness, huda, shift)).status == SignupStatus.CONFIRMED
    assert (await shift_row(harness, shift.id)).seats_taken == 3 and (await booking_of(harness, team)).held == 1
