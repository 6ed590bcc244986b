"""Demo data for issue 12: past shifts with attendance, ratings and comments (for /stats and
/comments), and a weekly series among the upcoming opportunities. Safe to run again: what exists
(by opportunity ref and volunteer id) is left as it is."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.opportunities import new_checkin_code
from models.tables import (
    Attendance,
    Center,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftRating,
    Signup,
    SignupStatus,
    Volunteer,
)

PAST_REF = "DEMO-Q-PAST"
WEEKLY_REF = "DEMO-Q-WEEKLY"
WEEKLY_SHIFTS = 4  # four Fridays: within the four weeks the demo program covers
# Demo volunteers who attended (ids no Telegram user of the demo chat has).
RATERS = (
    (9_100_001, "ar", "female", "نورة"),
    (9_100_002, "ar", "male", "خالد"),
    (9_100_003, "en", "male", "Yusuf"),
    (9_100_004, "ar", "female", "ريم"),
    (9_100_005, "en", "female", "Aisha"),
)
# (days ago, scores of the raters, comments by rater index)
PAST_SHIFTS = (
    (14, (5, 4, 5, 3, 4), {0: "تنظيم رائع وفريق متعاون، شكرًا للمشرفين.", 2: "Well organised; more water bottles next time, please."}),
    (7, (4, 4, 3, 5, 5), {1: "كان الموقع مزدحمًا عند البداية، لكن التوزيع كان واضحًا.", 4: "Loved it. The briefing at the start helped a lot."}),
    (3, (5, 5, 4, 4, 2), {3: "أتمنى توفير مظلات أكثر في الساحة.", 4: "Too few volunteers for the crowd at sunset."}),
)


async def seed_demo_ratings(session: AsyncSession, *, now: datetime, zone: tzinfo) -> None:
    """Rated past shifts and a weekly series at the first demo center, once."""
    center = (await session.execute(select(Center).order_by(col(Center.id)).limit(1))).scalar_one_or_none()
    if center is None or center.id is None:
        return
    existing = set((await session.execute(select(col(Opportunity.ref)).where(col(Opportunity.ref).in_([PAST_REF, WEEKLY_REF])))).scalars())
    if PAST_REF not in existing:
        await _rated_past_shifts(session, center=center, now=now, zone=zone)
    if WEEKLY_REF not in existing:
        await _weekly_series(session, center=center, now=now, zone=zone)


def _local(day: datetime, at: time, zone: tzinfo) -> datetime:
    return datetime.combine(day.astimezone(zone).date(), at, tzinfo=zone)


async def _raters(session: AsyncSession, *, center: Center, now: datetime) -> list[Volunteer]:
    people = []
    for telegram_id, language, gender, name in RATERS:
        person = (await session.execute(select(Volunteer).where(col(Volunteer.telegram_id) == telegram_id))).scalar_one_or_none()
        if person is None:
            person = Volunteer(telegram_id=telegram_id, language=language, display_name=name, center_id=center.id, gender=gender,
                               onboarding_step=None, created_at=now - timedelta(days=30), registered_at=now - timedelta(days=30))
            session.add(person)
            await session.flush()
            person.onboarding_step = None  # None at construction is replaced by the default
        people.append(person)
    return people


async def _rated_past_shifts(session: AsyncSession, *, center: Center, now: datetime, zone: tzinfo) -> None:
    opportunity = Opportunity(
        ref=PAST_REF, center_id=center.id or 0, category="pilgrims",
        title_ar="سقيا زوار الحرم بعد العصر", title_en="Water for the Haram's visitors after Asr",
        description_ar="توزيع الماء البارد على الزوار في الساحات الشمالية.",
        description_en="Handing out cold water to visitors in the northern courtyards.",
        status=OpportunityStatus.PUBLISHED, created_at=now - timedelta(days=21), published_at=now - timedelta(days=21),
    )
    session.add(opportunity)
    await session.flush()
    people = await _raters(session, center=center, now=now)
    for days_ago, scores, comments in PAST_SHIFTS:
        start = _local(now - timedelta(days=days_ago), time(16, 0), zone)
        shift = Shift(opportunity_id=opportunity.id or 0, starts_at=start, ends_at=start + timedelta(hours=3), capacity=10,
                      seats_taken=len(people), latitude=21.4225, longitude=39.8262, radius_m=150, checkin_code=new_checkin_code())
        session.add(shift)
        await session.flush()
        for index, (person, score) in enumerate(zip(people, scores, strict=True)):
            signup = Signup(shift_id=shift.id or 0, volunteer_id=person.id or 0, status=SignupStatus.CONFIRMED,
                            signed_up_at=start - timedelta(days=2))
            session.add(signup)
            await session.flush()
            record = Attendance(signup_id=signup.id, shift_id=shift.id, volunteer_id=person.id or 0, checked_in_at=start,
                                checked_out_at=shift.ends_at, checked_out_by=person.telegram_id, method="code", credited_minutes=180)
            session.add(record)
            await session.flush()
            rated_at = shift.ends_at + timedelta(hours=17)  # the next morning
            comment = comments.get(index)
            session.add(ShiftRating(attendance_id=record.id or 0, volunteer_id=person.id or 0, opportunity_id=opportunity.id or 0,
                                    center_id=center.id or 0, score=score, comment=comment, rated_at=rated_at,
                                    commented_at=rated_at if comment else None))
    await session.flush()


async def _weekly_series(session: AsyncSession, *, center: Center, now: datetime, zone: tzinfo) -> None:
    opportunity = Opportunity(
        ref=WEEKLY_REF, center_id=center.id or 0, category="community",
        title_ar="حلقة الجمعة لكبار السن (أسبوعية)", title_en="Friday circle with the elderly (weekly)",
        description_ar="زيارة أسبوعية لكبار السن في الحي: حديث وقهوة ومساعدة في الاحتياجات اليومية.",
        description_en="A weekly visit to the neighborhood's elderly: conversation, coffee and help with daily needs.",
        status=OpportunityStatus.PUBLISHED, created_at=now, published_at=now,
    )
    session.add(opportunity)
    await session.flush()
    today = now.astimezone(zone).date()
    first_friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    for week in range(WEEKLY_SHIFTS):
        start = datetime.combine(first_friday + timedelta(weeks=week), time(16, 0), tzinfo=zone)
        session.add(Shift(opportunity_id=opportunity.id or 0, starts_at=start, ends_at=start + timedelta(hours=3), capacity=12,
                          latitude=center.latitude, longitude=center.longitude, checkin_code=new_checkin_code()))
    await session.flush()
