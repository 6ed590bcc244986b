"""Onboarding buttons cannot be replayed or forged once a volunteer is registered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import callback_data as cd
from models.tables import Signup, Volunteer
from tests.factories import make_center, make_opportunity
from tests.journey import register


@pytest.fixture
async def center(session_factory):  # type: ignore[no-untyped-def]
    return await make_center(session_factory)

REFUSAL = {
    "en": "Your profile is already complete, so this button no longer changes it. To change your center or other details, please ask a coordinator of your center.",
    "ar": "اكتمل ملفك الشخصي، فلم يعد هذا الزر يغيّر فيه شيئًا. لتغيير مركزك أو بياناتك الأخرى، تواصل من فضلك مع أحد منسّقي مركزك.",
}


async def test_a_registered_man_cannot_become_a_woman_to_take_a_women_only_shift(harness, session_factory, center):
    _, [shift] = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=1)], gender="female")
    omar = harness.person(801)
    await register(omar, "en", gender="male", name="Omar")
    await omar.press_data(cd.ChooseGender("female").data)
    assert harness.telegram.callback_answers[-1]["text"] == REFUSAL["en"]
    await omar.press_data(cd.SignUp(shift.id).data)
    async with session_factory() as session:
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 801))).scalar_one()
        signups = (await session.execute(select(Signup))).scalars().all()
    assert volunteer.gender == "male" and signups == []


async def test_a_registered_volunteer_cannot_move_into_another_center_with_an_old_button(harness, session_factory, center):
    other = await make_center(session_factory, code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center")
    sara = harness.person(802)
    await register(sara, "ar", gender="female", name="سارة")
    await sara.press_data(cd.ChooseCenter(other.id).data)
    assert harness.telegram.callback_answers[-1]["text"] == REFUSAL["ar"]
    async with session_factory() as session:
        volunteer = (await session.execute(select(Volunteer).where(Volunteer.telegram_id == 802))).scalar_one()
    assert volunteer.center_id == center.id
