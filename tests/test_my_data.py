"""/privacy, /mydata and /deleteme: what is kept is said truthfully, a person gets a copy of every row
about them, and erasing them leaves no name, phone or Telegram id anywhere while the program's
figures stay the same."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import BigInteger, Integer, String, Text, select
from sqlmodel import SQLModel

from bot.sender import drain_once
from handlers import callback_data as cd
from models.audit import record_action
from models.outbox import enqueue
from models.personal_data import (
    NOT_PERSON_BIGINTS,
    NOT_PERSON_TABLES,
    PERSON_COLUMNS,
    Link,
    covered_tables,
)
from models.stats import program_figures
from models.tables import (
    Attendance,
    Broadcast,
    CenterTarget,
    CoordinatorCenter,
    GuardianConsent,
    InterestCategory,
    InterestCenter,
    IssuedCertificate,
    LeaderboardEntry,
    OutboxMessage,
    Qualification,
    SeatSwap,
    ShiftRating,
    Signup,
    Team,
    TeamMember,
    TeamMessage,
    Volunteer,
    VolunteerQualification,
    WrongCheckInCode,
)
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center, make_opportunity
from tests.journey import register

SARA = 7_013_579
NAME = "نورة العتيبي"
PHONE = "+966512345678"
EMERGENCY = ("أبو نورة", "+966598765432")
COORDINATOR = 8_100_001


# -- the registry covers every table that points at a person -------------------------------------


def person_columns_in_schema() -> tuple[set[tuple[str, str]], set[tuple[str, str]], set[str]]:
    """From the schema alone: columns referring to volunteer.id, BigInteger columns, and tables
    with a foreign key into a table whose rows belong to a volunteer."""
    volunteer_fks, bigints, owned = set(), set(), {"volunteer"}
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "volunteer" for fk in column.foreign_keys):
                volunteer_fks.add((table.name, column.name))
                owned.add(table.name)
            if isinstance(column.type, BigInteger):
                bigints.add((table.name, column.name))
    pointing = {
        table.name
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name in owned - {"volunteer"} for fk in column.foreign_keys)
    }
    return volunteer_fks, bigints, pointing


def test_every_column_and_table_that_points_at_a_person_is_declared_in_the_registry():
    """A new table with a volunteer_id, a Telegram id, or a link to a volunteer's rows fails here
    until models.personal_data says how /mydata finds it and what /deleteme does with it."""
    declared = {(entry.table, entry.column): entry for entry in PERSON_COLUMNS}
    volunteer_fks, bigints, pointing = person_columns_in_schema()
    assert sorted(c for c in volunteer_fks if c not in declared or declared[c].link != Link.VOLUNTEER_ID) == []
    assert sorted(c for c in bigints if c not in declared and c not in NOT_PERSON_BIGINTS) == []
    assert sorted(pointing - covered_tables() - NOT_PERSON_TABLES) == []
    tables = SQLModel.metadata.tables
    assert all(entry.table in tables and entry.column in tables[entry.table].c for entry in PERSON_COLUMNS)


def test_erasure_decides_for_every_column_of_the_volunteer_row():
    """A personal column added to the volunteer (a guardian's phone, say) fails here until
    models.erasure says whether /deleteme empties it."""
    from models.erasure import ERASED_FIELDS, KEPT_FIELDS, SET_ON_ERASE

    decided = [*ERASED_FIELDS, *SET_ON_ERASE, *KEPT_FIELDS]
    assert sorted(decided) == sorted(set(decided))
    assert sorted(SQLModel.metadata.tables["volunteer"].c.keys()) == sorted(decided)


def test_the_coverage_check_notices_an_undeclared_table():
    """The check above cannot pass by accident: a table with a volunteer column makes it fail."""
    from sqlalchemy import Column, ForeignKey, MetaData, Table

    probe = MetaData()
    Table("volunteer", probe, Column("id", Integer, primary_key=True))
    Table("badge", probe, Column("id", Integer, primary_key=True), Column("volunteer_id", ForeignKey("volunteer.id")))
    declared = {(entry.table, entry.column) for entry in PERSON_COLUMNS}
    undeclared = [
        (table.name, column.name)
        for table in probe.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "volunteer" for fk in column.foreign_keys) and (table.name, column.name) not in declared
    ]
    assert undeclared == [("badge", "volunteer_id")]


# -- a volunteer with a little of everything ------------------------------------------------------


async def a_volunteer_with_data(harness, session_factory, language: str) -> dict[str, Any]:
    center = await make_center(session_factory)
    past, future = harness.now - timedelta(days=10), harness.now + timedelta(days=3)
    _, (done,) = await make_opportunity(session_factory, center=center, starts=[past])
    _, (coming,) = await make_opportunity(session_factory, center=center, starts=[future], capacity=1)
    await make_person(harness, COORDINATOR, center=center, role="coordinator", centers=[center], name="Coordinator Huda")

    sara = harness.person(SARA)
    await register(sara, language, name="Sara")
    t = harness.app.bot_data.services.catalogs.for_language(language)
    [card] = await sara.send("/profile")
    await sara.press(t.gettext("✏️ Name"), card)
    await sara.send(NAME)
    await sara.share_contact(PHONE.lstrip("+"))
    await sara.press(t.gettext("🆘 Emergency contact"), sara.find_button_message(t.gettext("🆘 Emergency contact")))
    await sara.send(EMERGENCY[0])
    await sara.send(EMERGENCY[1])
    await sara.press_data(cd.SignUp(coming.id).data)
    waiting = harness.person(7_000_222)
    await register(waiting, language, name="Reem")
    await waiting.press_data(cd.JoinWaitlist(coming.id).data)
    coordinator = harness.person(COORDINATOR)
    await coordinator.send(f"/addhours {SARA} 2 2026-11-20 awali {NAME} covered the desk")
    await coordinator.send(f"/setprofile {SARA} gender male")  # refused or done: audited about her either way

    async with sessions(harness)() as session, session.begin():
        me = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == SARA))).scalar_one()
        signup = Signup(shift_id=done.id, volunteer_id=me.id, status="confirmed", signed_up_at=past - timedelta(days=2))
        session.add(signup)
        await session.flush()
        session.add(Attendance(signup_id=signup.id, shift_id=done.id, volunteer_id=me.id, checked_in_at=past,
                               checked_out_at=past + timedelta(hours=3), method="location", credited_minutes=180,
                               checked_out_by=SARA))
        session.add(WrongCheckInCode(volunteer_id=me.id, at=harness.now))
        await session.flush()
        session.add(ShiftRating(attendance_id=(await session.execute(select(Attendance.id).where(Attendance.volunteer_id == me.id, Attendance.shift_id == done.id))).scalar_one(),
                                volunteer_id=me.id, opportunity_id=done.opportunity_id, center_id=center.id, score=4,
                                comment=f"{NAME} enjoyed it", rated_at=past + timedelta(hours=4)))
        # She is a guardian too (of another volunteer), and has a consent of her own on file.
        session.add(GuardianConsent(volunteer_id=me.id, code="mine-" + "x" * 16, status="granted", method="paper",
                                    recorded_by_telegram_id=COORDINATOR, note=f"{NAME}'s form"))
        minor = Volunteer(telegram_id=7_000_333, display_name="Lina", birth_year=2012)
        session.add(minor)
        await session.flush()
        session.add(GuardianConsent(volunteer_id=minor.id, code="lina-" + "x" * 16, status="granted", method="telegram",
                                    guardian_telegram_id=SARA))
        # She leads a neighborhood team, wrote to it, and offered a seat to a teammate.
        team = Team(center_id=center.id, name="Awali youth", leader_id=me.id, invite_code="AWALI1", decided_by_telegram_id=SARA)
        session.add(team)
        await session.flush()
        session.add(TeamMember(team_id=team.id, center_id=center.id, volunteer_id=me.id, joined_at=past))
        session.add(TeamMessage(team_id=team.id, sent_by=me.id, text=f"{NAME} says hello", sent_at=past))
        session.add(SeatSwap(signup_id=signup.id, from_volunteer_id=me.id, to_volunteer_id=minor.id, offered_at=past))
        # Her interests, and her place on the leaderboard (she opted in).
        session.add(InterestCategory(volunteer_id=me.id, category="health"))
        session.add(InterestCenter(volunteer_id=me.id, center_id=center.id))
        session.add(LeaderboardEntry(period="2026-11", volunteer_id=me.id, center_id=center.id, minutes=180))
        # She holds first aid from an outside certificate, and once granted it to someone herself.
        first_aid = Qualification(code="first-aid", name_ar="الإسعافات الأولية", name_en="First aid", validity_months=24)
        session.add(first_aid)
        await session.flush()
        session.add(VolunteerQualification(volunteer_id=me.id, qualification_id=first_aid.id, granted_at=past, source="manual",
                                           granted_by_telegram_id=COORDINATOR, reason=f"{NAME}'s Red Crescent card"))
        session.add(VolunteerQualification(volunteer_id=minor.id, qualification_id=first_aid.id, granted_at=past, source="manual",
                                           granted_by_telegram_id=SARA, revoked_by_telegram_id=SARA))
        # A certificate was issued to her, and as a coordinator once she revoked someone's.
        session.add(IssuedCertificate(code="cert-" + "x" * 16, volunteer_id=me.id, document="certificate", scope="all",
                                      language="ar", holder_name=NAME, minutes=180, shifts=1, snapshot="{}", fingerprint="f" * 64,
                                      issued_at=past + timedelta(days=1), pdf=NAME.encode()))
        session.add(IssuedCertificate(code="cert-" + "y" * 16, volunteer_id=minor.id, document="certificate", scope="all",
                                      language="ar", holder_name="Lina", minutes=60, shifts=1, snapshot="{}", fingerprint="f" * 64,
                                      issued_at=past, revoked_at=past, revoked_reason="issued by mistake", revoked_by=SARA))
        # As an admin once, she set her center's targets.
        session.add(CenterTarget(center_id=center.id, year=2026, volunteers=10, set_by_telegram_id=SARA, updated_at=harness.now))
        # She also helped run a center once: a coordinator's traces carry her Telegram id.
        session.add(CoordinatorCenter(volunteer_id=me.id, center_id=center.id))
        session.add(Broadcast(created_by_telegram_id=SARA, text="مرحبًا", audience="all", content_hash="x" * 40,
                              progress_chat_id=SARA))
        await record_action(session, actor_telegram_id=COORDINATOR, action="records.find", target="0512345678", now=harness.now)
        await enqueue(session, key="test:pending", chat_id=SARA, volunteer_id=me.id, kind="broadcast",
                      payload={"text": f"{NAME}, see you"}, now=harness.now + timedelta(hours=1))
    return {"person": sara, "me": me, "coming": coming, "waiting": waiting, "center": center, "t": t}


async def rows_about(harness, *, volunteer_id: int, telegram_id: int) -> dict[str, set[tuple[Any, ...]]]:
    """The oracle, from the schema alone: every row with her row id in a volunteer column, her
    Telegram id in a BigInteger column, or pointing at one of her attendance or sign-up rows."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    async with sessions(harness)() as session:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "volunteer" for fk in column.foreign_keys) or (
                    table.name == "volunteer" and column.name == "id"
                ):
                    value = volunteer_id
                elif isinstance(column.type, BigInteger):
                    value = telegram_id
                else:
                    continue
                for row in (await session.execute(select(table).where(column == value))).all():
                    found.setdefault(table.name, set()).add(tuple(row._mapping[c.name] for c in table.primary_key.columns))
        mine = {"attendance": found.get("attendance", set()), "signup": found.get("signup", set())}
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                for fk in column.foreign_keys:
                    parent = fk.column.table.name
                    if parent in mine and table.name not in ("attendance", "signup") and mine[parent]:
                        ids = [key[0] for key in mine[parent]]
                        for row in (await session.execute(select(table).where(column.in_(ids)))).all():
                            found.setdefault(table.name, set()).add(tuple(row._mapping[c.name] for c in table.primary_key.columns))
    return found


