"""A bilingual demo program: eight Makkah neighborhood centers and 38 opportunities in the next weeks.

The opportunities go through the CSV importer, as a coordinator's file would. Refs (DEMO-001...) and
contents never change, and the shift dates are days after the local date of `now` drawn from a
fixed seed: seeding twice on the same day changes nothing, and a later seed only adds new shifts.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, time, timedelta, tzinfo
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.center_targets import seed_demo_center_targets
from models.certificates import seed_demo_certificates
from models.course_demo import seed_demo_courses
from models.demo_teams import seed_demo_teams  # issue 12: a team a demo persona can join
from models.imports import ImportResult, import_rows
from models.opportunity_csv import ParsedRow, format_csv, parse_csv
from models.ratings_demo import seed_demo_ratings
from models.tables import DEFAULT_RADIUS_M, Center

SEED = 1446
HORIZON_DAYS = 27  # every shift falls within four weeks of the seeding day


class DemoCenter(NamedTuple):
    code: str
    name_ar: str
    name_en: str
    latitude: float
    longitude: float


class DemoSite(NamedTuple):
    latitude: float
    longitude: float
    radius_m: int


DEMO_CENTERS = (
    DemoCenter("awali", "مركز حي العوالي", "Al-Awali Neighborhood Center", 21.3740, 39.8720),
    DemoCenter("aziziyah", "مركز حي العزيزية", "Al-Aziziyah Neighborhood Center", 21.4095, 39.8605),
    DemoCenter("shawqiyah", "مركز حي الشوقية", "Al-Shawqiyah Neighborhood Center", 21.3790, 39.7960),
    DemoCenter("zahir", "مركز حي الزاهر", "Al-Zahir Neighborhood Center", 21.4350, 39.8070),
    DemoCenter("naseem", "مركز حي النسيم", "Al-Naseem Neighborhood Center", 21.3990, 39.8790),
    DemoCenter("batha-quraish", "مركز حي بطحاء قريش", "Batha Quraish Neighborhood Center", 21.3850, 39.8380),
    DemoCenter("rusaifah", "مركز حي الرصيفة", "Al-Rusaifah Neighborhood Center", 21.4150, 39.7920),
    DemoCenter("kakiyah", "مركز حي الكعكية", "Al-Kakiyah Neighborhood Center", 21.3700, 39.8120),
)

# Places away from the centers where some opportunities happen: where a demo user "shares their
# location at the site". The Haram's radius is tight because its courtyards are crowded with phones.
DEMO_SITES = {
    "haram": DemoSite(21.4225, 39.8262, 150),
    "kudai": DemoSite(21.4030, 39.8232, 250),
    "jabal-nour": DemoSite(21.4576, 39.8592, 400),
    "exhibition": DemoSite(21.4410, 39.7840, 200),
}


class _Idea(NamedTuple):
    center: str
    category: str
    gender: str
    capacity: int
    hours: float
    start: str  # local time of day
    site: str | None  # a DEMO_SITES key; None: at the center; "": nowhere (code check-in only)
    title_ar: str
    title_en: str
    description_ar: str
    description_en: str


_IDEAS = (
    _Idea("aziziyah", "pilgrims", "male", 40, 4, "16:00", "haram",
          "خدمة ضيوف الرحمن في ساحات المسجد الحرام", "Serving Umrah pilgrims in the Haram courtyards",
          "إرشاد المعتمرين إلى الأبواب والمصليات، وتوزيع مياه زمزم الباردة في الساحات الشمالية، ومساعدة التائهين على الوصول إلى رفقتهم.",
          "Guide pilgrims to the gates and prayer halls, hand out cold Zamzam water in the northern courtyards and help lost pilgrims find their group."),
    _Idea("zahir", "pilgrims", "female", 25, 3, "16:30", "haram",
          "إرشاد المعتمرات في مصليات النساء", "Guiding women pilgrims in the women's prayer areas",
          "استقبال المعتمرات وإرشادهن إلى مصليات النساء ودورات المياه، ومساعدة كبيرات السن منهن.",
          "Welcome women pilgrims, show them the way to the women's prayer areas and facilities, and assist the elderly among them."),
    _Idea("batha-quraish", "pilgrims", "male", 30, 3, "19:30", "haram",
          "توزيع التمور وماء زمزم عند باب الملك عبدالعزيز", "Dates and Zamzam water at King Abdulaziz Gate",
          "تجهيز عبوات التمر وماء زمزم وتوزيعها على المعتمرين بعد صلاة العشاء عند باب الملك عبدالعزيز.",
          "Pack and hand out dates and Zamzam water to pilgrims after the Isha prayer at King Abdulaziz Gate."),
    _Idea("aziziyah", "pilgrims", "male", 20, 4, "20:00", "haram",
          "مساعدة كبار السن وذوي الإعاقة بالعربات في الطواف", "Wheelchair help for elderly and disabled pilgrims",
          "دفع عربات كبار السن وذوي الإعاقة من المعتمرين ومرافقتهم خلال الطواف والسعي.",
          "Push wheelchairs for elderly and disabled pilgrims and accompany them through Tawaf and Sa'i."),
    _Idea("kakiyah", "pilgrims", "all", 15, 3, "17:00", "kudai",
          "استقبال المعتمرين في محطة حافلات كُدي", "Welcoming pilgrims at the Kudai bus station",
          "الترحيب بالمعتمرين القادمين بالحافلات وإرشادهم إلى مسارات الحرم ونقاط الخدمات.",
          "Greet pilgrims arriving by bus and point them to the walkways to the Haram and the service points."),
    _Idea("zahir", "pilgrims", "all", 12, 3, "20:00", "haram",
          "ترجمة وإرشاد المعتمرين الناطقين بغير العربية", "Interpreting for pilgrims who do not speak Arabic",
          "مساعدة المعتمرين الناطقين بالإنجليزية والأردية والإندونيسية في استفساراتهم والوصول إلى وجهاتهم. يُشترط إتقان لغة أجنبية.",
          "Help pilgrims who speak English, Urdu or Indonesian with their questions and their way. Fluency in a second language required."),
    _Idea("awali", "elderly", "male", 10, 2, "16:30", None,
          "زيارة كبار السن في منازلهم", "Home visits to elderly neighbors",
          "زيارات ودية لكبار السن من رجال الحي للاطمئنان عليهم ومؤانستهم وقضاء بعض حاجاتهم.",
          "Friendly visits to elderly men in the neighborhood: check in on them, keep them company and run small errands."),
    _Idea("naseem", "elderly", "female", 10, 2, "17:00", None,
          "زيارة المسنّات ومؤانستهن", "Visiting elderly women at home",
          "زيارة المسنّات في منازلهن برفقة مشرفة المركز، والجلوس معهن والاستماع إليهن وتلبية احتياجاتهن اليسيرة.",
          "Visit elderly women at home with the center's supervisor, sit and talk with them and help with small needs."),
    _Idea("kakiyah", "elderly", "all", 8, 2, "19:00", "",
          "الاتصال الهاتفي بكبار السن", "Phone check-ins with seniors living alone",
          "اتصالات أسبوعية بكبار السن الذين يعيشون وحدهم للاطمئنان عليهم وإبلاغ المركز بأي احتياج. يُسجَّل الحضور برمز المناوبة.",
          "Weekly calls to seniors who live alone to see how they are and pass any needs on to the center. Check in with the shift code."),
    _Idea("shawqiyah", "elderly", "male", 6, 3, "09:00", None,
          "مرافقة كبار السن إلى مواعيدهم الطبية", "Accompanying seniors to medical appointments",
          "مرافقة كبار السن إلى المستشفيات والمراكز الصحية القريبة ومساعدتهم في إجراءات المراجعة وصرف الدواء.",
          "Accompany seniors to nearby hospitals and health centers and help them through registration and the pharmacy."),
    _Idea("rusaifah", "elderly", "all", 15, 2, "19:30", None,
          "أمسية في دار رعاية المسنين", "An evening at the elderly care home",
          "تنظيم أمسية للنزلاء تتضمن مسابقات خفيفة وقراءة وتقديم الضيافة.",
          "Host an evening for the residents with light quizzes, reading aloud and refreshments."),
    _Idea("awali", "environment", "all", 30, 3, "16:00", None,
          "زراعة الأشجار في حديقة الحي", "Tree planting in the neighborhood park",
          "غرس شتلات السدر والنيم في حديقة الحي وتجهيز أحواضها وشبكة الري بالتنقيط.",
          "Plant sidr and neem saplings in the neighborhood park and prepare their beds and drip irrigation."),
    _Idea("batha-quraish", "environment", "male", 40, 3, "16:00", None,
          "حملة تنظيف الحي", "Neighborhood cleanup",
          "تنظيف الشوارع والساحات العامة وجمع المخلفات بالتعاون مع أمانة العاصمة المقدسة. تُوفَّر القفازات والأدوات.",
          "Clean streets and public squares and collect litter together with the Makkah municipality. Gloves and tools are provided."),
    _Idea("zahir", "environment", "male", 25, 3, "06:30", "jabal-nour",
          "تنظيف ممرات جبل النور", "Cleaning the Jabal Al-Nour trail",
          "جمع المخلفات من ممر الصعود إلى غار حراء في الصباح الباكر قبل اشتداد الحر. يلزم حذاء مناسب للمشي.",
          "Collect litter along the path up to the Cave of Hira early in the morning, before the heat. Wear good walking shoes."),
    _Idea("naseem", "environment", "all", 12, 2, "17:00", None,
          "فرز المواد القابلة لإعادة التدوير", "Sorting recyclables at the collection point",
          "فرز البلاستيك والورق والعلب في نقطة التجميع بالحي وتعريف السكان بطرق الفرز المنزلي.",
          "Sort plastic, paper and cans at the neighborhood collection point and show residents how to sort at home."),
    _Idea("rusaifah", "environment", "all", 15, 2, "16:30", None,
          "ري الأشجار والعناية بالحدائق العامة", "Watering and caring for public gardens",
          "ري الأشجار المزروعة حديثًا وتقليم الشجيرات وتنظيف أحواض الحدائق العامة.",
          "Water newly planted trees, prune shrubs and tidy the flower beds of public gardens."),
    _Idea("aziziyah", "health", "all", 30, 4, "16:00", None,
          "حملة التبرع بالدم", "Blood donation drive",
          "استقبال المتبرعين وتسجيل بياناتهم وتقديم الضيافة لهم بالتعاون مع بنك الدم الإقليمي.",
          "Welcome donors, register them and serve refreshments, together with the regional blood bank."),
    _Idea("shawqiyah", "health", "all", 10, 3, "17:00", None,
          "فحص ضغط الدم والسكر مجانًا", "Free blood pressure and sugar checks",
          "مساندة الفريق الطبي في قياس ضغط الدم والسكر لسكان الحي وتسجيل النتائج. يُفضَّل الدارسون في التخصصات الصحية.",
          "Support the medical team measuring residents' blood pressure and blood sugar, and record the results. Health students preferred."),
    _Idea("batha-quraish", "health", "male", 20, 3, "16:00", "haram",
          "التوعية بمخاطر الإجهاد الحراري", "Heat-stress awareness for pilgrims",
          "توزيع المظلات والنشرات التوعوية على المعتمرين وإرشادهم إلى أقرب نقاط الإسعاف.",
          "Hand out umbrellas and leaflets to pilgrims and direct them to the nearest first-aid points."),
    _Idea("kakiyah", "health", "female", 10, 2, "17:00", None,
          "توعية الأمهات بصحة الطفل", "Child health awareness for mothers",
          "مساندة أخصائية التغذية في لقاء توعوي للأمهات عن التطعيمات والتغذية السليمة للأطفال.",
          "Assist the dietitian at an awareness session for mothers on vaccinations and healthy food for children."),
    _Idea("rusaifah", "education", "all", 15, 2, "16:30", None,
          "تقوية طلاب المرحلة الابتدائية في الرياضيات", "Math tutoring for primary school pupils",
          "دروس تقوية في الرياضيات لطلاب المرحلة الابتدائية ضمن مجموعات صغيرة في مكتبة المركز.",
          "Small-group math tutoring for primary school pupils in the center's library."),
    _Idea("awali", "education", "female", 10, 2, "17:00", None,
          "دروس اللغة الإنجليزية لطالبات المرحلة المتوسطة", "English lessons for middle-school girls",
          "مساعدة طالبات المرحلة المتوسطة في المحادثة والواجبات المدرسية باللغة الإنجليزية.",
          "Help middle-school girls with English conversation and homework."),
    _Idea("kakiyah", "education", "male", 12, 2, "16:30", None,
          "حلقات تحفيظ القرآن الكريم للأطفال", "Quran memorization circles for children",
          "الإشراف على حلقات تحفيظ القرآن الكريم للأطفال بعد صلاة العصر ومتابعة حفظهم ومراجعتهم.",
          "Supervise children's Quran memorization circles after Asr and follow their memorization and revision."),
    _Idea("zahir", "education", "all", 10, 2, "19:30", None,
          "المهارات الرقمية لكبار السن", "Digital skills for seniors",
          "تعليم كبار السن استخدام الهاتف الذكي وتطبيقات الخدمات الحكومية مثل توكلنا وأبشر.",
          "Teach seniors to use a smartphone and government service apps such as Tawakkalna and Absher."),
    _Idea("naseem", "education", "female", 8, 2, "17:00", None,
          "ساعة القصة في مكتبة الحي", "Story hour at the neighborhood library",
          "قراءة القصص للأطفال في مكتبة الحي وتنظيم أنشطة رسم وتلوين مرتبطة بها.",
          "Read stories to children at the neighborhood library and run drawing activities around them."),
    _Idea("batha-quraish", "community", "all", 30, 3, "17:00", None,
          "إفطار صائم في الحي", "Community iftar for those fasting",
          "تجهيز وجبات الإفطار وتوزيعها على الصائمين قبيل أذان المغرب في ساحة المسجد المجاور للمركز.",
          "Prepare and serve iftar meals to people fasting, just before the Maghrib call to prayer, in the mosque courtyard next to the center."),
    _Idea("shawqiyah", "community", "male", 25, 3, "16:00", None,
          "تجهيز السلال الغذائية وتوزيعها", "Packing and delivering food baskets",
          "تعبئة السلال الغذائية في مستودع المركز وإيصالها إلى الأسر المستحقة في الحي.",
          "Pack food baskets at the center's store and deliver them to families in need in the neighborhood."),
    _Idea("rusaifah", "community", "female", 15, 3, "16:30", None,
          "فرز الملابس المتبرع بها", "Sorting donated clothes",
          "استلام الملابس المتبرع بها وفرزها حسب المقاس والحالة وتجهيزها للتوزيع على الأسر.",
          "Receive donated clothes, sort them by size and condition and get them ready for families."),
    _Idea("aziziyah", "community", "male", 10, 4, "08:00", None,
          "صيانة منازل الأسر المحتاجة", "Small home repairs for families in need",
          "أعمال صيانة خفيفة لمنازل الأسر المحتاجة كالدهان وإصلاح الإنارة والسباكة البسيطة بإشراف فني مختص.",
          "Light repairs in the homes of families in need, such as painting, lighting and simple plumbing, supervised by a technician."),
    _Idea("naseem", "community", "all", 20, 2, "12:30", None,
          "سقيا الماء البارد للعمال", "Cold water for outdoor workers",
          "توزيع الماء البارد والعصائر على عمال النظافة والبناء في شوارع الحي وقت الظهيرة.",
          "Hand out cold water and juice to street cleaners and construction workers in the neighborhood at midday."),
    _Idea("awali", "events", "all", 40, 4, "16:30", None,
          "مهرجان الحي للأسر", "Neighborhood family festival",
          "تنظيم أركان الألعاب والمسابقات واستقبال الأسر في مهرجان الحي السنوي.",
          "Run the game corners and competitions and welcome families at the yearly neighborhood festival."),
    _Idea("zahir", "events", "male", 30, 3, "06:30", None,
          "تنظيم ماراثون المشي", "Community walkathon marshals",
          "تجهيز مسار الماراثون وتوزيع المياه على المشاركين وإرشادهم عند نقاط التحول.",
          "Set up the walkathon route, hand out water to the walkers and guide them at the turning points."),
    _Idea("zahir", "events", "all", 12, 4, "16:00", "exhibition",
          "استقبال زوار معرض عمارة الحرمين الشريفين", "Welcoming visitors at the Two Holy Mosques Architecture Exhibition",
          "استقبال الزوار وتنظيم دخول المجموعات وتعريفهم بأقسام المعرض.",
          "Welcome visitors, manage group entry and introduce the sections of the exhibition."),
    _Idea("naseem", "events", "female", 20, 4, "17:00", None,
          "ملتقى الأسر المنتجة", "Home-business family fair",
          "تنظيم أجنحة الأسر المنتجة واستقبال الزائرات والمساعدة في تنظيم البيع.",
          "Set up the stands of home-business families, welcome visitors and help with sales."),
    _Idea("aziziyah", "training", "all", 25, 3, "17:00", None,
          "دورة الإسعافات الأولية للمتطوعين", "First-aid course for volunteers",
          "دورة عملية يقدمها مدربون معتمدون في التعامل مع الإغماء والجروح والحروق والاختناق.",
          "A hands-on course by certified trainers: fainting, wounds, burns and choking."),
    _Idea("zahir", "training", "male", 30, 3, "19:30", None,
          "التدريب على إدارة الحشود", "Crowd management training",
          "تدريب على مبادئ تنظيم الحشود وتوجيهها في المواسم وأساليب التعامل مع حالات الطوارئ.",
          "Training in guiding crowds during the busy seasons and in handling emergencies."),
    _Idea("batha-quraish", "training", "all", 40, 2, "19:00", None,
          "ورشة أساسيات التطوع وضيافة ضيوف الرحمن", "Volunteering basics and pilgrim hospitality",
          "ورشة تعريفية بأخلاقيات العمل التطوعي وفنون التعامل مع ضيوف الرحمن من مختلف الثقافات.",
          "An introductory workshop on volunteering ethics and on serving pilgrims from many cultures."),
    _Idea("kakiyah", "training", "female", 15, 3, "17:00", None,
          "دورة الإنعاش القلبي الرئوي للنساء", "CPR course for women",
          "دورة معتمدة في الإنعاش القلبي الرئوي للبالغين والأطفال تقدمها مدربة مختصة.",
          "A certified course in adult and child CPR, taught by a woman trainer."),
)


# Minors (issue 13): the blood donation drive is for adults, so a minor persona is refused there.
DEMO_MIN_AGES = {17: 18}


def demo_rows(*, now: datetime, zone: tzinfo) -> list[ParsedRow]:
    """The demo opportunities as import rows, their shifts on the days after the local date of `now`."""
    today = now.astimezone(zone).date()
    centers = {center.code: center for center in DEMO_CENTERS}
    rng = random.Random(SEED)
    rows: list[ParsedRow] = []
    for number, idea in enumerate(_IDEAS, start=1):
        center = centers[idea.center]
        site = DEMO_SITES.get(idea.site or "", DemoSite(center.latitude, center.longitude, DEFAULT_RADIUS_M))
        offsets = [rng.randint(1, 20)]
        for _ in range(rng.choice((0, 1, 1, 2))):
            offsets.append(offsets[-1] + rng.choice((1, 2, 3, 7)))
        for offset in (day for day in offsets if day <= HORIZON_DAYS):
            starts_at = datetime.combine(today + timedelta(days=offset), time.fromisoformat(idea.start), tzinfo=zone)
            rows.append(
                ParsedRow(
                    line=0, ref=f"DEMO-{number:03d}", center=idea.center, category=idea.category,
                    title_ar=idea.title_ar, title_en=idea.title_en,
                    description_ar=idea.description_ar, description_en=idea.description_en,
                    starts_at=starts_at, ends_at=starts_at + timedelta(hours=idea.hours), capacity=idea.capacity,
                    latitude=None if idea.site == "" else site.latitude,
                    longitude=None if idea.site == "" else site.longitude,
                    radius_m=site.radius_m, gender=idea.gender, min_age=DEMO_MIN_AGES.get(number),
                )
            )
    return rows


async def ensure_demo_centers(session: AsyncSession) -> tuple[dict[str, str], list[str]]:
    """The database code of each demo center, creating the missing ones; and the codes created.

    A center is the demo's when it has the demo code or, say after importing the example file first,
    the demo's Arabic name; it then keeps its names and site, filling in only what is missing.
    """
    centers = list((await session.execute(select(Center).order_by(col(Center.id)))).scalars())
    codes: dict[str, str] = {}
    created: list[str] = []
    for demo in DEMO_CENTERS:
        center = next((c for c in centers if c.code == demo.code), None)
        center = center or next((c for c in centers if c.name_ar == demo.name_ar), None)
        if center is None:
            center = Center(**demo._asdict())
            session.add(center)
            created.append(demo.code)
        else:
            if center.latitude is None or center.longitude is None:
                center.latitude, center.longitude = demo.latitude, demo.longitude
            if center.name_en == center.name_ar:  # the placeholder an import gives a new center
                center.name_en = demo.name_en
        codes[demo.code] = center.code
    await session.flush()
    return codes, created


async def seed_demo_data(session: AsyncSession, *, now: datetime, zone: tzinfo) -> ImportResult:
    """Load the demo centers and opportunities, in the caller's transaction; safe to repeat."""
    codes, created = await ensure_demo_centers(session)
    rows = [replace(row, center=codes[row.center]) for row in demo_rows(now=now, zone=zone)]
    # Through the file format on purpose: the demo exercises the same path as a coordinator's import.
    result = await import_rows(session, parse_csv(format_csv(rows, zone=zone), zone=zone), now=now)
    result.centers_created[:0] = created
    await seed_demo_ratings(session, now=now, zone=zone)  # issue 12: rated past shifts, a weekly series
    await seed_demo_center_targets(session, now=now, zone=zone)
    await seed_demo_teams(session, now=now, zone=zone)
    await seed_demo_courses(session, now=now, zone=zone)
    await seed_demo_certificates(session, now=now, zone=zone)
    return result
