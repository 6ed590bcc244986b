"""Ages from a year of birth: onboarding's question, an opportunity's minimum age, who is a minor.

Only the year of birth is asked (the program needs no more), so an age is never exact. The rule
errs on the side of the younger age: on a given day a volunteer counts as

    age = (the year of that day in Riyadh) - (birth year) - 1

the youngest they can be that day (their birthday may not have come yet). A volunteer born in 2008
counts as 17 throughout 2026 and as 18 from 1 January 2027; an opportunity for 16 and over takes
someone born in 2010 from 2027. Ages are reckoned on the day of the shift, not the day of the
sign-up. A volunteer whose year of birth is unknown (asked before this rule, skipped when the
question is optional, or never asked) is not known to be a minor and is not refused for their age.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.numerals import ascii_digits
from models.tables import ConsentStatus, GuardianConsent, Opportunity, Shift, Volunteer

ADULT_AGE = 18
# The plausible years of birth: at most 100 years ago, at least 5 (a volunteer is a person who can
# use Telegram, or whose guardian does it with them).
OLDEST_AGE, YOUNGEST_AGE = 100, 5
MAX_MIN_AGE = 99
# Ages are counted on the program's calendar: a shift on 1 January at 01:00 in Makkah is in the new year.
AGE_ZONE = ZoneInfo("Asia/Riyadh")


class BirthYearMode(StrEnum):
    """BIRTH_YEAR_MODE: whether onboarding asks the year of birth."""

    REQUIRED = "required"  # asked, no skipping (the default: minors are known, and need consent)
    OPTIONAL = "optional"  # asked, with a Skip button (a skipped year is treated as an adult's)
    OFF = "off"  # not asked; nobody is known to be a minor


class BirthYearProblem(StrEnum):
    FORMAT = "format"  # not four digits
    RANGE = "range"  # four digits, but not a plausible year of birth


def parse_birth_year(text: str, *, now: datetime) -> int | BirthYearProblem:
    """A year of birth as typed (Arabic-Indic digits too), or what is wrong with it."""
    digits = ascii_digits(text.strip())
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        return BirthYearProblem.FORMAT
    year, this_year = int(digits), now.astimezone(AGE_ZONE).year
    if not this_year - OLDEST_AGE <= year <= this_year - YOUNGEST_AGE:
        return BirthYearProblem.RANGE
    return year


def plausible_years(*, now: datetime) -> tuple[int, int]:
    """The earliest and latest year of birth accepted (for the error message)."""
    this_year = now.astimezone(AGE_ZONE).year
    return this_year - OLDEST_AGE, this_year - YOUNGEST_AGE


def age_on(birth_year: int, moment: datetime) -> int:
    """The youngest the volunteer can be on that day (see the module's docstring)."""
    return moment.astimezone(AGE_ZONE).year - birth_year - 1


def is_minor(volunteer: Volunteer, *, on: datetime) -> bool:
    """Known to be under 18 on that day (an unknown year of birth is not)."""
    return volunteer.birth_year is not None and age_on(volunteer.birth_year, on) < ADULT_AGE


def too_young(volunteer: Volunteer, opportunity: Opportunity, shift: Shift) -> bool:
    """Below the opportunity's minimum age on the day of the shift."""
    if opportunity.min_age is None or volunteer.birth_year is None:
        return False
    return age_on(volunteer.birth_year, shift.starts_at) < opportunity.min_age


async def has_guardian_consent(session: AsyncSession, *, volunteer_id: int) -> bool:
    """A guardian's consent (in Telegram or on paper) is on record and not withdrawn."""
    result = await session.execute(
        select(col(GuardianConsent.id)).where(
            col(GuardianConsent.volunteer_id) == volunteer_id, col(GuardianConsent.status) == ConsentStatus.GRANTED
        )
    )
    return result.first() is not None
