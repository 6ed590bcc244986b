"""A volunteer who cannot come gives their seat to a teammate, or back to the waitlist."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers import callback_data as cd
from models.tables import SeatSwap, SignupStatus, SwapStatus
from tests.factories import make_center, make_opportunity
from tests.team_support import (
    person,
    plain,
    row,
    send_outbox,
    shift_row,
    signup_of,
    team_with,
    translator,
)

STALE = "This button is no longer valid. Please open the menu again."
TEXT = {
    "en": {
        "offered": "Your seat on Serving the pilgrims is offered to Huda", "take": "✅ Take the seat",
        "notice": "Your teammate Leila cannot come and offers you their seat on Serving the pilgrims",
        "yours": "The seat on Serving the pilgrims is yours", "thanks": "Huda took your seat on Serving the pilgrims",
        "women": "Omar cannot take this seat: the opportunity is for women only.",
        "overlap": "Huda cannot take this seat: they already hold a shift at that time.",
        "overlap_now": "You already hold a shift at that time", "not_you": "This offer was not made to you.",
        "started": "the shift has already started", "not_mate": "You can only give your seat to a member of your team.",
    },
    "ar": {
        "offered": "عُرض مقعدك في خدمة ضيوف الرحمن على Huda", "take": "✅ أخذ المقعد",
        "notice": "زميلك في الفريق Leila لا يستطيع الحضور ويعرض عليك مقعده في خدمة ضيوف الرحمن",
        "yours": "أصبح المقعد في خدمة ضيوف الرحمن لك", "thanks": "أخذ Huda مقعدك في خدمة ضيوف الرحمن",
        "women": "لا يمكن لـOmar أخذ هذا المقعد: الفرصة للنساء فقط.",
        "overlap": "لا يمكن لـHuda أخذ هذا المقعد: لديه وردية أخرى في الوقت نفسه.",
        "overlap_now": "لديك وردية", "not_you": "هذا العرض ليس موجّهًا إليك.",
        "started": "بدأت الوردية", "not_mate": "لا يمكنك إعطاء مقعدك إلا لعضو في فريقك.",
    },
}


@pytest.fixture
async def setting(harness, session_factory):  # type: ignore[no-untyped-def]
    """Leila holds a seat on a women's shift; Huda and Omar are in her team."""
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)], capacity=2, gender="female")
    return center, shift


async def seat_for(harness, telegram_id: int, shift) -> None:  # type: ignore[no-untyped-def]
    [start] = await harness.person(telegram_id).send("/start")
    await harness.person(telegram_id).press_data(cd.SignUp(shift.id).data, start)


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_the_seat_moves_to_the_teammate_who_accepts_with_one_tap(harness, setting, language):
    text = TEXT[language]
    center, shift = setting
    leila = await person(harness, 2001, center, language=language, name="Leila")
    huda = await person(harness, 2002, center, language=language, name="Huda")
    await team_with(harness, center, leila, huda)
    await seat_for(harness, 2001, shift)
    giver = harness.person(2001)

    [choice] = await giver.send("/swap")
    await giver.press_data(choice.inline_buttons()[0]["callback_data"], choice)
    assert giver.last().labels()[0] == "Huda"
    [offered] = await giver.press("Huda", giver.last())
    assert text["offered"] in plain(offered)
    assert (await signup_of(harness, leila, shift)).status == SignupStatus.CONFIRMED  # hers until taken

    await send_outbox(harness)
    notice = harness.person(2002).last()
    assert text["notice"] in plain(notice)
    take = next(b["callback_data"] for b in notice.inline_buttons() if b["text"] == text["take"])
    [taken] = await harness.person(2002).press_data(take, notice)
    assert text["yours"] in plain(taken)
    assert (await signup_of(harness, leila, shift)).status == SignupStatus.CANCELLED
    assert (await signup_of(harness, huda, shift)).status == SignupStatus.CONFIRMED
    assert (await shift_row(harness, shift.id)).seats_taken == 1  # moved, never freed
    await send_outbox(harness)
    assert text["thanks"] in plain(giver.last())
    # A second tap finds the offer answered.
    [again] = await harness.person(2002).press_data(take, notice)
    assert "no longer open" in plain(again) if language == "en" else "لم يعد هذا العرض متاحًا" in plain(again)
    assert (await shift_row(harness, shift.id)).seats_taken == 1


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_swap_to_a_teammate_of_the_other_gender_or_with_an_overlapping_shift_is_refused(harness, session_factory, setting, language):
    text = TEXT[language]
    center, shift = setting
    leila = await person(harness, 2001, center, language=language, name="Leila")
    huda = await person(harness, 2002, center, name="Huda")
    omar = await person(harness, 2003, center, gender="male", name="Omar")
    await team_with(harness, center, leila, huda, omar)
    await seat_for(harness, 2001, shift)
    signup = await signup_of(harness, leila, shift)
    _, [overlapping] = await make_opportunity(session_factory, center=center, starts=[shift.starts_at + timedelta(hours=1)], title_en="Other")
    await seat_for(harness, 2002, overlapping)

    [start] = await harness.person(2001).send("/start")
    [refused] = await harness.person(2001).press_data(cd.SwapTo(signup.id, omar.id).data, start)
    assert plain(refused) == text["women"]
    [refused] = await harness.person(2001).press_data(cd.SwapTo(signup.id, huda.id).data, start)
    assert plain(refused) == text["overlap"]
    assert await row(harness, SeatSwap) is None and (await signup_of(harness, leila, shift)).status == SignupStatus.CONFIRMED


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_shift_taken_after_the_offer_is_checked_again_when_the_teammate_accepts(harness, session_factory, setting, language):
    text = TEXT[language]
    center, shift = setting
    leila = await person(harness, 2001, center, name="Leila")
    huda = await person(harness, 2002, center, language=language, name="Huda")
    await team_with(harness, center, leila, huda)
    await seat_for(harness, 2001, shift)
    signup = await signup_of(harness, leila, shift)
    [start] = await harness.person(2001).send("/start")
    await harness.person(2001).press_data(cd.SwapTo(signup.id, huda.id).data, start)
    _, [overlapping] = await make_opportunity(session_factory, center=center, starts=[shift.starts_at - timedelta(hours=1)], title_en="Other")
    await seat_for(harness, 2002, overlapping)
    await send_outbox(harness)
    [refused] = await harness.person(2002).press(text["take"], harness.person(2002).last())
    assert text["overlap_now"] in plain(refused)
    assert (await signup_of(harness, leila, shift)).status == SignupStatus.CONFIRMED
    assert await signup_of(harness, huda, shift) is None


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_strangers_forged_buttons_and_a_started_shift_take_nothing(harness, setting, language):
    text = TEXT[language]
    center, shift = setting
    leila = await person(harness, 2001, center, name="Leila")
    huda = await person(harness, 2002, center, language=language, name="Huda")
    await person(harness, 2009, center, language=language, name="Stranger")
    await team_with(harness, center, leila, huda)
    await seat_for(harness, 2001, shift)
    signup = await signup_of(harness, leila, shift)
    [start] = await harness.person(2009).send("/start")

    # A stranger cannot give away Leila's seat, nor be given it, nor take an offer made to Huda.
    [not_theirs] = await harness.person(2009).press_data(cd.SwapTo(signup.id, huda.id).data, start)
    assert plain(not_theirs) == translator(harness, language).gettext("This sign-up was not found.")
    [stranger] = await person_leila_offers(harness, signup.id, 2009)
    assert plain(stranger) == TEXT["en"]["not_mate"]  # Leila writes in English
    await harness.person(2001).press_data(cd.SwapTo(signup.id, huda.id).data, start)
    swap = await row(harness, SeatSwap)
    await harness.person(2009).press_data(cd.SwapAnswer(swap.id, "yes").data, start)
    assert harness.telegram.callback_answers[-1]["text"] == text["not_you"]
    await harness.person(2009).press_data("swa:v1:x:yes", start)
    assert harness.telegram.callback_answers[-1]["text"] == translator(harness, language).gettext(STALE)
    assert (await signup_of(harness, leila, shift)).status == SignupStatus.CONFIRMED

    harness.advance(days=2, minutes=1)  # the shift has started: the offer is over
    [late] = await harness.person(2002).press_data(cd.SwapAnswer(swap.id, "yes").data, start)
    assert text["started"] in plain(late)
    assert (await row(harness, SeatSwap, id=swap.id)).status == SwapStatus.OFFERED
    assert await signup_of(harness, huda, shift) is None


