"""What the coordinator screens read, asked of the models directly (no bot): each list stays within
the coordinator's centers, in the order the screen shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.broadcasts import (
    Audience,
    audience_subject,
    opportunities_to_address,
    shifts_to_address,
)
from models.coordination import Actor, center_by_code, running_and_upcoming_shifts
from models.imports import within_managed_centers
from models.opportunity_csv import COLUMNS, parse_csv
from models.tables import Opportunity, Shift, Volunteer
from models.volunteers import conversation_of, find_volunteer, write_conversation
from tests.factories import make_center, make_opportunity

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Riyadh")


async def _two_centers(session_factory):
    awali = await make_center(session_factory)
    other = await make_center(session_factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    return awali, other


async def _staff(session_factory, telegram_id: int, *, role: str, centers=()) -> Actor:
    async with session_factory() as session, session.begin():
        person = Volunteer(telegram_id=telegram_id, role=role, registered_at=NOW)
        session.add(person)
    return Actor(volunteer=person, role=role, center_ids=frozenset(c.id for c in centers))


async def _end(session_factory, shift: Shift, *, cancel: bool = False) -> None:
    async with session_factory() as session, session.begin():
        row = await session.get(Shift, shift.id)
        assert row is not None
        if cancel:
            row.status = "cancelled"
        else:
            row.starts_at, row.ends_at = NOW - timedelta(hours=4), NOW - timedelta(hours=1)


async def test_broadcast_menu_offers_the_coordinators_opportunities_with_a_shift_ahead_newest_first(session_factory):
    awali, other = await _two_centers(session_factory)
    older, _ = await make_opportunity(session_factory, center=awali, starts=[NOW + timedelta(days=1)])
    newer, _ = await make_opportunity(session_factory, center=awali, starts=[NOW + timedelta(days=2)])
    _over, [over_shift] = await make_opportunity(session_factory, center=awali, starts=[NOW + timedelta(days=3)])
    await _end(session_factory, over_shift)
    _cancelled, [cancelled_shift] = await make_opportunity(session_factory, center=awali, starts=[NOW + timedelta(days=3)])
    await _end(session_factory, cancelled_shift, cancel=True)
    elsewhere, _ = await make_opportunity(session_factory, center=other, starts=[NOW + timedelta(days=1)])
    coordinator = await _staff(session_factory, 901, role="coordinator", centers=[awali])
    admin = await _staff(session_factory, 902, role="admin")

    async with session_factory() as session:
        mine = await opportunities_to_address(session, actor=coordinator, now=NOW, limit=20)
        everyone = await opportunities_to_address(session, actor=admin, now=NOW, limit=20)
        first_only = await opportunities_to_address(session, actor=admin, now=NOW, limit=1)

    assert [o.id for o in mine] == [newer.id, older.id]
    assert [o.id for o in everyone] == [elsewhere.id, newer.id, older.id]
    assert [o.id for o in first_only] == [elsewhere.id]


async def test_broadcast_menu_lists_an_opportunitys_shifts_ahead_and_refuses_another_centers(session_factory):
    awali, other = await _two_centers(session_factory)
    opportunity, [late, soon, over] = await make_opportunity(
        session_factory, center=awali, starts=[NOW + timedelta(days=2), NOW + timedelta(days=1), NOW + timedelta(days=3)]
    )
    await _end(session_factory, over)
    elsewhere, _ = await make_opportunity(session_factory, center=other, starts=[NOW + timedelta(days=1)])
    coordinator = await _staff(session_factory, 903, role="coordinator", centers=[awali])

    async with session_factory() as session:
        found = await shifts_to_address(session, actor=coordinator, opportunity_id=opportunity.id, now=NOW, limit=20)
        refused = await shifts_to_address(session, actor=coordinator, opportunity_id=elsewhere.id, now=NOW, limit=20)
        unknown = await shifts_to_address(session, actor=coordinator, opportunity_id=10_000, now=NOW, limit=20)

    assert found is not None and found.opportunity.id == opportunity.id
    assert [s.id for s in found.shifts] == [soon.id, late.id]
    assert refused is None and unknown is None


async def test_an_audience_names_its_center_opportunity_or_shift(session_factory):
    awali, _ = await _two_centers(session_factory)
    opportunity, [shift] = await make_opportunity(session_factory, center=awali, starts=[NOW + timedelta(days=1)])

    async with session_factory() as session:
        of_center = await audience_subject(session, audience=Audience.parse(f"center:{awali.id}"))
        of_shift = await audience_subject(session, audience=Audience.parse(f"shift:{shift.id}"))
        gone = await audience_subject(session, audience=Audience.parse("shift:10000"))
        everyone = await audience_subject(session, audience=Audience.parse("all"))

    assert of_center.center is not None and of_center.center.code == "awali"
    assert of_shift.shift is not None and of_shift.shift.id == shift.id
    assert of_shift.opportunity is not None and of_shift.opportunity.id == opportunity.id
    assert gone.shift is None and gone.opportunity is None
    assert (everyone.center, everyone.opportunity, everyone.shift) == (None, None, None)


async def test_a_center_is_found_by_its_code_only(session_factory):
    awali, _ = await _two_centers(session_factory)
    async with session_factory() as session:
        found = await center_by_code(session, code="awali")
        by_name = await center_by_code(session, code="Al-Awali Center")
    assert found is not None and found.id == awali.id
    assert by_name is None


async def test_the_shift_list_pages_the_coordinators_running_and_upcoming_shifts_soonest_first(session_factory):
    awali, other = await _two_centers(session_factory)
    _, shifts = await make_opportunity(session_factory, center=awali, starts=[NOW + timedelta(days=d) for d in (3, 1, 2, 4)])
    await _end(session_factory, shifts[3], cancel=True)
    _, [running] = await make_opportunity(session_factory, center=awali, starts=[NOW - timedelta(hours=1)])
    await make_opportunity(session_factory, center=other, starts=[NOW + timedelta(days=1)])
    coordinator = await _staff(session_factory, 904, role="coordinator", centers=[awali])

    async with session_factory() as session:
        first = await running_and_upcoming_shifts(session, actor=coordinator, now=NOW, page=0, page_size=3)
        second = await running_and_upcoming_shifts(session, actor=coordinator, now=NOW, page=1, page_size=3)

    assert [s.id for s, _ in first.rows] == [running.id, shifts[1].id, shifts[2].id] and first.has_next
    assert [s.id for s, _ in second.rows] == [shifts[0].id] and not second.has_next
    assert all(isinstance(o, Opportunity) and o.id == s.opportunity_id for s, o in first.rows)


async def test_a_volunteer_is_found_by_telegram_id_or_phone_with_or_without_plus(session_factory):
    async with session_factory() as session, session.begin():
        person = Volunteer(telegram_id=966_511_111_111, phone="+966500000001", registered_at=NOW)
        session.add(person)

    async with session_factory() as session:
        by_id = await find_volunteer(session, telegram_id_or_phone="966511111111")
        by_phone = await find_volunteer(session, telegram_id_or_phone="+966500000001")
        by_bare_phone = await find_volunteer(session, telegram_id_or_phone="966500000001")
        nobody = await find_volunteer(session, telegram_id_or_phone="123")
        not_a_number = await find_volunteer(session, telegram_id_or_phone="sara")

    assert by_id is not None and by_phone is not None and by_bare_phone is not None
    assert by_id.id == by_phone.id == by_bare_phone.id == person.id
    assert nobody is None and not_a_number is None


async def test_a_half_done_conversation_is_read_by_telegram_id(session_factory):
    async with session_factory() as session, session.begin():
        person = Volunteer(telegram_id=905, registered_at=NOW)
        write_conversation(person, {"flow": "broadcast", "text": "مرحبا"})
        session.add(person)

    async with session_factory() as session:
        assert await conversation_of(session, telegram_id=905) == {"flow": "broadcast", "text": "مرحبا"}
        assert await conversation_of(session, telegram_id=906) == {}


def _rows(*lines: str):
    return parse_csv("\n".join([",".join(COLUMNS), *lines]) + "\n", zone=ZONE)


async def test_a_coordinator_may_import_only_into_their_own_centers(session_factory):
    awali, other = await _two_centers(session_factory)
    theirs, _ = await make_opportunity(session_factory, center=other, starts=[NOW + timedelta(days=1)])
    coordinator = await _staff(session_factory, 907, role="coordinator", centers=[awali])
    admin = await _staff(session_factory, 908, role="admin")
    line = "NEW-1,{center},environment,زراعة,Planting,,,2026-12-05T16:00,2026-12-05T19:00,20,,,,all"
    own = _rows(line.format(center="awali"))
    foreign = _rows(line.format(center="shoqiyah"))
    by_name = _rows(line.format(center="Al-Awali Center"))
    takeover = _rows(line.format(center="awali").replace("NEW-1", theirs.ref))

    async with session_factory() as session:
        assert await within_managed_centers(session, actor=coordinator, rows=own)
        assert not await within_managed_centers(session, actor=coordinator, rows=foreign)
        assert not await within_managed_centers(session, actor=coordinator, rows=by_name)  # codes only
        assert not await within_managed_centers(session, actor=coordinator, rows=takeover)
        assert await within_managed_centers(session, actor=admin, rows=foreign + takeover)
