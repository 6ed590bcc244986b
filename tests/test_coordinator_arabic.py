"""The same coordinator actions for a coordinator who uses the bot in Arabic."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from models.tables import OutboxMessage, Signup, SignupStatus
from tests.coordinator_support import make_person, sessions
from tests.factories import make_center, make_opportunity

COORDINATOR = 6_500_000_001
START = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)


async def _setup(harness):
    factory = sessions(harness)
    awali = await make_center(factory)
    await make_person(harness, COORDINATOR, role="coordinator", centers=[awali], language="ar", center=awali)
    volunteers = [await make_person(harness, 7_300_000_000 + n, center=awali, name=f"متطوع {n}") for n in range(3)]
    _, (shift,) = await make_opportunity(factory, center=awali, starts=[START])
    async with factory() as session, session.begin():
        session.add_all([Signup(shift_id=shift.id, volunteer_id=v.id, status=SignupStatus.CONFIRMED) for v in volunteers])
    return shift


async def test_arabic_coordinator_broadcasts_to_their_center(harness):
    await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    assert (await coordinator.send("/broadcast"))[-1].text.startswith("📢 أرسل إليّ رسالتك للمتطوعين")
    assert (await coordinator.send("جزاكم الله خيرًا على جهودكم"))[-1].text == "إلى من تُرسل؟"
    sent = await coordinator.press("👥 الجميع في مراكزي")
    assert sent[-2].text == "📢 <b>رسالة من برنامج التطوع</b>\n\nجزاكم الله خيرًا على جهودكم"
    assert "الفئة: جميع المتطوعين المسجلين (في المراكز التي تديرها). ستُرسل إلى 4 متطوعين." in sent[-1].text
    await coordinator.press("✅ أرسل الآن")
    assert "جارٍ إرسال التعميم…" in coordinator.last_text()
    await coordinator.press_data("bcy:v1:1", coordinator.last())
    assert harness.telegram.callback_answers[-1]["text"] == "أُرسل هذا التعميم من قبل، ولا يُرسل مرتين أبدًا."
    await coordinator.send("/broadcast")
    sent = await coordinator.send("x" * 4090)
    assert sent[-1].text.startswith("هذه الرسالة طويلة جدًا")


async def test_arabic_coordinator_checks_the_roster_and_cancels_a_shift(harness):
    await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    sent = await coordinator.send("/shifts")
    assert sent[-1].text == "الورديات الجارية والقادمة. اختر إحداها:"
    await coordinator.press(sent[-1].labels()[0])
    sent = await coordinator.press("🔳 رمز تسجيل الحضور")
    assert sent[-1].text.startswith("🔳 رمز تسجيل الحضور لـ<b>خدمة ضيوف الرحمن</b>")
    sent = await coordinator.press("🧍 من الحاضرون")
    assert "🕒 متوقَّع حضورهم (3)" in sent[-1].text
    await coordinator.press("❌ إلغاء الوردية")
    sent = await coordinator.press("❌ نعم، ألغِ الوردية")
    assert "❌ أُلغيت الوردية. سيُبلَّغ 3 متطوعين." in sent[-1].text
    async with sessions(harness)() as session:
        assert len((await session.execute(select(OutboxMessage))).scalars().all()) == 3


async def test_arabic_coordinator_is_told_about_bad_shift_times(harness):
    await _setup(harness)
    coordinator = harness.person(COORDINATOR)
    assert (await coordinator.send("/newopp"))[-1].text == "1/8 · أرسل عنوان الفرصة بالعربية."
    for text in ("سقيا", "Water", "-", "-"):
        await coordinator.send(text)
    await coordinator.press("مركز حي العوالي")
    await coordinator.press(coordinator.last().labels()[0])
    await coordinator.press("الجميع")
    await coordinator.press("تخطي")
    assert "هذا التاريخ أو الوقت غير موجود" in (await coordinator.send("٢٠٢٦-٠٢-٣٠ 16:00-20:00 10"))[-1].text
    assert "يجب ألا يقل عدد المقاعد عن 1" in (await coordinator.send("2026-12-05 16:00-20:00 -1"))[-1].text
    assert (await coordinator.send("2026-12-05 16:00-20:00 3"))[-1].text.startswith("أُضيفت وردية واحدة حتى الآن.")
