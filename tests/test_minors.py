"""Minors and guardians (issue 13): the year of birth at onboarding, a guardian's consent before a
minor's first sign-up (by link or on paper), its withdrawal, and an opportunity's minimum age."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from bot.sender import drain_once
from handlers import callback_data as cd
from models.ages import BirthYearMode, age_on, parse_birth_year
from models.opportunity_csv import COLUMNS, ImportErrors, parse_csv
from models.tables import (
    ConsentStatus,
    GuardianConsent,
    Opportunity,
    Signup,
    SignupStatus,
    Volunteer,
)
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center, make_opportunity
from tests.journey import register

MINOR, GUARDIAN, ADULT, STRANGER, OTHER_COORDINATOR, COORDINATOR = 7_100, 7_101, 7_102, 7_103, 7_104, 7_105
LINK = re.compile(r"start=g-([A-Za-z0-9_-]+)")

ASK_CONSENT = {
    "en": "You are under 18, so a parent or guardian must agree before your first sign-up.",
    "ar": "عمرك دون 18 عامًا، لذا يلزم أن يوافق أحد والديك أو وليّ أمرك قبل تسجيلك الأول.",
}
GIVEN = {
    "en": "✅ Your guardian gave their consent. You can now sign up for opportunities: /opportunities",
    "ar": "✅ وافق وليّ أمرك. يمكنك الآن التسجيل في الفرص التطوعية: /opportunities",
}
SIGNED_UP = {"en": "✅ You are signed up for", "ar": "✅ تم تسجيلك في"}


def settings_of(harness):  # type: ignore[no-untyped-def]
    return harness.app.bot_data.services.settings


async def deliver_notices(harness) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        harness.advance(seconds=1)
        await drain_once(harness.app)


async def program(harness, *, capacity: int = 5, min_age: int | None = None):  # type: ignore[no-untyped-def]
    factory = sessions(harness)
    center = await make_center(factory)
    opportunity, (shift,) = await make_opportunity(factory, center=center, starts=[harness.now + timedelta(days=3)], capacity=capacity)
    if min_age is not None:
        async with factory() as session, session.begin():
            (await session.get(Opportunity, opportunity.id)).min_age = min_age  # type: ignore[union-attr]
    return center, shift


async def consent_row(harness, telegram_id: int) -> GuardianConsent | None:  # type: ignore[no-untyped-def]
    async with sessions(harness)() as session:
        query = select(GuardianConsent).join(Volunteer, Volunteer.id == GuardianConsent.volunteer_id).where(Volunteer.telegram_id == telegram_id)  # type: ignore[arg-type]
        return (await session.execute(query)).scalar_one_or_none()


def link_code(text: str) -> str:
    found = LINK.search(text)
    assert found is not None, text
    return found.group(1)


# --- the year of birth ---------------------------------------------------------------------------


def test_an_age_is_the_youngest_the_volunteer_can_be_on_the_day_of_the_shift(harness):  # type: ignore[no-untyped-def]
    # Born in 2008: 17 throughout 2026 (the birthday may be on 31 December), 18 from 1 January 2027.
    assert age_on(2008, harness.now) == 17 and age_on(2008, harness.now + timedelta(days=31)) == 18
    assert parse_birth_year("٢٠٠٨", now=harness.now) == 2008 and parse_birth_year("۱۹۹۰ ", now=harness.now) == 1990


@pytest.mark.parametrize(
    ("language", "question", "four_digits", "range_text"),
    [
        ("en", "In which year were you born?", "Please type your year of birth in four digits, for example 2001.",
         "Please type a year of birth between 1926 and 2021."),
        ("ar", "في أي عام وُلدت؟", "يُرجى كتابة عام ميلادك بأربعة أرقام، مثل 2001.", "يُرجى كتابة عام ميلاد بين 1926 و2021."),
    ],
)
async def test_the_year_of_birth_is_required_by_default_and_checked(harness, language, question, four_digits, range_text):  # type: ignore[no-untyped-def]
    await make_center(sessions(harness))
    reem = harness.person(MINOR)
    await reem.send("/start")
    await reem.press("العربية" if language == "ar" else "English")
    [asked] = await reem.send("Reem")
    assert asked.text.startswith(question) and asked.reply_keyboard() == []  # no Skip when required
    assert [m.text for m in await reem.send("Skip" if language == "en" else "تخطي")] == [four_digits]
    assert [m.text for m in await reem.send("08")] == [four_digits]
    assert [m.text for m in await reem.send("1850")] == [range_text]
    [phone] = await reem.send("٢٠١٠")  # Arabic-Indic digits, as an Arabic keyboard types them
    assert phone.reply_keyboard()[0].get("request_contact") is True
    async with sessions(harness)() as session:
        stored = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == MINOR))).scalar_one()  # type: ignore[arg-type]
    assert stored.birth_year == 2010


@pytest.mark.parametrize(("language", "skip"), [("en", "Skip"), ("ar", "تخطي")])
async def test_an_optional_year_of_birth_has_a_skip_button(harness, language, skip):  # type: ignore[no-untyped-def]
    settings_of(harness).birth_year_mode = BirthYearMode.OPTIONAL
    await make_center(sessions(harness))
    omar = harness.person(ADULT)
    await omar.send("/start")
    await omar.press("العربية" if language == "ar" else "English")
    [asked] = await omar.send("Omar")
    assert [b["text"] for b in asked.reply_keyboard()] == [skip]
    [phone] = await omar.send(skip)
    assert phone.reply_keyboard()[0].get("request_contact") is True
    await omar.send(skip)
    await omar.press("مركز حي العوالي" if language == "ar" else "Al-Awali Center")
    [_, welcome] = await omar.press("رجل" if language == "ar" else "Male")
    assert "Omar" in welcome.text
    async with sessions(harness)() as session:
        stored = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == ADULT))).scalar_one()  # type: ignore[arg-type]
    assert stored.birth_year is None and stored.registered_at is not None


async def test_with_the_year_of_birth_off_the_name_is_followed_by_the_phone(harness):  # type: ignore[no-untyped-def]
    settings_of(harness).birth_year_mode = BirthYearMode.OFF
    await make_center(sessions(harness))
    omar = harness.person(ADULT)
    await omar.send("/start")
    await omar.press("English")
    [phone] = await omar.send("Omar")
    assert phone.text.startswith("Would you like to share your phone number?")
    await register(harness.person(ADULT + 50), "en", birth_year=None)
    assert harness.person(ADULT + 50).last_text().startswith("You are registered")


# --- a guardian's consent ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_minor_is_refused_until_a_guardian_consents(harness, language):  # type: ignore[no-untyped-def]
    _, shift = await program(harness)
    reem = harness.person(MINOR)
    await register(reem, language, name="Reem Al-Qahtani", birth_year="2010")
    # Right after registering, the minor is given the link for their guardian, with a share button.
    told = reem.last()
    assert told.text.startswith(ASK_CONSENT[language])
    code = link_code(told.text)
    [share] = told.inline_buttons()
    assert share["url"].startswith("https://t.me/share/url?url=") and f"start=g-{code}" in unquote(share["url"])

    [refused] = await reem.press_data(cd.SignUp(shift.id).data)
    assert refused.text.startswith(ASK_CONSENT[language]) and link_code(refused.text) == code  # the same link

    # Their own account cannot consent: neither the link nor a forged button.
    [own] = await reem.send(f"/start g-{code}")
    assert "cannot give consent for yourself" in own.text or "لا يمكنك الموافقة عن نفسك" in own.text
    await reem.press_data(cd.GuardianAnswer("yes", code).data)
    assert (await consent_row(harness, MINOR)).status == ConsentStatus.PENDING  # type: ignore[union-attr]

    # The guardian need not be a volunteer: they open the link and see what they consent to.
    mother = harness.person(GUARDIAN, "Nora", language_code=language)
    [page] = await mother.send(f"/start g-{code}")
    assert "Reem" in page.text and "Al-Qahtani" not in page.text  # the first name only
    if language == "en":
        assert page.text.startswith("<b>Consent for a minor to volunteer</b>") and "What the program keeps about them" in page.text
    else:
        assert page.text.startswith("<b>موافقة على تطوع قاصر</b>") and "ما يحفظه البرنامج عنه" in page.text
    [thanked] = await mother.press(page.labels()[0], page)
    assert "Reem" in thanked.text and thanked.labels() == (["Withdraw my consent"] if language == "en" else ["سحب موافقتي"])

    stored = await consent_row(harness, MINOR)
    assert stored is not None and stored.status == ConsentStatus.GRANTED and stored.method == "telegram"
    assert stored.guardian_telegram_id == GUARDIAN and stored.granted_at == harness.now
    assert [(a.action, a.actor_telegram_id) for a in await audit(harness) if a.action.startswith("consent")] == [("consent.grant", GUARDIAN)]

    await deliver_notices(harness)
    assert reem.last_text() == GIVEN[language]
    [seated] = await reem.press_data(cd.SignUp(shift.id).data)
    assert seated.text.startswith(SIGNED_UP[language])


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_withdrawn_consent_cancels_upcoming_seats_and_blocks_new_ones(harness, language):  # type: ignore[no-untyped-def]
    _, shift = await program(harness, capacity=1)
    reem, mother, adult = harness.person(MINOR), harness.person(GUARDIAN, language_code=language), harness.person(ADULT)
    await register(reem, language, name="Reem", birth_year="2011")
    code = link_code(reem.last_text())
    [page] = await mother.send(f"/start g-{code}")
    await mother.press(page.labels()[0], page)
    await deliver_notices(harness)
    await reem.press_data(cd.SignUp(shift.id).data)  # the only seat
    await register(adult, "en", name="Omar", gender="female")
    await adult.press_data(cd.JoinWaitlist(shift.id).data)

    # Opening the link again shows the consent given, and the way to withdraw it.
    [again] = await mother.send(f"/start g-{code}")
    withdraw = "Withdraw my consent" if language == "en" else "سحب موافقتي"
    assert again.labels() == [withdraw]
    [confirm] = await mother.press(withdraw, again)
    [done] = await mother.press("Yes, withdraw" if language == "en" else "نعم، اسحبها", confirm)
    assert "Reem" in done.text and done.labels() == []

    async with sessions(harness)() as session:
        seats = {s.volunteer_id: s.status for s in (await session.execute(select(Signup))).scalars()}
    minor_id, adult_id = sorted(seats)
    assert seats == {minor_id: SignupStatus.CANCELLED, adult_id: SignupStatus.CONFIRMED}
    stored = await consent_row(harness, MINOR)
    assert stored is not None and stored.status == ConsentStatus.WITHDRAWN and stored.code != code

    await deliver_notices(harness)
    withdrawn = [m.text for m in reem.messages() if "withdrew" in m.text or "سحب" in m.text]
    if language == "en":
        assert withdrawn == ["Your guardian withdrew their consent, so you cannot sign up for new shifts for now.\n"
                             "Your place on 1 upcoming shift was cancelled.\n"
                             "If your guardian agrees again, send /consent for a new link to send them."]
    else:
        assert len(withdrawn) == 1 and "أُلغي مكانك في وردية قادمة واحدة." in withdrawn[0]
    # New sign-ups are refused again, with a new link; the old one no longer works.
    [refused] = await reem.press_data(cd.SignUp(shift.id).data)
    assert refused.text.startswith(ASK_CONSENT[language]) and link_code(refused.text) == stored.code
    [stale] = await mother.send(f"/start g-{code}")
    assert stale.text in ("This link is not valid (any more). Please ask for a new one.", "هذا الرابط غير صالح (أو لم يعد صالحًا). يُرجى طلب رابط جديد.")


@pytest.mark.parametrize(
    ("language", "recorded", "not_staff"),
    [
        ("en", "✅ Recorded: a guardian's consent on paper for Reem. They are told and can sign up now.",
         "Sorry, this is only for the program's coordinators."),
        ("ar", "✅ سُجّلت موافقة وليّ أمر ورقية لـ Reem. أُبلغ بذلك ويمكنه التسجيل الآن.", "عذرًا، هذه الخدمة لمنسقي البرنامج فقط."),
    ],
)
async def test_a_coordinator_of_the_minors_center_records_a_paper_consent(harness, language, recorded, not_staff):  # type: ignore[no-untyped-def]
    center, shift = await program(harness)
    other = await make_center(sessions(harness), code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[center], language=language, center=center)
    await make_person(harness, OTHER_COORDINATOR, role="coordinator", centers=[other], language=language, center=other)
    await make_person(harness, STRANGER, language=language, center=center)
    reem = harness.person(MINOR)
    await register(reem, "en", name="Reem", birth_year="2012")

    assert [m.text for m in await harness.person(STRANGER).send(f"/consent {MINOR} paper signed form")] == [not_staff]
    [elsewhere] = await harness.person(OTHER_COORDINATOR).send(f"/consent {MINOR} paper signed form")
    assert elsewhere.text in ("Sorry, you do not manage this center, so you cannot do that.", "عذرًا، أنت لا تدير هذا المركز، فلا يمكنك القيام بذلك.")
    assert (await consent_row(harness, MINOR)) is None or (await consent_row(harness, MINOR)).status == ConsentStatus.PENDING  # type: ignore[union-attr]

    [done] = await harness.person(COORDINATOR).send(f"/consent {MINOR} paper signed form from her father, kept at the center")
    assert done.text == recorded
    stored = await consent_row(harness, MINOR)
    assert stored is not None and (stored.status, stored.method, stored.recorded_by_telegram_id) == (ConsentStatus.GRANTED, "paper", COORDINATOR)
    assert stored.note == "signed form from her father, kept at the center"
    lines = [(a.action, a.actor_telegram_id, a.allowed) for a in await audit(harness) if a.action.startswith("consent")]
    assert lines == [("consent.paper", STRANGER, False), ("consent.paper", OTHER_COORDINATOR, False), ("consent.paper", COORDINATOR, True)]

    await deliver_notices(harness)
    assert reem.last_text() == "✅ A coordinator recorded your guardian's written consent. You can now sign up for opportunities: /opportunities"
    [seated] = await reem.press_data(cd.SignUp(shift.id).data)
    assert seated.text.startswith(SIGNED_UP["en"])


async def test_an_admin_records_a_paper_withdrawal(harness):  # type: ignore[no-untyped-def]
    _, shift = await program(harness)
    reem = harness.person(MINOR)
    await register(reem, "en", name="Reem", birth_year="2012")
    admin = harness.person(COORDINATOR_ID)
    await admin.send(f"/consent {MINOR} paper signed form")
    await reem.press_data(cd.SignUp(shift.id).data)
    [done] = await admin.send(f"/consent {MINOR} withdraw the father called")
    assert done.text == "✅ سُجّل سحب الموافقة لـ Reem؛ وأُلغي مكان قادم واحد. أُبلغ بذلك."  # the admin reads Arabic
    async with sessions(harness)() as session:
        [signup] = (await session.execute(select(Signup))).scalars()
    assert signup.status == SignupStatus.CANCELLED


# --- the minimum age -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "refusal"),
    [("en", "Sorry, <b>Serving the pilgrims</b> is for volunteers aged 18 and over."),
     ("ar", "عذرًا، <b>خدمة ضيوف الرحمن</b> مخصصة لمن بلغوا 18 عامًا فأكثر.")],
)
async def test_a_volunteer_too_young_for_the_opportunity_is_refused(harness, language, refusal):  # type: ignore[no-untyped-def]
    _, shift = await program(harness, min_age=18)
    young = harness.person(MINOR)
    await register(young, language, name="Reem", birth_year="2009")  # 16 on the shift's day
    await harness.person(COORDINATOR_ID).send(f"/consent {MINOR} paper signed form")
    [refused] = await young.press_data(cd.SignUp(shift.id).data)
    assert refused.text == refusal
    adult = harness.person(ADULT)
    await register(adult, language, name="Omar", birth_year="2007")  # 18 (2026 - 2007 - 1)
    [seated] = await adult.press_data(cd.SignUp(shift.id).data)
    assert seated.text.startswith(SIGNED_UP[language])


def test_the_csv_format_takes_an_optional_min_age_column(harness):  # type: ignore[no-untyped-def]
    zone = settings_of(harness).zone
    line = "R1,awali,health,تبرع,Blood drive,,,2026-12-10T16:00,2026-12-10T19:00,10,,,,all"
    [without] = parse_csv(",".join(COLUMNS) + "\n" + line + "\n", zone=zone)
    assert without.min_age is None
    [with_age] = parse_csv(",".join(COLUMNS) + ",min_age\n" + line + ",18\n", zone=zone)
    assert with_age.min_age == 18
    with pytest.raises(ImportErrors) as problems:
        parse_csv(",".join(COLUMNS) + ",min_age\n" + line + ",old\n", zone=zone)
    assert [e.message for e in problems.value.errors] == ["min_age 'old' is not a whole number"]


async def test_a_minor_without_consent_is_not_added_as_a_walk_in(harness):  # type: ignore[no-untyped-def]
    factory = sessions(harness)
    center = await make_center(factory)
    await make_person(harness, COORDINATOR, role="coordinator", centers=[center], language="en", center=center)
    await make_opportunity(factory, center=center, starts=[harness.now + timedelta(minutes=20)])
    reem = harness.person(MINOR)
    await register(reem, "en", name="Reem", birth_year="2011")
    token = re.search(r"start=pass-([A-Za-z0-9_-]+)", (await reem.send("/pass"))[-1].text).group(1)  # type: ignore[union-attr]
    coordinator = harness.person(COORDINATOR)
    await coordinator.send(f"/start pass-{token}")
    [refused] = await coordinator.press("➕ Add as a walk-in and check in")
    assert refused.text.startswith("Reem is under 18 and has no guardian's consent on record yet")
    async with sessions(harness)() as session:
        assert list((await session.execute(select(Signup))).scalars()) == []


@pytest.mark.parametrize(("language", "age_button", "shown"), [("en", "18+", "🔞 For volunteers aged 18 and over."),
                                                                ("ar", "18+", "🔞 لمن بلغوا 18 عامًا فأكثر.")])
async def test_newopp_sets_a_minimum_age_on_its_preview(harness, language, age_button, shown):  # type: ignore[no-untyped-def]
    center = await make_center(sessions(harness))
    await make_person(harness, COORDINATOR, role="coordinator", centers=[center], language=language, center=center)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/newopp")
    for text in ("تبرع بالدم", "Blood drive", "-", "-"):
        await coordinator.send(text)
    labels = {"en": ("Al-Awali Center", "Health", "Everyone", "Skip", "✅ Preview", "🚀 Publish"),
              "ar": ("مركز حي العوالي", "الصحة", "الجميع", "تخطي", "✅ معاينة", "🚀 نشر")}[language]
    for label in labels[:4]:
        await coordinator.press(label)
    await coordinator.send("2026-12-05 16:00-20:00 10")
    [preview] = await coordinator.press(labels[4])
    assert preview.labels()[:4] == (["• Any age", "12+", "16+", "18+"] if language == "en" else ["• أي عمر", "12+", "16+", "18+"])
    [chosen] = await coordinator.press(age_button, preview)
    assert shown in chosen.text and chosen.labels()[3] == "• 18+"
    await coordinator.press(labels[5], chosen)
    async with sessions(harness)() as session:
        [opportunity] = (await session.execute(select(Opportunity))).scalars()
    assert opportunity.min_age == 18
