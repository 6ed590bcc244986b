"""Who sees a phone number (issue 13): admins and the coordinators of the volunteer's own center;
every look at phones (a roster's phones, a record card, an export with phones) is audited; a
spreadsheet shows a phone exactly as it is."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest

from handlers import callback_data as cd
from models.tables import Signup, SignupStatus, Volunteer
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center, make_opportunity

COORDINATOR, HUDA, SALEM = 7_200, 7_201, 7_202
HUDA_PHONE, SALEM_PHONE = "+966501111111", "+966502222222"
LRM = "\u200e"


async def program(harness, *, language: str = "en"):  # type: ignore[no-untyped-def]
    """A coordinator of Al-Awali; a shift of Al-Awali held by Huda (of Al-Awali) and Salem (of Al-Shoqiyah)."""
    factory = sessions(harness)
    awali = await make_center(factory)
    other = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language=language, center=awali)
    huda = await make_person(harness, HUDA, center=awali, name="Huda")
    salem = await make_person(harness, SALEM, center=other, name="Salem")
    _, (shift,) = await make_opportunity(factory, center=awali, starts=[harness.now + timedelta(days=2)])
    async with factory() as session, session.begin():
        for person, phone in ((huda, HUDA_PHONE), (salem, SALEM_PHONE)):
            stored = await session.get(Volunteer, person.id)
            assert stored is not None
            stored.phone = phone
            stored.emergency_name, stored.emergency_phone = f"{person.display_name}'s father", phone[:-1] + "9"
            session.add(Signup(shift_id=shift.id, volunteer_id=person.id, status=SignupStatus.CONFIRMED, signed_up_at=harness.now))
    return shift


@pytest.mark.parametrize(
    ("language", "button", "other_center"),
    [("en", "📱 Phones", "Salem — another center's volunteer"), ("ar", "📱 الهواتف", "Salem — متطوع من مركز آخر")],
)
async def test_a_roster_shows_phones_only_of_the_coordinators_own_center(harness, language, button, other_center):  # type: ignore[no-untyped-def]
    shift = await program(harness, language=language)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/shifts")
    [roster] = await coordinator.press_data(cd.ShiftAction("who", shift.id).data)
    assert "Huda" in roster.text and "Salem" in roster.text and "+966" not in roster.text  # names only
    [phones] = await coordinator.press(button, roster)
    assert f"Huda: <code>{HUDA_PHONE}</code>" in phones.text
    assert other_center in phones.text and SALEM_PHONE not in phones.text
    [line] = [a for a in await audit(harness) if a.action == "roster.phones"]
    assert (line.actor_telegram_id, line.target, line.detail, line.allowed) == (COORDINATOR, f"shift:{shift.id}", "phones shown 1, hidden 1", True)

    # An admin sees every phone (and that look is audited too).
    admin = harness.person(COORDINATOR_ID)
    await admin.send("/shifts")
    [phones] = await admin.press_data(cd.RosterPhones(shift.id).data)
    assert HUDA_PHONE in phones.text and SALEM_PHONE in phones.text
    assert [a.detail for a in await audit(harness) if a.action == "roster.phones"][-1] == "phones shown 2, hidden 0"


async def test_a_coordinator_of_another_center_cannot_open_the_phones(harness):  # type: ignore[no-untyped-def]
    shift = await program(harness)
    outsider_center = await make_center(sessions(harness), code="naseem", name_ar="مركز حي النسيم", name_en="Al-Naseem Center")
    await make_person(harness, 7_299, role="coordinator", centers=[outsider_center], language="en", center=outsider_center)
    outsider = harness.person(7_299)
    await outsider.send("/shifts")
    assert await outsider.press_data(cd.RosterPhones(shift.id).data) == []
    assert harness.telegram.callback_answers[-1]["text"] == "Sorry, you do not manage this center, so you cannot do that."
    assert [(a.action, a.allowed) for a in await audit(harness) if a.action == "roster.phones"] == [("roster.phones", False)]


async def test_a_record_card_shows_the_phone_only_to_the_volunteers_own_center(harness):  # type: ignore[no-untyped-def]
    await program(harness)
    coordinator = harness.person(COORDINATOR)
    [salem] = await coordinator.send(f"/records {SALEM}")  # held a seat in Al-Awali: found, without the phone
    assert salem.text.startswith("🗂 <b>Salem</b>") and SALEM_PHONE not in salem.text and "📱" not in salem.text
    assert "🆘" not in salem.text and "Salem's father" not in salem.text  # nor the emergency contact
    [huda] = await coordinator.send(f"/records {HUDA}")
    assert f"📱 <code>{HUDA_PHONE}</code>" in huda.text
    assert f"🆘 Emergency contact: Huda's father, <code>{HUDA_PHONE[:-1]}9</code>" in huda.text
    views = [(a.target, a.detail) for a in await audit(harness) if a.action == "records.view"]
    assert views == [(f"volunteer:{SALEM}", "phones shown 0, hidden 1"), (f"volunteer:{HUDA}", "phones shown 1, hidden 0")]


async def test_an_export_with_phones_is_audited_and_shows_each_phone_as_it_is(harness):  # type: ignore[no-untyped-def]
    await program(harness)
    coordinator = harness.person(COORDINATOR)
    sent = await coordinator.send("/export volunteers csv 2026-01-01 2026-12-31 awali")
    header, *rows = list(csv.reader(io.StringIO((sent[-1].file or b"").decode("utf-8-sig"))))
    phone = header.index("phone")
    # Al-Awali's volunteers only (Huda and the coordinator): never Salem, of another center.
    assert sorted(r[phone] for r in rows) == [LRM + "+966500000000", LRM + HUDA_PHONE]
    assert all(not r[phone].startswith(("'", "+", "=", "-", "@")) for r in rows)
    assert SALEM_PHONE.lstrip("+") not in (sent[-1].file or b"").decode("utf-8-sig")

    sent = await coordinator.send("/export hours xlsx 2026-01-01 2026-12-31 awali")
    with zipfile.ZipFile(io.BytesIO(sent[-1].file or b"")) as book:
        strings = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else ""
        sheet = "".join(book.read(name).decode() for name in book.namelist() if name.startswith("xl/worksheets/"))
    assert "<f>" not in sheet and "'+966" not in strings + sheet  # strings, no formula, no apostrophe

    exports = [(a.target, a.detail) for a in await audit(harness) if a.action == "export.data"]
    assert exports == [("volunteers csv 2026-01-01 2026-12-31 awali", "2026-01-01..2026-12-31 with phones"),
                       ("hours xlsx 2026-01-01 2026-12-31 awali", "2026-01-01..2026-12-31 with phones")]


async def test_xlsx_phones_and_formula_like_names_are_plain_strings(harness):  # type: ignore[no-untyped-def]
    from models.exports import to_csv, to_xlsx

    rows = [[1, "=HYPERLINK(\"x\")", HUDA_PHONE]]
    book = to_xlsx(["volunteer_id", "name", "phone"], rows, title="volunteers")
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        text = "".join(archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/"))
    assert HUDA_PHONE in text and "'+966" not in text and "<f>" not in text
    [_, line] = list(csv.reader(io.StringIO(to_csv(["volunteer_id", "name", "phone"], rows).decode("utf-8-sig"))))
    assert line == ["1", "'=HYPERLINK(\"x\")", LRM + HUDA_PHONE]  # other text keeps the formula escape
