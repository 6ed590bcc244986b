"""Roles: who may use the coordinator tools, and every refusal leaves an audit line."""

from __future__ import annotations

from sqlalchemy import select

from models.tables import CoordinatorCenter, Volunteer
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center

STRANGER = 6_000_000_001
COORDINATOR = 6_000_000_002


async def test_stranger_is_refused_every_coordinator_command_and_it_is_audited(harness):
    stranger = harness.person(STRANGER, language_code="en")
    for command in ("/coord", "/broadcast", "/stats", "/role 1 admin", "/staff"):
        sent = await stranger.send(command)
        assert sent[-1].text == "عذرًا، هذه الخدمة لمنسقي البرنامج فقط."  # a newcomer speaks Arabic until they choose
    refused = await audit(harness, allowed=False)
    assert [line.action for line in refused] == ["coord.menu", "broadcast.start", "stats.show", "role.assign", "role.list"]
    assert all(line.actor_telegram_id == STRANGER for line in refused)


async def test_stranger_is_refused_in_arabic(harness):
    await make_person(harness, STRANGER, language="ar")
    sent = await harness.person(STRANGER).send("/coord")
    assert sent[-1].text == "عذرًا، هذه الخدمة لمنسقي البرنامج فقط."


async def test_admin_from_settings_sees_the_coordinator_menu(harness):
    admin = harness.person(COORDINATOR_ID, language_code="en")
    sent = await admin.send("/coord")
    assert "/broadcast" in sent[-1].text and "/stats" in sent[-1].text


async def test_admin_makes_someone_coordinator_of_a_center(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    await make_person(harness, COORDINATOR_ID, role="admin", language="en")
    await make_person(harness, COORDINATOR, center=awali)
    sent = await harness.person(COORDINATOR_ID).send(f"/role {COORDINATOR} coordinator awali")
    assert sent[-1].text == f"Done: {COORDINATOR} is now a coordinator."
    async with factory() as session:
        person = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == COORDINATOR))).scalar_one()
        links = (await session.execute(select(CoordinatorCenter))).scalars().all()
    assert person.role == "coordinator" and [link.center_id for link in links] == [awali.id]
    assert (await audit(harness, allowed=True))[-1].action == "role.assign"
    # The new coordinator can now open the tools; /role stays for admins.
    coordinator = harness.person(COORDINATOR)
    assert "/broadcast" in (await coordinator.send("/coord"))[-1].text
    refused = await coordinator.send(f"/role {STRANGER} admin")
    assert refused[-1].text == "عذرًا، هذا الإجراء لمشرفي البرنامج فقط."


async def test_role_refuses_unknown_people_centers_and_bad_usage(harness):
    await make_center(sessions(harness))
    await make_person(harness, COORDINATOR_ID, role="admin", language="en")
    await make_person(harness, COORDINATOR)
    admin = harness.person(COORDINATOR_ID)
    assert "Nobody with the Telegram id" in (await admin.send("/role 42 admin"))[-1].text
    assert "Unknown center code" in (await admin.send(f"/role {COORDINATOR} coordinator nowhere"))[-1].text
    assert "at least one center" in (await admin.send(f"/role {COORDINATOR} coordinator"))[-1].text
    assert "Usage" in (await admin.send("/role x"))[-1].text
    assert "your own role" in (await admin.send(f"/role {COORDINATOR_ID} volunteer"))[-1].text


async def test_demoted_coordinator_loses_access_at_once(harness):
    awali = await make_center(sessions(harness))
    await make_person(harness, COORDINATOR_ID, role="admin", language="en")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="en")
    coordinator = harness.person(COORDINATOR)
    assert "Coordinator tools" in (await coordinator.send("/coord"))[-1].text
    await harness.person(COORDINATOR_ID).send(f"/role {COORDINATOR} volunteer")
    assert "only for the program's coordinators" in (await coordinator.send("/coord"))[-1].text


async def test_staff_lists_coordinators_with_their_centers(harness):
    awali = await make_center(sessions(harness))
    await make_person(harness, COORDINATOR_ID, role="admin", language="en", name="Amina")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], name="Khalid")
    text = (await harness.person(COORDINATOR_ID).send("/staff"))[-1].text
    assert "Amina" in text and "Khalid" in text and "Al-Awali Center" in text


async def test_staff_see_their_tools_in_the_command_menu_of_their_own_chat(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    admin_menu = {c["command"] for c in harness.telegram.commands[f"chat:{COORDINATOR_ID}"]}
    assert {"coord", "broadcast", "stats", "hours"} <= admin_menu
    await make_person(harness, COORDINATOR_ID, role="admin", language="en", center=awali)
    await make_person(harness, COORDINATOR, center=awali, language="ar")
    await harness.person(COORDINATOR_ID).send(f"/role {COORDINATOR} coordinator awali")
    menu = harness.telegram.commands[f"chat:{COORDINATOR}"]
    assert next(c for c in menu if c["command"] == "coord")["description"] == "أدوات المنسق"
    assert "broadcast" not in {c["command"] for c in harness.telegram.commands["ar"]}  # volunteers' menu
