"""A seat freed close to the start is offered to the next in line, who must accept in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.scheduling import run_sweeps
from bot.sender import drain_once
from handlers import callback_data as cd
from models.offers import expire_offers
from models.signups import OfferRules, promote_waitlist
from models.tables import OutboxMessage, Shift, Signup, SignupStatus, Volunteer
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center, make_opportunity
from tests.journey import register

COORDINATOR = 6_500_000_001
TEXTS = {
    "en": {
        "offer": "🎟 A seat opened up on <b>Serving the pilgrims</b>\n{when}\n\n🎟 A seat is held for you until {deadline}. Will you come?\n"
                 "If we do not hear from you by then, it goes to the next volunteer in line.",
        "yes": "✅ Yes, I'll come", "no": "No, thanks",
        "accepted": "✅ Wonderful! The seat on <b>Serving the pilgrims</b> is yours.",
        "declined": "Thank you for letting us know. The seat on <b>Serving the pilgrims</b> goes to the next volunteer in line.",
        "expired": "⌛ We did not hear from you in time, so the seat on <b>Serving the pilgrims</b>",
        "late": "Sorry, this offer is no longer open: the time to answer is over, and the seat has gone to the next volunteer in line.",
        "already": "You have already accepted this seat.",
    },
    "ar": {
        "offer": "🎟 توفّر مقعد في <b>خدمة ضيوف الرحمن</b>\n{when}\n\n🎟 نحتفظ لك بمقعد حتى الساعة {deadline}. هل ستحضر؟\n"
                 "وإن لم يصلنا ردّك حتى ذلك الحين، فسينتقل إلى المتطوع التالي في قائمة الانتظار.",
        "yes": "✅ نعم، سأحضر", "no": "لا، شكرًا",
        "accepted": "✅ رائع! أصبح المقعد في <b>خدمة ضيوف الرحمن</b> لك.",
        "declined": "شكرًا لإبلاغنا. سينتقل المقعد في <b>خدمة ضيوف الرحمن</b> إلى المتطوع التالي في قائمة الانتظار.",
        "expired": "⌛ لم يصلنا ردّك في الوقت المحدد، فانتقل المقعد في <b>خدمة ضيوف الرحمن</b>",
        "late": "عذرًا، لم يعد هذا العرض متاحًا: انتهت مهلة الرد، وانتقل المقعد إلى المتطوع التالي في قائمة الانتظار.",
        "already": "لقد قبلت هذا المقعد من قبل.",
    },
}


async def send_notices(harness) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        harness.advance(seconds=1)
        await drain_once(harness.app)


async def signup_of(harness, person) -> Signup:  # type: ignore[no-untyped-def]
    async with sessions(harness)() as session:
        return (await session.execute(
            select(Signup).join(Volunteer, Volunteer.id == Signup.volunteer_id).where(Volunteer.telegram_id == person.user_id)
        )).scalar_one()


async def full_shift_with_a_line(harness, *, starts_in: timedelta, language: str = "en"):  # type: ignore[no-untyped-def]
    """A one-seat shift held by Sara, with Omar then Lina waiting in line."""
    factory = sessions(harness)
    center = await make_center(factory)
    _, [shift] = await make_opportunity(factory, center=center, starts=[harness.now + starts_in], capacity=1)
    people = []
    for user_id, name in ((801, "Sara"), (802, "Omar"), (803, "Lina")):
        person = harness.person(user_id)
        await register(person, language, name=name)
        await person.press_data(cd.SignUp(shift.id).data)
        if name != "Sara":
            await person.press_data(cd.JoinWaitlist(shift.id).data)
        people.append(person)
    return shift, center, people


async def cancel(person) -> None:  # type: ignore[no-untyped-def]
    await person.press_data(cd.CancelConfirmed((await signup_of(person.harness, person)).id).data)


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_seat_freed_two_hours_before_the_start_is_offered_and_accepting_confirms(harness, language):
    shift, _, (sara, omar, lina) = await full_shift_with_a_line(harness, starts_in=timedelta(hours=2, minutes=10), language=language)
    harness.advance(minutes=15)  # in line since before the 2-hour reminder's moment; the seat frees up after it
    await cancel(sara)
    await send_notices(harness)
    texts = TEXTS[language]
    t = harness.app.bot_data.services.catalogs.for_language(language)
    offer = omar.last()
    seat = await signup_of(harness, omar)
    assert seat.status == SignupStatus.OFFERED and seat.offer_expires_at == seat.promoted_at + timedelta(minutes=30)
    assert offer.text == texts["offer"].format(when=t.span(shift.starts_at, shift.ends_at), deadline=t.time(seat.offer_expires_at))
    assert offer.labels() == [texts["yes"], texts["no"]]
    assert not [m for m in lina.messages() if "🎟" in m.text], "the next in line is not asked while the seat is held"

    harness.advance(minutes=10)
    answer = await omar.press(texts["yes"], offer)
    assert answer[-1].text.startswith(texts["accepted"]) and answer[-1].message_id == offer.message_id
    seat = await signup_of(harness, omar)
    assert (seat.status, seat.confirmed_at) == (SignupStatus.CONFIRMED, harness.now)
    async with sessions(harness)() as session:
        assert (await session.get(Shift, shift.id)).seats_taken == 1
    await omar.press_data(cd.OfferAnswer(seat.id, "yes").data)  # a second tap (an old copy) changes nothing
    assert (await signup_of(harness, omar)).status == SignupStatus.CONFIRMED
    assert omar.last().text.startswith(texts["already"])
    await run_sweeps(harness.app.bot_data.services)  # a reminder whose moment came before the offer is not sent
    async with sessions(harness)() as session:
        assert (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "reminder", OutboxMessage.chat_id == 802))).first() is None


async def test_no_thanks_passes_the_seat_to_the_next_in_line_who_gets_their_own_offer(harness):
    _, _, (sara, omar, lina) = await full_shift_with_a_line(harness, starts_in=timedelta(hours=2))
    await cancel(sara)
    await send_notices(harness)
    answer = await omar.press("No, thanks")
    assert answer[-1].text == TEXTS["en"]["declined"] and answer[-1].labels() == []
    assert (await signup_of(harness, omar)).status == SignupStatus.CANCELLED
    await send_notices(harness)
    assert lina.last().text.startswith("🎟 A seat opened up") and (await signup_of(harness, lina)).status == SignupStatus.OFFERED
    await omar.press_data(cd.OfferAnswer((await signup_of(harness, omar)).id, "yes").data)  # changing their mind too late
    assert omar.last().text == TEXTS["en"]["late"] and (await signup_of(harness, lina)).status == SignupStatus.OFFERED


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_silence_past_the_limit_passes_the_seat_on_and_tells_them(harness, language):
    _, _, (sara, omar, lina) = await full_shift_with_a_line(harness, starts_in=timedelta(hours=2), language=language)
    await cancel(sara)
    await send_notices(harness)
    stale = omar.last().inline_buttons()[0]["callback_data"]
    harness.advance(minutes=29)
    await run_sweeps(harness.app.bot_data.services)
    assert (await signup_of(harness, omar)).status == SignupStatus.OFFERED
    harness.advance(minutes=1)
    await run_sweeps(harness.app.bot_data.services)
    await send_notices(harness)
    assert (await signup_of(harness, omar)).status == SignupStatus.CANCELLED
    assert omar.last().text.startswith(TEXTS[language]["expired"])
    assert (await signup_of(harness, lina)).status == SignupStatus.OFFERED and "🎟" in lina.last().text
    await omar.press_data(stale)  # the old offer, answered late
    assert omar.last().text == TEXTS[language]["late"]
    assert (await signup_of(harness, lina)).status == SignupStatus.OFFERED


async def test_a_late_yes_before_the_sweep_ran_is_refused_and_passes_the_seat_on(harness):
    _, _, (sara, omar, lina) = await full_shift_with_a_line(harness, starts_in=timedelta(hours=2))
    await cancel(sara)
    await send_notices(harness)
    harness.advance(minutes=31)
    await omar.press("✅ Yes, I'll come")
    assert omar.last().text == TEXTS["en"]["late"]
    assert (await signup_of(harness, lina)).status == SignupStatus.OFFERED


async def test_the_answer_time_never_runs_past_the_start(harness):
    shift, _, (sara, omar, _) = await full_shift_with_a_line(harness, starts_in=timedelta(minutes=12))
    await cancel(sara)
    assert (await signup_of(harness, omar)).offer_expires_at == shift.starts_at
    harness.now = shift.starts_at
    await omar.press_data(cd.OfferAnswer((await signup_of(harness, omar)).id, "yes").data)
    assert omar.last().text == TEXTS["en"]["late"]


async def test_nobody_is_promoted_or_offered_after_the_start(harness):
    shift, _, (sara, omar, lina) = await full_shift_with_a_line(harness, starts_in=timedelta(minutes=20))
    await cancel(sara)  # Omar is offered the seat until the start
    harness.now = shift.starts_at + timedelta(minutes=1)
    await run_sweeps(harness.app.bot_data.services)
    assert (await signup_of(harness, omar)).status == SignupStatus.CANCELLED
    assert (await signup_of(harness, lina)).status == SignupStatus.WAITLISTED, "the start passed: nobody is offered a seat now"
    async with sessions(harness)() as session, session.begin():
        running = await session.get(Shift, shift.id)
        assert running.seats_taken == 0
        assert await promote_waitlist(session, shift=running, now=harness.now, offers=OfferRules()) == []


async def test_a_newcomer_cannot_take_an_offered_seat(harness):
    shift, _, (sara, omar, _) = await full_shift_with_a_line(harness, starts_in=timedelta(hours=2))
    await cancel(sara)
    newcomer = harness.person(804)
    await register(newcomer, "en", name="Huda")
    answer = await newcomer.press_data(cd.SignUp(shift.id).data)
    assert answer[-1].text.startswith("Sorry, this shift is full")
    # Omar pressing an old "join the waitlist" button is shown his offer, not put back in line.
    answer = await omar.press_data(cd.JoinWaitlist(shift.id).data)
    assert "🎟 A seat is held for you until" in answer[-1].text and answer[-1].labels() == ["✅ Yes, I'll come", "No, thanks"]
    assert (await signup_of(harness, omar)).status == SignupStatus.OFFERED


async def test_a_seat_freed_well_before_the_start_is_still_given_at_once(harness):
    _, _, (sara, omar, _) = await full_shift_with_a_line(harness, starts_in=timedelta(hours=3, minutes=1))
    await cancel(sara)
    await send_notices(harness)
    assert (await signup_of(harness, omar)).status == SignupStatus.CONFIRMED and omar.last().text.startswith("🎉 Good news!")


async def test_my_schedule_the_roster_and_cancelling_treat_an_offered_seat_as_held(harness):
    shift, center, (sara, omar, lina) = await full_shift_with_a_line(harness, starts_in=timedelta(hours=2))
    await make_person(harness, COORDINATOR, role="coordinator", centers=[center], language="en")
    await cancel(sara)
    schedule = (await omar.send("/my"))[-1]
    assert "🎟 A seat is held for you until" in schedule.text and schedule.labels() == ["✅ Yes, I'll come (1)", "No, thanks (1)"]
    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(cd.ShiftAction("who", shift.id).data, (await coordinator.send("/shifts"))[-1])
    assert "🎟 Seat offered, waiting for an answer (1)\nOmar (until" in coordinator.last().text
    await cancel(omar)  # giving the offered seat up from /my passes it on too
    assert (await signup_of(harness, omar)).status == SignupStatus.CANCELLED
    assert (await signup_of(harness, lina)).status == SignupStatus.OFFERED
    async with sessions(harness)() as session:
        assert (await session.get(Shift, shift.id)).seats_taken == 1


async def test_the_offer_sweep_only_reads_seats_held_for_an_answer(harness):
    _, _, (sara, omar, _) = await full_shift_with_a_line(harness, starts_in=timedelta(hours=2))
    await cancel(sara)
    async with sessions(harness)() as session, session.begin():
        assert await expire_offers(session, now=harness.now, offers=OfferRules()) == 0
        assert await expire_offers(session, now=harness.now + timedelta(minutes=30), offers=OfferRules()) == 1
        assert await expire_offers(session, now=harness.now + timedelta(minutes=30), offers=OfferRules()) == 0


def test_offer_rules_follow_the_settings(settings):
    rules = settings.model_copy(update={"waitlist_offer_hours_before": 1.5, "waitlist_offer_answer_minutes": 10}).offer_rules
    assert (rules.window, rules.answer_within) == (timedelta(hours=1, minutes=30), timedelta(minutes=10))
    assert (settings.offer_rules.window, settings.offer_rules.answer_within) == (timedelta(hours=3), timedelta(minutes=30))


async def test_seats_an_import_adds_two_hours_before_the_start_are_offered_too(session_factory):
    from models.imports import import_rows
    from models.opportunity_csv import parse_csv
    from tests.test_imports import GOOD_LINES, NOW, ZONE, csv_text, sign_up_as

    full = GOOD_LINES[2].replace(",30,", ",1,")  # 2026-12-07 16:00 Makkah time, one seat
    async with session_factory() as session, session.begin():
        await import_rows(session, parse_csv(csv_text(full), zone=ZONE), now=NOW)
    async with session_factory() as session:
        shift = (await session.execute(select(Shift))).scalar_one()
    await sign_up_as(session_factory, 811, shift.id, at=NOW)
    waiting = await sign_up_as(session_factory, 812, shift.id, at=NOW, join_waitlist=True)
    two_hours_before = shift.starts_at - timedelta(hours=2)
    async with session_factory() as session, session.begin():
        rows = parse_csv(csv_text(full.replace(",1,", ",2,")), zone=ZONE)
        result = await import_rows(session, rows, now=two_hours_before, offers=OfferRules())
    async with session_factory() as session:
        seat = await session.get(Signup, waiting.signup.id)
    assert result.waitlist_promoted == 1
    assert (seat.status, seat.offer_expires_at) == (SignupStatus.OFFERED, two_hours_before + timedelta(minutes=30))