@pytest.mark.parametrize(
    ("language", "preparing", "caption"),
    [("ar", "⏳ جارٍ تجهيز نسخة من بياناتك… سيصلك هنا ملفان (JSON وCSV) بعد لحظات.", "كل ما يحفظه البوت عنك: "),
     ("en", "⏳ Preparing a copy of your data… Two files (JSON and CSV) will arrive here in a moment.",
      "Everything the bot holds about you: ")],
)
async def test_mydata_sends_every_row_about_the_volunteer_in_json_and_csv(harness, session_factory, language, preparing, caption):
    data = await a_volunteer_with_data(harness, session_factory, language)
    sara, me = data["person"], data["me"]
    answer = await sara.send("/mydata")
    assert answer[0].plain == preparing
    document, spreadsheet = answer[1], answer[2]
    assert (document.file_name, spreadsheet.file_name) == ("my-data.json", "my-data.csv")
    assert document.plain.startswith(caption)
    exported = json.loads(document.file)["tables"]

    expected = await rows_about(harness, volunteer_id=me.id, telegram_id=SARA)
    # The scenario reaches every table the registry names, so each is really checked.
    assert covered_tables() <= set(expected), covered_tables() - set(expected)
    for table, keys in expected.items():
        columns = SQLModel.metadata.tables[table].primary_key.columns
        got = {tuple(row[c.name] for c in columns) for row in exported.get(table, [])}
        assert keys <= got, (table, keys - got)
    [profile] = exported["volunteer"]
    assert (profile["display_name"], profile["phone"], profile["emergency_name"], profile["emergency_phone"]) == (NAME, PHONE, *EMERGENCY)
    assert any(line["target"] == "0512345678" for line in exported["audit_log"])  # a coordinator looked her up by phone
    assert any(line["action"] == "profile.name" for line in exported["audit_log"])
    assert [row["reason"] for row in exported["off_system_work"]] == [f"{NAME} covered the desk"]
    # Her certificate comes with the PDF as it was delivered (the copy is complete).
    [certificate] = [row for row in exported["issued_certificate"] if row["volunteer_id"] == me.id]
    assert base64.b64decode(certificate["pdf"].removeprefix("base64:")) == NAME.encode()
    other = json.dumps(exported, ensure_ascii=False)
    assert "Reem" not in other and "Coordinator Huda" not in other  # nobody else's profile

    text = spreadsheet.file.decode("utf-8-sig")
    sections = [row for row in csv.reader(io.StringIO(text)) if row and row[0].startswith("# ")]
    assert {row[0][2:] for row in sections} == set(exported)
    assert NAME in text and PHONE in text


