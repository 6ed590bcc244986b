"""Creating an opportunity in the chat, importing and exporting the CSV, and the data exports."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from models.tables import Opportunity, Shift
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center

COORDINATOR = 6_300_000_001
HEADER = "ref,center,category,title_ar,title_en,description_ar,description_en,starts_at,ends_at,capacity,latitude,longitude,radius_m,gender"


async def _setup(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    other = await make_center(factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="en", center=awali)
    return awali, other


async def test_coordinator_creates_previews_and_publishes_an_opportunity(harness):
    awali, _ = await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    assert "title in Arabic" in (await coordinator.send("/newopp"))[-1].text
    await coordinator.send("سقيا الحجاج")
    await coordinator.send("Water for the pilgrims")
    await coordinator.send("توزيع الماء في الساحات")
    sent = await coordinator.send("-")
    assert sent[-1].labels() == ["Al-Awali Center"]  # only the centers they manage
    await coordinator.press("Al-Awali Center")
    await coordinator.press("Serving pilgrims")
    await coordinator.press("Men only")
    sent = await coordinator.share_location(21.4225, 39.8262)
    assert "Now send the shifts" in sent[-1].text
    assert "does not exist" in (await coordinator.send("2026-02-30 16:00-20:00 10"))[-1].text
    assert "times are the same" in (await coordinator.send("2026-12-05 20:00-20:00 10"))[-1].text
    assert "already passed" in (await coordinator.send("2026-11-01 16:00-20:00 10"))[-1].text
    assert "at least 1" in (await coordinator.send("2026-12-05 16:00-20:00 0"))[-1].text
    sent = await coordinator.send("2026-12-05 16:00-20:00 10\n2026-12-06 16:00-20:00 12")
    assert sent[-1].text.startswith("2 shifts added so far.")
    sent = await coordinator.press("✅ Preview")
    assert "Water for the pilgrims" in sent[-1].text and "Men only" in sent[-1].text and "Seats taken: 0 of 12" in sent[-1].text
    sent = await coordinator.press("🚀 Publish")
    assert sent[-1].text.startswith("✅ Published!")
    async with sessions(harness)() as session:
        opportunity = (await session.execute(select(Opportunity))).scalar_one()
        shifts = (await session.execute(select(Shift).order_by(Shift.starts_at))).scalars().all()
    assert (opportunity.title_ar, opportunity.gender, opportunity.center_id) == ("سقيا الحجاج", "male", awali.id)
    assert [s.capacity for s in shifts] == [10, 12] and shifts[0].latitude == 21.4225
    assert shifts[0].starts_at == datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    await coordinator.press_data("nop:v1:pub:go")  # pressed again: the draft is gone
    assert harness.telegram.callback_answers[-1]["text"] == "This draft is no longer open. Send /newopp to start again."
    assert [line.action for line in await audit(harness, allowed=True)] == ["opportunity.publish"]


async def test_forged_center_choice_in_the_new_opportunity_flow_is_refused(harness):
    _, other = await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/newopp")
    for text in ("عنوان", "Title", "-", "-"):
        await coordinator.send(text)
    await coordinator.press_data(f"nop:v1:ctr:{other.id}")
    assert harness.telegram.callback_answers[-1]["text"] == "Sorry, you do not manage this center, so you cannot do that."
    await coordinator.press_data("nop:v1:cat:pilgrims")  # not the step we are at
    assert harness.telegram.callback_answers[-1]["text"] == "This button is no longer valid. Please open the menu again."
    assert len(await audit(harness, allowed=False)) == 2


async def test_csv_import_and_export_of_opportunities(harness):
    await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/importopps")
    bad = HEADER + "\nR-1,awali,pilgrims,عنوان,Title,,,2026-12-05 16:00,2026-12-05 15:00,0,,,300,all"
    sent = await coordinator.send(bad)
    assert sent[-1].text.startswith("Nothing was imported.") and "Line 2" in sent[-1].text
    good = HEADER + "\nR-1,awali,pilgrims,عنوان,Title,,,2026-12-05 16:00,2026-12-05 20:00,10,,,300,all"
    sent = await coordinator.send(good)
    assert sent[-1].text == "✅ Imported: 1 new and 0 updated opportunities; 1 new and 0 changed shifts."
    await coordinator.send("/importopps")
    sent = await coordinator.send(good.replace("awali", "shoqiyah").replace("R-1", "R-2"))
    assert sent[-1].text == "Sorry, you do not manage this center, so you cannot do that."
    sent = await coordinator.send("/exportopps")
    assert harness.telegram.calls[-1][0] == "sendDocument"
    assert "import format" in sent[-1].text


async def test_exports_refuse_bad_ranges_and_other_centers(harness):
    await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    assert "Usage" in (await coordinator.send("/export people csv 2026-01-01 2026-12-31"))[-1].text
    assert "does not exist" in (await coordinator.send("/export hours csv 2026-02-30 2026-12-31"))[-1].text
    assert "must not be before" in (await coordinator.send("/export hours csv 2026-05-01 2026-04-01"))[-1].text
    assert "do not manage this center" in (await coordinator.send("/export hours csv 2026-01-01 2026-12-31 shoqiyah"))[-1].text
    for kind in ("volunteers", "attendance", "hours"):
        for fmt in ("csv", "xlsx"):
            sent = await coordinator.send(f"/export {kind} {fmt} 2026-01-01 2026-12-31")
            assert harness.telegram.calls[-1][0] == "sendDocument" and sent[-1].text.endswith(("row", "rows"))
    assert "admins" in (await coordinator.send("/audit"))[-1].text
    await make_person(harness, COORDINATOR_ID, role="admin", language="en")
    text = (await harness.person(COORDINATOR_ID).send("/audit"))[-1].text
    assert text.startswith("<b>Audit log</b>") and "⛔" in text and "export.data" in text


async def test_csv_errors_reach_an_arabic_coordinator_in_arabic(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="ar", center=awali)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/importopps")
    bad = HEADER + "\nR-1,awali,pilgrims,عنوان,Title,,,2026-12-05 16:00,2026-12-05 20:00,0,,,300,all"
    sent = await coordinator.send(bad)
    assert "يجب ألا تقل قيمة capacity عن 1، لا 0" in sent[-1].text


async def test_exported_opportunities_file_sent_back_as_a_document_round_trips(harness):
    await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/importopps")
    await coordinator.send(HEADER + "\nR-1,awali,pilgrims,عنوان,Title,,,2026-12-05 16:00,2026-12-05 20:00,10,,,300,all")
    exported = (await coordinator.send("/exportopps"))[-1]
    assert exported.file_name == "opportunities.csv" and "R-1" in (exported.file or b"").decode("utf-8-sig")
    # Outside the import flow a file is not taken for an import.
    await coordinator.send_document("opportunities.csv", exported.file or b"")
    assert coordinator.last_text().startswith("I can only read text, buttons, your contact and your location.")
    edited = (exported.file or b"").decode("utf-8-sig").replace(",10,", ",25,")
    await coordinator.send("/importopps")
    sent = await coordinator.send_document("opportunities.csv", edited.encode())
    assert sent[-1].text == "✅ Imported: 0 new and 0 updated opportunities; 0 new and 1 changed shifts."
    async with sessions(harness)() as session:
        shifts = (await session.execute(select(Shift))).scalars().all()
    assert [s.capacity for s in shifts] == [25]


async def test_an_oversized_file_is_refused_before_it_is_downloaded(harness):
    await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/importopps")
    big = (HEADER + "\n" + "R-1,awali,pilgrims,عنوان,Title,,,2026-12-05 16:00,2026-12-05 20:00,10,,,300,all\n" * 12_000).encode()
    sent = await coordinator.send_document("opportunities.csv", big)
    assert sent[-1].text == "This file is too large to import: at most 5,000 lines and 1 MB. Please split it and send the parts one by one."
    assert not [name for name, _ in harness.telegram.calls if name == "getFile"]


async def test_a_coordinator_whose_role_was_revoked_mid_import_has_the_file_left_unread(harness):
    from sqlalchemy import update

    from models.tables import Volunteer

    await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send("/importopps")
    async with sessions(harness)() as session, session.begin():
        await session.execute(update(Volunteer).where(Volunteer.telegram_id == COORDINATOR).values(role="volunteer"))
    sent = await coordinator.send_document("opportunities.csv", HEADER.encode())
    assert sent[-1].text == "Sorry, this is only for the program's coordinators."
    assert not [name for name, _ in harness.telegram.calls if name == "getFile"]