async def person_leila_offers(harness, signup_id: int, stranger_id: int):  # type: ignore[no-untyped-def]
    """Leila offers her seat to someone outside her teams."""
    from models.tables import Volunteer

    stranger = await row(harness, Volunteer, telegram_id=stranger_id)
    [start] = await harness.person(2001).send("/start")
    return await harness.person(2001).press_data(cd.SwapTo(signup_id, stranger.id).data, start)


async def test_giving_the_seat_back_to_the_waitlist_promotes_the_first_in_line(harness, setting):
    center, shift = setting
    leila = await person(harness, 2001, center, name="Leila")
    await team_with(harness, center, leila)
    await seat_for(harness, 2001, shift)
    other = await person(harness, 2004, center)
    waiting = await person(harness, 2005, center)
    await seat_for(harness, 2004, shift)
    [start] = await harness.person(2005).send("/start")
    await harness.person(2005).press_data(cd.JoinWaitlist(shift.id).data, start)

    [choice] = await harness.person(2001).send("/swap")
    [menu] = await harness.person(2001).press_data(choice.inline_buttons()[0]["callback_data"], choice)
    assert "You have no teammate to give your seat to" in plain(menu)
    await harness.person(2001).press("↩️ Give it back to the waitlist", menu)
    await harness.person(2001).press("Yes, cancel")
    assert (await signup_of(harness, leila, shift)).status == SignupStatus.CANCELLED
    assert (await signup_of(harness, waiting, shift)).status == SignupStatus.CONFIRMED
    assert (await signup_of(harness, other, shift)).status == SignupStatus.CONFIRMED


async def test_nobody_else_can_take_the_seat_while_it_moves(harness, session_factory):
    center = await make_center(session_factory)
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)], capacity=1)
    leila = await person(harness, 2001, center, name="Leila")
    huda = await person(harness, 2002, center, name="Huda")
    outsider = await person(harness, 2010, center)
    await team_with(harness, center, leila, huda)
    await seat_for(harness, 2001, shift)
    signup = await signup_of(harness, leila, shift)
    [start] = await harness.person(2001).send("/start")
    await harness.person(2001).press_data(cd.SwapTo(signup.id, huda.id).data, start)

    await seat_for(harness, 2010, shift)  # while offered: the seat is still Leila's
    assert "this shift is full" in plain(harness.person(2010).last())
    swap = await row(harness, SeatSwap)
    await harness.person(2002).press_data(cd.SwapAnswer(swap.id, "yes").data, start)
    await seat_for(harness, 2010, shift)  # once moved: Huda's, never free in between
    assert "this shift is full" in plain(harness.person(2010).last())
    assert (await shift_row(harness, shift.id)).seats_taken == 1 and await signup_of(harness, outsider, shift) is None
    assert (await signup_of(harness, huda, shift)).status == SignupStatus.CONFIRMED