@pytest.mark.parametrize(
    ("language", "first_line", "retention"),
    [("ar", "🔒 بياناتك وحقوقك", "تُحفظ الرسائل التي يرسلها إليك البوت 90 يومًا ثم تُحذف"),
     ("en", "🔒 Your data and your rights", "Messages the bot sends you are kept 90 days, then deleted")],
)
async def test_privacy_says_what_is_kept_for_how_long_and_who_sees_it(harness, session_factory, language, first_line, retention):
    await make_center(session_factory)
    sara = harness.person(SARA)
    await register(sara, language, name="Sara")
    [answer] = await sara.send("/privacy")
    assert answer.plain.startswith(first_line)
    assert retention in answer.plain
    for command in ("/profile", "/mydata", "/deleteme"):
        assert command in answer.plain


# -- /deleteme ------------------------------------------------------------------------------------


def secrets_of(data: dict[str, Any]) -> list[str]:
    return [NAME, "Sara", PHONE, "512345678", EMERGENCY[0], EMERGENCY[1], "598765432", str(SARA)]


async def everything_that_mentions(harness, texts: list[str], number: int) -> list[tuple[str, str, Any]]:
    """Every text and integer cell of every table holding one of these texts or this number."""
    hits = []
    async with sessions(harness)() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                for column in table.columns:
                    value = row._mapping[column.name]
                    if isinstance(column.type, Integer | BigInteger) and value == number:
                        hits.append((table.name, column.name, value))
                    elif isinstance(column.type, String | Text) and isinstance(value, str) and any(t in value for t in texts):
                        hits.append((table.name, column.name, value))
    return hits


