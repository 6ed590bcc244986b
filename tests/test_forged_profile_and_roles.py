"""Roles and onboarding cannot be forged: onboarding buttons after registration, admins who left
COORDINATOR_IDS, and /role grants that name their granter."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import build_application
from handlers import callback_data as cd
from models.tables import Signup, Volunteer
from tests.conftest import COORDINATOR_ID
from tests.coordinator_support import audit, make_person, sessions
from tests.factories import make_center, make_opportunity
from tests.journey import register

OMAR = 7_400_000_001
COORDINATOR = 6_400_000_001
OUTSIDER = 6_400_000_002
GRANTED = 6_400_000_003

REFUSED = {  # main's wording (tests/test_profile_forgery.py covers the refusals themselves)
    "en": "Your profile is already complete, so this button no longer changes it. "
          "To change your center or other details, please ask a coordinator of your center.",
    "ar": "اكتمل ملفك الشخصي، فلم يعد هذا الزر يغيّر فيه شيئًا. لتغيير مركزك أو بياناتك الأخرى، تواصل من فضلك مع أحد منسّقي مركزك.",
}
WOMEN_ONLY = {"en": "Sorry, this opportunity is for women only.", "ar": "عذرًا، هذه الفرصة مخصّصة للنساء فقط."}


async def _volunteer(session_factory, telegram_id: int) -> Volunteer:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        return (await session.execute(select(Volunteer).where(Volunteer.telegram_id == telegram_id))).scalar_one()


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_registered_man_cannot_become_a_woman_with_the_onboarding_button(harness, session_factory, language):
    awali = await make_center(session_factory)
    _, (shift,) = await make_opportunity(session_factory, center=awali, starts=[harness.now + timedelta(days=2)], gender="female")
    omar = harness.person(OMAR)
    await register(omar, language, gender="male", name="Omar")
    await omar.press_data(cd.ChooseGender("female").data)
    assert harness.telegram.callback_answers[-1]["text"] == REFUSED[language]
    assert (await _volunteer(session_factory, OMAR)).gender == "male"
    await omar.press_data(cd.SignUp(shift.id).data)
    assert WOMEN_ONLY[language] in omar.last_text()
    async with session_factory() as session:
        assert (await session.execute(select(Signup))).first() is None


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_a_registered_volunteer_cannot_move_to_another_center_but_can_change_language(harness, session_factory, language):
    awali = await make_center(session_factory)
    other = await make_center(session_factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    omar = harness.person(OMAR)
    await register(omar, language, gender="male", name="Omar")
    await omar.press_data(cd.ChooseCenter(other.id).data)
    assert harness.telegram.callback_answers[-1]["text"] == REFUSED[language]
    assert (await _volunteer(session_factory, OMAR)).center_id == awali.id
    other_language = "en" if language == "ar" else "ar"
    await omar.send("/language")
    await omar.press("English" if other_language == "en" else "العربية")
    assert (await _volunteer(session_factory, OMAR)).language == other_language


async def test_staff_of_the_volunteers_center_change_a_profile_and_it_is_audited(harness, session_factory):
    awali = await make_center(session_factory)
    other = await make_center(session_factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="en")
    await make_person(harness, OUTSIDER, role="coordinator", centers=[other], language="en")
    _, (shift,) = await make_opportunity(session_factory, center=awali, starts=[harness.now + timedelta(days=2)], gender="male")
    omar = harness.person(OMAR)
    await register(omar, "en", gender="male", name="Omar")
    await omar.press_data(cd.SignUp(shift.id).data)
    outsider, coordinator = harness.person(OUTSIDER), harness.person(COORDINATOR)
    assert "do not manage this center" in (await outsider.send(f"/setprofile {OMAR} center shoqiyah"))[-1].text
    assert "Usage: /setprofile" in (await coordinator.send(f"/setprofile {OMAR} age 30"))[-1].text
    assert "holds a place on a coming shift for men only" in (await coordinator.send(f"/setprofile {OMAR} gender female"))[-1].text
    assert (await coordinator.send(f"/setprofile {OMAR} center shoqiyah"))[-1].text == "Done: Omar now belongs to Al-Shoqiyah Center."
    assert (await _volunteer(session_factory, OMAR)).center_id == other.id
    done = [(line.action, line.actor_telegram_id, line.detail) for line in await audit(harness, allowed=True)]
    assert done == [("profile.center", COORDINATOR, "center: awali -> shoqiyah")]
    # Now Al-Shoqiyah's coordinator decides, in Arabic as well.
    async with session_factory() as session, session.begin():
        (await session.get(Volunteer, (await _volunteer(session_factory, OUTSIDER)).id)).language = "ar"
    assert "do not manage this center" in (await coordinator.send(f"/setprofile {OMAR} center awali"))[-1].text
    assert (await outsider.send(f"/setprofile {OMAR} center awali"))[-1].text == "تم: نُقل Omar إلى مركز حي العوالي."


def _menus_deleted(harness) -> set[int]:  # type: ignore[no-untyped-def]
    scopes = [json.loads(p["scope"]) if isinstance(p["scope"], str) else p["scope"]
              for name, p in harness.telegram.calls if name == "deleteMyCommands" and p.get("scope")]
    return {int(scope["chat_id"]) for scope in scopes if scope.get("type") == "chat"}


async def _restart(harness, engine, settings, *, coordinator_ids: frozenset[int]):  # type: ignore[no-untyped-def]
    """The bot stops and starts again with other settings (the harness then drives the new one)."""
    await harness.app.shutdown()
    app = build_application(
        settings.model_copy(update={"coordinator_ids": coordinator_ids}), engine=engine, clock=lambda: harness.now,
        request=harness.telegram, run_migrations=False, start_background_work=False,
    )
    await app.initialize()
    await app.post_init(app)
    harness.app = app


async def test_removal_from_coordinator_ids_revokes_admin_at_the_next_start_but_not_a_role_grant(harness, engine, settings):
    await make_center(sessions(harness))
    admin = harness.person(COORDINATOR_ID)
    await make_person(harness, COORDINATOR_ID, language="en", name="Amina")  # a volunteer row, made admin by the setting
    await make_person(harness, GRANTED, language="en", name="Granted")
    await make_person(harness, COORDINATOR, language="en", name="Khalid")
    assert "Coordinator tools" in (await admin.send("/coord"))[-1].text  # an admin from the setting
    await admin.send(f"/role {GRANTED} admin")
    await admin.send(f"/role {COORDINATOR} coordinator awali")
    await _restart(harness, engine, settings, coordinator_ids=frozenset({COORDINATOR}))
    try:
        assert (await admin.send("/coord"))[-1].text == "Sorry, this is only for the program's coordinators."
        assert "Coordinator tools" in (await harness.person(GRANTED).send("/coord"))[-1].text, "an explicit /role grant stays"
        async with sessions(harness)() as session:
            roles = dict((await session.execute(select(Volunteer.telegram_id, Volunteer.role))).all())
        assert roles[COORDINATOR_ID] == "volunteer" and roles[GRANTED] == "admin" and roles[COORDINATOR] == "admin"
        assert COORDINATOR_ID in _menus_deleted(harness), "the staff menu of their chat is taken away"
        revoked = [line for line in await audit(harness) if line.action == "role.settings_revoke"]
        assert [(line.target, line.actor_telegram_id) for line in revoked] == [(f"volunteer:{COORDINATOR_ID}", None)]
        # Removed from the setting again, the coordinator goes back to the center they were given.
        await _restart(harness, engine, settings, coordinator_ids=frozenset())
        async with sessions(harness)() as session:
            khalid = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == COORDINATOR))).scalar_one()
        assert khalid.role == "coordinator"
        assert "Coordinator tools" in (await harness.person(COORDINATOR).send("/coord"))[-1].text
        assert "Coordinator tools" in (await harness.person(GRANTED).send("/coord"))[-1].text
    finally:
        await harness.app.shutdown()


@pytest.mark.parametrize(("language", "given"), [("en", "given by Amina on Tuesday 1 December 2026"), ("ar", "بتكليف من Amina في")])
async def test_a_role_grant_records_who_gave_it(harness, language, given):
    awali = await make_center(sessions(harness))
    await make_person(harness, COORDINATOR_ID, role="admin", language=language, name="Amina")
    await make_person(harness, COORDINATOR, center=awali, name="Khalid")
    admin = harness.person(COORDINATOR_ID)
    await admin.send(f"/role {COORDINATOR} coordinator awali")
    async with sessions(harness)() as session:
        khalid = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == COORDINATOR))).scalar_one()
    assert (khalid.role_granted_by, khalid.role_granted_at) == (COORDINATOR_ID, harness.now)
    staff = (await admin.send("/staff"))[-1].text
    khalid_line = next(line for line in staff.splitlines() if "Khalid" in line)
    amina_line = next(line for line in staff.splitlines() if "Amina" in line)
    assert given in khalid_line
    assert ("from the settings (COORDINATOR_IDS)" if language == "en" else "من الإعدادات (COORDINATOR_IDS)") in amina_line
    line = (await audit(harness, allowed=True))[-1]
    assert (line.action, line.actor_telegram_id, line.target) == ("role.assign", COORDINATOR_ID, f"volunteer:{COORDINATOR}")


async def test_roles_given_before_the_upgrade_are_credited_to_their_granter(engine):
    """Admins made with /role before role_granted_by existed must not pass for admins of the setting."""
    from alembic import command
    from sqlalchemy import text

    from infra.database import alembic_config

    def run(connection, step, revision) -> None:  # type: ignore[no-untyped-def]
        config = alembic_config()
        config.attributes["connection"] = connection
        step(config, revision)

    at = datetime(2026, 3, 1, 8, 0)
    async with engine.begin() as connection:
        await connection.run_sync(run, command.downgrade, "0004_i9pass-1")  # just before this revision
        for telegram_id, role in ((GRANTED, "admin"), (COORDINATOR_ID, "admin"), (OMAR, "volunteer")):
            await connection.execute(
                text("INSERT INTO volunteer (telegram_id, language, role, reminders_muted, reachable, created_at) "
                     "VALUES (:id, 'en', :role, :no, :yes, :at)"),
                {"id": telegram_id, "role": role, "no": False, "yes": True, "at": at},
            )
        await connection.execute(
            text("INSERT INTO audit_log (at, actor_telegram_id, action, target, allowed, detail) VALUES (:at, :actor, 'role.assign', :target, :yes, 'role=admin centers=')"),
            {"at": at, "actor": COORDINATOR_ID, "target": f"volunteer:{GRANTED}", "yes": True},
        )
        await connection.run_sync(run, command.upgrade, "head")
        rows = (await connection.execute(text("SELECT telegram_id, role_granted_by FROM volunteer ORDER BY telegram_id"))).all()
    assert dict(rows) == {COORDINATOR_ID: None, GRANTED: COORDINATOR_ID, OMAR: None}
