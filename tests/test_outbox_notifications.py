"""Shift changes and cancellations reach every holder once per change."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from bot.sender import drain_once
from handlers import callback_data as cd
from models.notices.shift_holders import notify_shift_holders
from models.signups import sign_up
from models.tables import OutboxMessage, Shift, Signup, Volunteer
from tests.factories import make_center, make_opportunity
from tests.journey import register


async def _volunteer(session, telegram_id: int) -> Volunteer:  # type: ignore[no-untyped-def]
    volunteer = Volunteer(telegram_id=telegram_id, onboarding_step=None, gender="male")
    session.add(volunteer)
    await session.flush()
    return volunteer


async def test_holders_are_told_once_per_change(session_factory) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    center = await make_center(session_factory)
    _, (shift,) = await make_opportunity(session_factory, center=center, starts=[now + timedelta(days=2)], capacity=1)
    async with session_factory() as session, session.begin():
        first, second = await _volunteer(session, 11), await _volunteer(session, 12)
        await sign_up(session, volunteer=first, shift_id=shift.id, now=now)
        await sign_up(session, volunteer=second, shift_id=shift.id, now=now, join_waitlist=True)
    async with session_factory() as session, session.begin():
        assert await notify_shift_holders(session, shift_id=shift.id, change="changed", now=now) == 2
        assert await notify_shift_holders(session, shift_id=shift.id, change="changed", now=now) == 0
    async with session_factory() as session, session.begin():
        stored = await session.get(Shift, shift.id)
        stored.starts_at += timedelta(hours=1)
        stored.ends_at += timedelta(hours=1)
    async with session_factory() as session, session.begin():
        assert await notify_shift_holders(session, shift_id=shift.id, change="changed", now=now) == 2
        assert await notify_shift_holders(session, shift_id=shift.id, change="cancelled", now=now) == 2
        count = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert count == 6


@pytest.mark.parametrize(
    ("language", "changed", "cancelled"),
    [
        ("en",
         "📣 <b>Serving the pilgrims</b> has changed. The shift is now:\n🗓 {when}\n📍 Al-Awali Center\n\n"
         "Your place is kept. If the new arrangement does not suit you, you can give it up below.",
         "❌ We are sorry: <b>Serving the pilgrims</b> ({when}) has been cancelled by the organisers, and your place with it. "
         "Thank you for being ready to serve; other opportunities are waiting for you: /opportunities"),
        ("ar",
         "📣 طرأ تعديل على <b>خدمة ضيوف الرحمن</b>، وأصبحت الوردية:\n🗓 {when}\n📍 مركز حي العوالي\n\n"
         "مكانك محفوظ، وإن لم يناسبك الترتيب الجديد فبإمكانك التخلي عنه من الزر أدناه.",
         "❌ نأسف لإبلاغك بأن المنظّمين ألغوا <b>خدمة ضيوف الرحمن</b> ({when})، وأُلغي مكانك فيها تبعًا لذلك. "
         "شكرًا لاستعدادك للعطاء، وفرص أخرى بانتظارك: /opportunities"),
    ],
)
async def test_holders_read_a_change_and_a_cancellation_in_their_language(harness, session_factory, language, changed, cancelled):
    center = await make_center(session_factory)
    _, (shift,) = await make_opportunity(session_factory, center=center, starts=[harness.now + timedelta(days=2)])
    sara = harness.person(701)
    await register(sara, language, name="Sara")
    await sara.press_data(cd.SignUp(shift.id).data)
    harness.advance(minutes=5)
    services = harness.app.bot_data.services
    t = services.catalogs.for_language(language)

    async with session_factory() as session, session.begin():
        stored = await session.get(Shift, shift.id)
        stored.starts_at += timedelta(hours=1)
        stored.ends_at += timedelta(hours=1)
        when = t.span(stored.starts_at, stored.ends_at)
        await notify_shift_holders(session, shift_id=shift.id, change="changed", now=harness.now)
    await drain_once(harness.app)
    assert sara.last().text == changed.format(when=when)
    assert sara.last().labels() == [t.gettext("Cancel my seat")]

    harness.advance(minutes=5)
    async with session_factory() as session, session.begin():
        stored = await session.get(Shift, shift.id)
        stored.status = "cancelled"
        for signup in (await session.execute(select(Signup).where(Signup.shift_id == shift.id))).scalars():
            signup.status, signup.cancelled_at = "cancelled", harness.now
        await notify_shift_holders(session, shift_id=shift.id, change="cancelled", now=harness.now)
    await drain_once(harness.app)
    assert sara.last().text == cancelled.format(when=when)