@pytest.mark.parametrize(
    ("language", "question", "erased"),
    [("ar", "⚠️ حذف بياناتي", "🗑 حُذفت بياناتك الشخصية. شكرًا لك على الوقت الذي منحته للبرنامج."),
     ("en", "⚠️ Erase my data", "🗑 Your personal data is erased. Thank you for the time you gave to the program.")],
)
async def test_deleteme_erases_name_phone_and_telegram_id_everywhere_and_keeps_the_program_figures(
    harness, session_factory, language, question, erased
):
    data = await a_volunteer_with_data(harness, session_factory, language)
    sara, me, t = data["person"], data["me"], data["t"]
    zone = harness.app.bot_data.settings.zone if hasattr(harness.app.bot_data, "settings") else harness.app.bot_data.services.settings.zone
    assert await everything_that_mentions(harness, secrets_of(data), SARA)  # the scan sees her before
    async with session_factory() as session:
        before = [await program_figures(session, year=2026, zone=zone, center_id=c) for c in (None, data["center"].id)]

    [asked] = await sara.send("/deleteme")
    assert asked.plain.startswith(question)
    assert t.ngettext("• your {n} coming place on a shift is given up, and the next person on the waitlist gets it;",
                      "• your {n} coming places on shifts are given up, and the next people on the waitlists get them;", 1
                      ).format(n=t.number(1)) in asked.plain
    kept = await sara.press(t.gettext("Keep my data"), asked)
    assert kept[-1].plain == t.gettext("Nothing was erased. Your data stays as it is.")
    [asked] = await sara.send("/deleteme")
    done = await sara.press(t.gettext("🗑 Yes, erase my data"), asked)
    assert done[0].plain == erased

    assert await everything_that_mentions(harness, secrets_of(data), SARA) == []
    async with session_factory() as session:
        after = [await program_figures(session, year=2026, zone=zone, center_id=c) for c in (None, data["center"].id)]
        anonymous = await session.get(Volunteer, me.id)
        kept_hours = (await session.execute(select(Attendance).where(Attendance.volunteer_id == me.id))).scalars().all()
        seats = {s.volunteer_id: s.status for s in (await session.execute(select(Signup).where(Signup.shift_id == data["coming"].id))).scalars()}
        open_messages = (await session.execute(select(OutboxMessage).where(OutboxMessage.status == "pending",
                                                                           OutboxMessage.volunteer_id == me.id))).scalars().all()
    assert after == before and after[0].minutes > 0
    assert anonymous.telegram_id == -me.id and anonymous.erased_at == harness.now
    assert sum(a.credited_minutes for a in kept_hours) == 180 + 120  # a shift and the off-system hours, anonymous now
    reem = (await rows_about(harness, volunteer_id=0, telegram_id=data["waiting"].user_id))["volunteer"]
    [(reem_id,)] = reem
    assert seats == {me.id: "cancelled", reem_id: "confirmed"}  # her coming seat went to the waitlist
    assert open_messages == []

    harness.advance(hours=2)
    before_sent = len(harness.telegram.to(SARA))
    await drain_once(harness.app)
    assert len(harness.telegram.to(SARA)) == before_sent  # nothing more is sent to her

    [welcome] = await sara.send("/start")  # the same Telegram account, later: a newcomer
    assert "Welcome to the volunteer program" in welcome.plain
    async with session_factory() as session:
        fresh = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == SARA))).scalar_one()
    assert fresh.id != me.id and fresh.display_name is None and fresh.registered_at is None


def test_free_text_names_a_person_by_whole_telegram_id_or_any_form_of_their_phone():
    from models.erasure import scrub
    from models.personal_data import mentioned

    person = Volunteer(id=12, telegram_id=701, phone="+966512345678")
    assert mentioned("/records 0512345678", person) and mentioned("٠٥١٢٣٤٥٦٧٨", person) and mentioned("volunteer:701", person)
    assert not mentioned("volunteer:7012", person) and not mentioned("/records 0512345679", person)
    assert scrub("701 and 7012 called 0512345678", secrets=["512345678"], telegram_id=701, anonymous_id=-12) == (
        "-12 and 7012 called 0[erased]")
