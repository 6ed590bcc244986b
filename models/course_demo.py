"""The demo's training course and the opportunity that requires what it teaches (issue 12).

A first-aid course of the Al-Awali center (two sessions, at the Kudai site) grants "First aid" for 24 months; a
first-aid post in the Haram courtyards requires it. In `volunteer-bot demo` a volunteer who taps
the post's sign-up is refused with a button to the course's next session; the coordinator can
also grant it by hand (`/grantqual <their Telegram id> first-aid <reason>`, the id from /records).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.imports import import_rows
from models.opportunity_csv import ParsedRow
from models.qualification_setup import (
    QualificationDraft,
    define_qualification,
    make_course,
    opportunity_by_ref,
    qualification_by_code,
    require_qualification,
)
from models.tables import Center

FIRST_AID = QualificationDraft("first-aid", "الإسعافات الأولية", "First aid", 24)
COURSE_REF, POST_REF = "DEMO-COURSE-FIRST-AID", "DEMO-FIRST-AID-POST"
HARAM = (21.4225, 39.8262, 150)  # the demo sites the chat page has "At the site" buttons for
KUDAI = (21.4030, 39.8232, 250)


def _rows(*, center: Center, now: datetime, zone: tzinfo) -> list[ParsedRow]:
    today = now.astimezone(zone).date()
    rows = []
    for offset in (1, 8):  # the course: two sessions a week apart
        starts_at = datetime.combine(today + timedelta(days=offset), time(17, 0), tzinfo=zone)
        rows.append(ParsedRow(
            line=0, ref=COURSE_REF, center=center.code, category="training",
            title_ar="دورة الإسعافات الأولية", title_en="First aid course",
            description_ar="دورة عملية مع الهلال الأحمر: الإنعاش القلبي، والنزيف، وضربات الشمس. يمنح حضورها مؤهل الإسعافات الأولية لمدة سنتين.",
            description_en="A hands-on course with the Red Crescent: CPR, bleeding, heat stroke. Attending grants the First aid qualification for two years.",
            starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), capacity=20,
            latitude=KUDAI[0], longitude=KUDAI[1], radius_m=KUDAI[2], gender="all",
        ))
    for offset in (3, 10):  # the post that needs it
        starts_at = datetime.combine(today + timedelta(days=offset), time(16, 0), tzinfo=zone)
        rows.append(ParsedRow(
            line=0, ref=POST_REF, center=center.code, category="health",
            title_ar="نقطة إسعاف في ساحات الحرم", title_en="First aid post in the Haram courtyards",
            description_ar="مساندة فرق الإسعاف في الساحات الشمالية. تتطلب مؤهل الإسعافات الأولية.",
            description_en="Support the paramedic teams in the northern courtyards. Requires the First aid qualification.",
            starts_at=starts_at, ends_at=starts_at + timedelta(hours=3), capacity=10,
            latitude=HARAM[0], longitude=HARAM[1], radius_m=HARAM[2], gender="all",
        ))
    return rows


async def seed_demo_courses(session: AsyncSession, *, now: datetime, zone: tzinfo) -> None:
    """The course, the qualification it grants and the post requiring it; safe to repeat."""
    found = await session.execute(
        select(Center).where(or_(col(Center.code) == "awali", col(Center.name_ar) == "مركز حي العوالي")).order_by(col(Center.id))
    )
    center = found.scalars().first()
    if center is None:
        return  # no demo centers: nothing to attach the course to
    await import_rows(session, _rows(center=center, now=now, zone=zone), now=now)
    qualification = await qualification_by_code(session, code=FIRST_AID.code)
    if qualification is None:
        qualification, _ = await define_qualification(session, draft=FIRST_AID, actor_telegram_id=None, now=now)
    course, post = await opportunity_by_ref(session, ref=COURSE_REF), await opportunity_by_ref(session, ref=POST_REF)
    assert course is not None and post is not None
    await make_course(session, opportunity=course, qualification=qualification)
    await require_qualification(session, opportunity=post, qualification=qualification)
