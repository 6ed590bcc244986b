"""Training courses grant qualifications; opportunities that require one refuse volunteers without it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.sender import drain_once
from handlers import callback_data as cd
from models.qualification_setup import (
    QualificationDraft,
    define_qualification,
    make_course,
    parse_definition,
    require_qualification,
)
from models.qualifications import add_months, grant_by_hand
from models.signups import sign_up
from models.tables import Opportunity, Qualification, Signup, Volunteer, VolunteerQualification
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import audit, make_person
from tests.factories import SITE, make_center, make_opportunity
from tests.journey import check_out, register

FIRST_AID = QualificationDraft("first-aid", "الإسعافات الأولية", "First aid", 24)


async def define(session_factory, draft: QualificationDraft = FIRST_AID) -> Qualification:
    async with session_factory() as session, session.begin():
        qualification, _ = await define_qualification(session, draft=draft, actor_telegram_id=None, now=datetime(2026, 1, 1, tzinfo=UTC))
    return qualification


async def link(session_factory, opportunity: Opportunity, qualification: Qualification, *, grants: bool) -> None:
    async with session_factory() as session, session.begin():
        opp = await session.get(Opportunity, opportunity.id)
        q = await session.get(Qualification, qualification.id)
        if grants:
            await make_course(session, opportunity=opp, qualification=q)
        else:
            await require_qualification(session, opportunity=opp, qualification=q)


async def course(harness, session_factory, center, qualification, *, in_hours: float = 2):
    opportunity, shifts = await make_opportunity(
        session_factory, center=center, starts=[harness.now + timedelta(hours=in_hours)], hours=2, category="training",
        title_ar="دورة الإسعافات الأولية", title_en="First aid course")
    await link(session_factory, opportunity, qualification, grants=True)
    return opportunity, shifts[0]


async def gated(harness, session_factory, center, qualification, *, in_hours: float = 48, capacity: int = 5):
    opportunity, shifts = await make_opportunity(
        session_factory, center=center, starts=[harness.now + timedelta(hours=in_hours)], hours=3, capacity=capacity,
        category="health", title_ar="إسعاف في الساحات", title_en="First aid in the courtyards")
    await link(session_factory, opportunity, qualification, grants=False)
    return opportunity, shifts[0]


async def deliver(harness) -> None:
    """Run the outbox sender a moment later, as it would run."""
    harness.advance(seconds=5)
    await drain_once(harness.app)


async def held(session_factory, telegram_id: int) -> list[VolunteerQualification]:
    async with session_factory() as session:
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == telegram_id))).scalar_one()
        rows = await session.execute(select(VolunteerQualification).where(VolunteerQualification.volunteer_id == volunteer.id))
        return list(rows.scalars())


@pytest.mark.parametrize(("language", "granted", "page"), [
    ("en", "🎓 Well done! You completed <b>First aid course</b> and now hold the qualification <b>First aid</b>.\n"
           "Valid until Friday 1 December 2028 (", "✅ <b>First aid</b>: valid until Friday 1 December 2028 ("),
    ("ar", "🎓 أحسنت! أتممت <b>دورة الإسعافات الأولية</b> وصرت حاملًا لمؤهل <b>الإسعافات الأولية</b>.\n"
           "صالح حتى ", "✅ <b>الإسعافات الأولية</b>: صالح حتى "),
])
async def test_attending_a_course_grants_its_qualification_and_tells_the_volunteer(harness, session_factory, language, granted, page):
    center = await make_center(session_factory)
    admin = harness.person(COORDINATOR_ID)
    await register(admin, "en", name="Admin")
    [defined] = await admin.send("/newqual first-aid | الإسعافات الأولية | First aid | 24")
    assert defined.text.startswith("✅ Qualification <b>First aid</b> (<code>first-aid</code>) defined.")
    opportunity, [shift] = await make_opportunity(
        session_factory, center=center, starts=[harness.now + timedelta(hours=2)], hours=2, category="training",
        title_ar="دورة الإسعافات الأولية", title_en="First aid course")
    [linked] = await admin.send(f"/oppqual {opportunity.ref} grants first-aid")
    assert linked.text == "✅ Attending <b>First aid course</b> now grants <b>First aid</b>."

    sara = harness.person(701)
    await register(sara, language)
    [empty] = await sara.send("/qualifications")
    assert ("You hold no qualification yet" if language == "en" else "لا تحمل أي مؤهل بعد") in empty.text
    await sara.press_data(cd.SignUp(shift.id).data)
    harness.advance(hours=2)
    await sara.share_location(*SITE)
    await deliver(harness)
    assert await held(session_factory, 701) == []  # checked in is not attended yet
    harness.advance(hours=1, minutes=50)
    await check_out(sara)
    await deliver(harness)

    [grant] = await held(session_factory, 701)
    assert grant.source == "course" and grant.expires_at == add_months(grant.granted_at, 24)
    assert grant.granted_at.date().isoformat() == "2026-12-01"
    assert sara.last().text.startswith(granted)
    if language == "ar":
        assert "الجمعة 1 ديسمبر 2028" in sara.last().text and "هـ" in sara.last().text  # Gregorian and Hijri
    [shown] = await sara.send("/qualifications")
    assert page in shown.text and ("AH)" in shown.text if language == "en" else "هـ)" in shown.text)


async def test_leaving_a_course_within_its_first_minute_grants_nothing(harness, session_factory):
    center = await make_center(session_factory)
    qualification = await define(session_factory)
    _, shift = await course(harness, session_factory, center, qualification)
    sara = harness.person(701)
    await register(sara, "en")
    await sara.press_data(cd.SignUp(shift.id).data)
    harness.advance(hours=2)
    await sara.share_location(*SITE)
    harness.advance(seconds=30)
    await check_out(sara)  # no minute credited: not attended
    assert await held(session_factory, 701) == []


@pytest.mark.parametrize(("language", "refusal", "button"), [
    ("en", "Sorry, this opportunity requires a qualification you do not hold yet:\n• <b>First aid</b>\n"
           "  Take the course <b>First aid course</b>: next session ", "🎓 Sign up for the course: Wednesday 2 December 2026"),
    ("ar", "عذرًا، تتطلب هذه الفرصة مؤهلًا لا تحمله بعد:\n• <b>الإسعافات الأولية</b>\n"
           "  التحق بدورة <b>دورة الإسعافات الأولية</b>: أقرب موعد ", "🎓 سجّلني في الدورة: الأربعاء 2 ديسمبر 2026"),
])
async def test_a_missing_qualification_is_refused_with_a_button_to_the_next_course_session(harness, session_factory, language, refusal, button):
    center = await make_center(session_factory)
    qualification = await define(session_factory)
    _, course_shift = await course(harness, session_factory, center, qualification, in_hours=24)
    _, shift = await gated(harness, session_factory, center, qualification)
    sara = harness.person(701)
    await register(sara, language)
    [refused] = await sara.press_data(cd.SignUp(shift.id).data)
    assert refused.text.startswith(refusal)
    assert [b["callback_data"] for b in refused.inline_buttons()] == [cd.SignUp(course_shift.id).data]
    assert refused.labels()[0].startswith(button)
    [waitlist] = await sara.press_data(cd.JoinWaitlist(shift.id).data)  # the waitlist asks the same
    assert waitlist.text.startswith(refusal)
    [signed] = await sara.press_data(cd.SignUp(course_shift.id).data)
    assert signed.text.startswith("✅")
    async with session_factory() as session:
        assert [s.shift_id for s in (await session.execute(select(Signup))).scalars()] == [course_shift.id]


@pytest.mark.parametrize(("language", "none"), [
    ("en", "No course session is scheduled yet; ask your center's coordinator."),
    ("ar", "لا توجد دورة مجدولة بعد؛ اسأل منسق مركزك."),
])
async def test_without_a_course_scheduled_the_refusal_says_so(harness, session_factory, language, none):
    center = await make_center(session_factory)
    qualification = await define(session_factory)
    _, shift = await gated(harness, session_factory, center, qualification)
    sara = harness.person(701)
    await register(sara, language)
    [refused] = await sara.press_data(cd.SignUp(shift.id).data)
    assert refused.text.endswith(none) and refused.inline_buttons() == []


@pytest.mark.parametrize(("language", "expiry"), [
    ("en", "• <b>First aid</b>: yours expires on Friday 1 January 2027 (23 Rajab 1448 AH), before this shift ends."),
    ("ar", "• <b>الإسعافات الأولية</b>: ينتهي مؤهلك في الجمعة 1 يناير 2027"),
])
async def test_a_qualification_expiring_before_the_shift_ends_counts_as_missing(harness, session_factory, language, expiry):
    center = await make_center(session_factory)
    qualification = await define(session_factory, QualificationDraft("first-aid", "الإسعافات الأولية", "First aid", 1))
    # The shift starts an hour before the qualification expires and ends two hours after.
    _, shift = await gated(harness, session_factory, center, qualification, in_hours=31 * 24 - 1)
    _, early = await gated(harness, session_factory, center, qualification, in_hours=24)
    sara = harness.person(701)
    await register(sara, language)
    async with session_factory() as session, session.begin():
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 701))).scalar_one()
        await grant_by_hand(session, volunteer=volunteer, qualification=await session.get(Qualification, qualification.id),
                            reason="outside certificate", actor_telegram_id=COORDINATOR_ID, now=harness.now)
    [refused] = await sara.press_data(cd.SignUp(shift.id).data)
    assert expiry in refused.text
    [accepted] = await sara.press_data(cd.SignUp(early.id).data)  # valid through that one
    assert accepted.text.startswith("✅")


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_coordinator_grants_and_revokes_by_hand_audited_and_the_volunteer_is_told(harness, session_factory, language):
    center = await make_center(session_factory)
    qualification = await define(session_factory)
    _, shift = await gated(harness, session_factory, center, qualification)
    coordinator = await make_person(harness, 900, role="coordinator", centers=[center], language="en", name="Coord")
    sara = harness.person(701)
    await register(sara, language)
    [refused] = await sara.press_data(cd.SignUp(shift.id).data)
    assert refused.text.startswith("Sorry" if language == "en" else "عذرًا")

    boss = harness.person(coordinator.telegram_id)
    [done] = await boss.send("/grantqual 701 first-aid Red Crescent certificate")
    assert done.text == ("✅ Sara now holds <b>First aid</b> (valid until Friday 1 December 2028 (14 Rajab 1450 AH))."
                         " They will be told, with the reason.").replace("Sara", "سارة")
    await deliver(harness)
    told = sara.last().text
    if language == "en":
        assert told.startswith("🎓 A coordinator granted you the qualification <b>First aid</b>.\nReason: Red Crescent certificate\nValid until")
    else:
        assert told.startswith("🎓 منحك أحد المنسقين مؤهل <b>الإسعافات الأولية</b>.\nالسبب: Red Crescent certificate\nصالح حتى")
    [accepted] = await sara.press_data(cd.SignUp(shift.id).data)
    assert accepted.text.startswith("✅")

    [gone] = await boss.send("/revokequal 701 first-aid issued by mistake")
    assert gone.text == "✅ <b>First aid</b> withdrawn from سارة. They will be told, with the reason."
    await deliver(harness)
    assert sara.last().text.startswith("A coordinator withdrew your qualification <b>First aid</b>.\nReason: issued by mistake"
                                       if language == "en" else "سحب أحد المنسقين مؤهلك <b>الإسعافات الأولية</b>.\nالسبب: issued by mistake")
    [again] = await boss.send("/revokequal 701 first-aid issued by mistake")
    assert again.text == "سارة does not hold <b>First aid</b>, so there is nothing to withdraw."
    [no_reason] = await boss.send("/grantqual 701 first-aid ok")
    assert no_reason.text == "Please add a short reason (at least 3 characters) after the qualification code."
    lines = [(a.action, a.actor_telegram_id, a.allowed) for a in await audit(harness) if a.action.startswith("qualification.")]
    assert lines == [("qualification.define", None, True), ("qualification.grant", 900, True), ("qualification.revoke", 900, True)]
    [row] = await held(session_factory, 701)
    assert (row.revoked_by_telegram_id, row.revoke_reason, row.reason) == (900, "issued by mistake", "Red Crescent certificate")
    [page] = await sara.send("/qualifications")
    assert "First aid" not in page.text and "الإسعافات" not in page.text


@pytest.mark.parametrize(("language", "stranger", "other"), [
    ("en", "Sorry, this is only for the program's coordinators.", "Sorry, you do not manage this center, so you cannot do that."),
    ("ar", "عذرًا، هذه الخدمة لمنسقي البرنامج فقط.", None),
])
async def test_a_stranger_and_another_centers_coordinator_are_refused_grantqual(harness, session_factory, language, stranger, other):
    center = await make_center(session_factory)
    elsewhere = await make_center(session_factory, code="other", name_ar="مركز آخر", name_en="Other Center")
    await define(session_factory)
    sara = harness.person(701)
    await register(sara, language)
    omar = await make_person(harness, 702, center=center, language=language)
    [refused] = await harness.person(omar.telegram_id).send("/grantqual 701 first-aid I say so")
    assert refused.text == stranger
    assert await held(session_factory, 701) == []
    if other is not None:
        await make_person(harness, 901, role="coordinator", centers=[elsewhere], language="en")
        [refused] = await harness.person(901).send("/grantqual 701 first-aid outside certificate")
        assert refused.text == other
    refusals = [(a.action, a.actor_telegram_id) for a in await audit(harness, allowed=False)]
    assert ("qualification.grant", 702) in refusals
    [newqual] = await harness.person(omar.telegram_id).send("/newqual cpr | إنعاش | CPR | 12")
    assert newqual.text == stranger
    async with session_factory() as session:
        assert (await session.execute(select(Qualification).where(Qualification.code == "cpr"))).first() is None


async def test_waitlist_promotion_skips_a_volunteer_no_longer_qualified(harness, session_factory):
    """Decision: promotion passes over a waitlisted volunteer who lacks a required qualification
    (it lapsed or was withdrawn since they joined); they keep their place in line."""
    center = await make_center(session_factory)
    qualification = await define(session_factory)
    _, shift = await gated(harness, session_factory, center, qualification, capacity=1)
    now = harness.now
    async with session_factory() as session, session.begin():
        q = await session.get(Qualification, qualification.id)
        people = []
        for telegram_id in (801, 802, 803):
            person = Volunteer(telegram_id=telegram_id, onboarding_step=None, gender="male", center_id=center.id,
                               display_name=f"V{telegram_id}", registered_at=now - timedelta(days=30), language="en")
            session.add(person)
            await session.flush()
            person.onboarding_step = None  # an explicit None at construction would be replaced by the default
            await grant_by_hand(session, volunteer=person, qualification=q, reason="certificate", actor_telegram_id=COORDINATOR_ID, now=now)
            people.append(person)
        first, lapsed, next_in_line = people
        seat = await sign_up(session, volunteer=first, shift_id=shift.id, now=now)
        await sign_up(session, volunteer=lapsed, shift_id=shift.id, now=now, join_waitlist=True)
        await sign_up(session, volunteer=next_in_line, shift_id=shift.id, now=now + timedelta(seconds=1), join_waitlist=True)
    async with session_factory() as session, session.begin():
        grant = (await session.execute(select(VolunteerQualification).where(VolunteerQualification.volunteer_id == lapsed.id))).scalar_one()
        grant.expires_at = now + timedelta(days=1)  # lapses before the shift ends
    # The seat holder gives it up in the chat; the first in line who still qualifies gets it.
    holder = harness.person(801)
    await holder.send("/my")
    await holder.press_data(cd.CancelConfirmed(seat.signup.id).data)
    await deliver(harness)
    await deliver(harness)  # a chat gets one message a second: the grant's notice went first
    promoted = "🎉 Good news! A seat opened up and it is yours: <b>First aid in the courtyards</b>"
    assert harness.person(803).last_text().startswith(promoted)
    assert not any(m.text.startswith("🎉") for m in harness.telegram.to(802))
    async with session_factory() as session:
        statuses = {s.volunteer_id: s.status for s in (await session.execute(select(Signup))).scalars()}
    assert statuses == {first.id: "cancelled", lapsed.id: "waitlisted", next_in_line.id: "confirmed"}


def test_months_are_calendar_months_and_definitions_are_checked():
    assert add_months(datetime(2026, 1, 31, 10, tzinfo=UTC), 1) == datetime(2026, 2, 28, 10, tzinfo=UTC)
    assert add_months(datetime(2026, 12, 1, tzinfo=UTC), 24) == datetime(2028, 12, 1, tzinfo=UTC)
    assert parse_definition("First-Aid | الإسعافات | First aid | ٢٤") == QualificationDraft("first-aid", "الإسعافات", "First aid", 24)
    assert parse_definition("cpr | إنعاش | CPR |") == QualificationDraft("cpr", "إنعاش", "CPR", None)
    assert parse_definition("x | a | b | 3") == "code"
    assert parse_definition("cpr | a | b | many") == "months"
    assert parse_definition("cpr only") == "format"


async def test_the_demo_has_a_course_and_a_post_that_requires_it_and_seeding_again_adds_nothing(harness, session_factory):
    from models.course_demo import COURSE_REF, POST_REF
    from models.demo_data import seed_demo_data
    from models.tables import CourseQualification, RequiredQualification, Shift

    zone = harness.app.bot_data.services.settings.zone
    for _ in range(2):
        async with session_factory() as session, session.begin():
            await seed_demo_data(session, now=harness.now, zone=zone)
    async with session_factory() as session:
        [qualification] = (await session.execute(select(Qualification))).scalars()
        [course_link] = (await session.execute(select(CourseQualification))).scalars()
        [required] = (await session.execute(select(RequiredQualification))).scalars()
        refs = {o.id: o.ref for o in (await session.execute(select(Opportunity))).scalars()}
        post_shifts = [s for s in (await session.execute(select(Shift))).scalars() if refs[s.opportunity_id] == POST_REF]
    assert (qualification.code, refs[course_link.opportunity_id], refs[required.opportunity_id]) == ("first-aid", COURSE_REF, POST_REF)
    assert len(post_shifts) == 2
    await make_person(harness, 701, language="en")
    await harness.person(701).send("/qualifications")
    [refused] = await harness.person(701).press_data(cd.SignUp(min(post_shifts, key=lambda s: s.starts_at).id).data)
    assert "Take the course <b>First aid course</b>" in refused.text and refused.labels()[0].startswith("🎓 Sign up for the course")


async def test_a_course_record_pending_review_grants_once_a_coordinator_keeps_it(harness, session_factory):
    from models.attendance_review import keep_as_is
    from models.tables import Attendance

    center = await make_center(session_factory)
    qualification = await define(session_factory)
    _, shift = await course(harness, session_factory, center, qualification, in_hours=-3)
    await make_person(harness, 701, center=center, language="en")
    async with session_factory() as session, session.begin():
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 701))).scalar_one()
        signup = Signup(shift_id=shift.id, volunteer_id=volunteer.id, status="confirmed", signed_up_at=harness.now - timedelta(days=1))
        session.add(signup)
        await session.flush()
        # A forgotten check-out the sweep closed: its minutes wait for a coordinator.
        record = Attendance(signup_id=signup.id, shift_id=shift.id, volunteer_id=volunteer.id, checked_in_at=shift.starts_at,
                            checked_out_at=shift.ends_at, method="location", credited_minutes=120, flagged=True, flag_reason="auto_checkout")
        session.add(record)
    assert await held(session_factory, 701) == []
    async with session_factory() as session, session.begin():
        await keep_as_is(session, attendance_id=record.id, actor_telegram_id=COORDINATOR_ID, now=harness.now)
    [grant] = await held(session_factory, 701)
    assert (grant.source, grant.attendance_id, grant.granted_at) == ("course", record.id, shift.ends_at)
    await deliver(harness)
    assert harness.person(701).last().text.startswith("🎓 Well done! You completed <b>First aid course</b>")


async def test_oppqual_links_within_the_coordinators_centers_only_a_training_is_a_course_and_newqual_lists(harness, session_factory):
    center = await make_center(session_factory)
    await define(session_factory)
    opportunity, _ = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)])
    admin = harness.person(COORDINATOR_ID)
    await register(admin, "en", name="Admin")
    [refused] = await admin.send(f"/oppqual {opportunity.ref} grants first-aid")
    assert refused.text == "Only an opportunity in the Training category can be a course."
    elsewhere = await make_center(session_factory, code="other", name_ar="مركز آخر", name_en="Other Center")
    await make_person(harness, 901, role="coordinator", centers=[elsewhere], language="en")
    [outsider] = await harness.person(901).send(f"/oppqual {opportunity.ref} requires first-aid")
    assert outsider.text == "Sorry, you do not manage this center, so you cannot do that."
    [required] = await admin.send(f"/oppqual {opportunity.ref} requires first-aid")
    assert required.text == "✅ Only volunteers holding <b>First aid</b> can now sign up for <b>Serving the pilgrims</b>."
    [usage] = await admin.send("/newqual")
    assert usage.text.endswith("Qualifications:\n• <code>first-aid</code>: First aid (24 months)")
    [bad] = await admin.send("/newqual cpr | إنعاش | CPR | forever")
    assert bad.text.startswith("The validity is a whole number of months (at most 120), or empty for no end date.")


@pytest.mark.parametrize(("language", "refusal"), [
    ("en", "Sara cannot join <b>First aid in the courtyards</b> as a walk-in: it requires <b>First aid</b>, valid until its end."),
    ("ar", "لا يمكن إضافة Sara إلى <b>إسعاف في الساحات</b> حضورًا دون تسجيل مسبق: فهي تتطلب مؤهل <b>الإسعافات الأولية</b> صالحًا حتى نهايتها."),
])
async def test_a_walk_in_without_the_qualification_is_not_seated_by_a_pass_scan(harness, session_factory, language, refusal):
    import re

    center = await make_center(session_factory)
    qualification = await define(session_factory)
    _, shift = await gated(harness, session_factory, center, qualification, in_hours=0.25)
    await make_person(harness, 900, role="coordinator", centers=[center], language=language, name="Khalid")
    await make_person(harness, 701, center=center, gender="female", language=language, name="Sara")
    [pass_card] = await harness.person(701).send("/pass")
    token = re.search(r"start=pass-([A-Za-z0-9_-]+)", pass_card.text).group(1)  # type: ignore[union-attr]
    coordinator = harness.person(900)
    card = (await coordinator.send(f"/start pass-{token}"))[-1]
    [answer] = await coordinator.press_data(cd.PassCheckIn(token, shift.id, "0").data, card)
    assert answer.text == refusal
    async with session_factory() as session:
        assert (await session.execute(select(Signup))).first() is None


@pytest.mark.parametrize(("language", "requires", "grants"), [
    ("en", "🎓 Requires: First aid", "🎓 Attending grants the qualification: First aid"),
    ("ar", "🎓 تتطلب مؤهل: الإسعافات الأولية", "🎓 حضورها يمنح مؤهل: الإسعافات الأولية"),
])
async def test_an_opportunitys_detail_says_what_it_requires_and_what_it_grants(harness, session_factory, language, requires, grants):
    center = await make_center(session_factory)
    qualification = await define(session_factory)
    training, _ = await course(harness, session_factory, center, qualification, in_hours=24)
    post, _ = await gated(harness, session_factory, center, qualification)
    sara = harness.person(701)
    await register(sara, language)
    [shown] = await sara.press_data(cd.ShowOpportunity(post.id, cd.Browse()).data)
    assert requires in shown.text and grants not in shown.text
    [shown] = await sara.press_data(cd.ShowOpportunity(training.id, cd.Browse()).data)
    assert grants in shown.text and requires not in shown.text


@pytest.mark.parametrize(("language", "expired", "renew"), [
    ("en", "⚠️ <b>First aid</b>: expired on Friday 1 January 2027 (23 Rajab 1448 AH)", "🎓 Renew First aid: "),
    ("ar", "⚠️ <b>الإسعافات الأولية</b>: انتهى في الجمعة 1 يناير 2027", "🎓 تجديد الإسعافات الأولية: "),
])
async def test_the_qualifications_page_offers_to_renew_an_expired_one(harness, session_factory, language, expired, renew):
    center = await make_center(session_factory)
    qualification = await define(session_factory, QualificationDraft("first-aid", "الإسعافات الأولية", "First aid", 1))
    _, session_shift = await course(harness, session_factory, center, qualification, in_hours=40 * 24)
    sara = harness.person(701)
    await register(sara, language)
    async with session_factory() as session, session.begin():
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 701))).scalar_one()
        await grant_by_hand(session, volunteer=volunteer, qualification=await session.get(Qualification, qualification.id),
                            reason="outside certificate", actor_telegram_id=COORDINATOR_ID, now=harness.now)
    [valid] = await sara.send("/qualifications")
    assert valid.text.startswith("<b>🎓 Your qualifications</b>\n✅" if language == "en" else "<b>🎓 مؤهلاتك</b>\n✅")
    assert valid.inline_buttons() == []
    harness.advance(days=32)
    [page] = await sara.send("/qualifications")
    assert expired in page.text
    assert page.labels()[0].startswith(renew) and [b["callback_data"] for b in page.inline_buttons()] == [cd.SignUp(session_shift.id).data]


async def test_correcting_a_course_record_does_not_grant_again_what_a_coordinator_withdrew(harness, session_factory):
    from models.corrections import correct_times
    from models.qualifications import revoke_by_hand
    from models.tables import Attendance

    center = await make_center(session_factory)
    qualification = await define(session_factory)
    _, shift = await course(harness, session_factory, center, qualification)
    sara = harness.person(701)
    await register(sara, "en")
    await sara.press_data(cd.SignUp(shift.id).data)
    harness.advance(hours=2)
    await sara.share_location(*SITE)
    harness.advance(hours=1)
    await check_out(sara)
    [grant] = await held(session_factory, 701)
    async with session_factory() as session, session.begin():
        volunteer = await session.get(Volunteer, grant.volunteer_id)
        q = await session.get(Qualification, qualification.id)
        await revoke_by_hand(session, volunteer=volunteer, qualification=q, reason="left after ten minutes",
                             actor_telegram_id=COORDINATOR_ID, now=harness.now)
        record = (await session.execute(select(Attendance))).scalar_one()
        await correct_times(session, attendance_id=record.id, checked_in_at=shift.starts_at, checked_out_at=shift.starts_at + timedelta(hours=1),
                            reason="times from the sheet", actor_telegram_id=COORDINATOR_ID, now=harness.now, grace_minutes=15)
    [still] = await held(session_factory, 701)
    assert still.revoked_at is not None and still.revoke_reason == "left after ten minutes"


@pytest.mark.parametrize(("language", "refusal"), [
    ("en", "Sorry, <b>First aid in the courtyards</b> requires a qualification you no longer hold until its end, so the seat goes"),
    ("ar", "عذرًا، تتطلب <b>إسعاف في الساحات</b> مؤهلًا لم يعد صالحًا لديك حتى نهايتها"),
])
async def test_a_seat_offered_before_the_qualification_was_withdrawn_cannot_be_accepted(harness, session_factory, language, refusal):
    from models.qualifications import revoke_by_hand

    center = await make_center(session_factory)
    qualification = await define(session_factory)
    _, shift = await gated(harness, session_factory, center, qualification, in_hours=2, capacity=1)  # offers, not seats, now
    now = harness.now
    async with session_factory() as session, session.begin():
        q = await session.get(Qualification, qualification.id)
        people = []
        for telegram_id in (801, 802, 803):
            person = Volunteer(telegram_id=telegram_id, onboarding_step=None, gender="male", center_id=center.id,
                               display_name=f"V{telegram_id}", registered_at=now - timedelta(days=30), language=language)
            session.add(person)
            await session.flush()
            person.onboarding_step = None  # an explicit None at construction would be replaced by the default
            await grant_by_hand(session, volunteer=person, qualification=q, reason="certificate", actor_telegram_id=COORDINATOR_ID, now=now)
            people.append(person)
        seat = await sign_up(session, volunteer=people[0], shift_id=shift.id, now=now)
        offered = await sign_up(session, volunteer=people[1], shift_id=shift.id, now=now, join_waitlist=True)
        await sign_up(session, volunteer=people[2], shift_id=shift.id, now=now + timedelta(seconds=1), join_waitlist=True)
    holder = harness.person(801)
    await holder.send("/my")
    await holder.press_data(cd.CancelConfirmed(seat.signup.id).data)  # the seat is offered to 802
    async with session_factory() as session, session.begin():
        await revoke_by_hand(session, volunteer=people[1], qualification=await session.get(Qualification, qualification.id),
                             reason="certificate withdrawn", actor_telegram_id=COORDINATOR_ID, now=harness.now)
    late = harness.person(802)
    await late.send("/my")
    [answer] = await late.press_data(cd.OfferAnswer(offered.signup.id, "yes").data)
    assert answer.text.startswith(refusal)
    async with session_factory() as session:
        statuses = {s.volunteer_id: s.status for s in (await session.execute(select(Signup))).scalars()}
    assert statuses == {people[0].id: "cancelled", people[1].id: "cancelled", people[2].id: "offered"}
