"""Steps of the volunteer journey that many tests share."""

from __future__ import annotations

from tests.harness import Person
from tests.telegram_double import SentMessage

LABELS = {
    "ar": {"male": "رجل", "female": "امرأة", "center": "مركز حي العوالي", "skip": "تخطي"},
    "en": {"male": "Male", "female": "Female", "center": "Al-Awali Center", "skip": "Skip"},
}


async def register(
    person: Person, language: str = "ar", gender: str = "female", name: str = "سارة", birth_year: str | None = "1995"
) -> None:
    """Walk through onboarding: language, name, year of birth (BIRTH_YEAR_MODE required, the
    default; None when the test's settings do not ask it), phone (skipped), center, gender."""
    labels = LABELS[language]
    await person.send("/start")
    await person.press("العربية" if language == "ar" else "English")
    await person.send(name)
    if birth_year is not None:
        await person.send(birth_year)
    await person.send(labels["skip"])
    await person.press(labels["center"])
    await person.press(labels[gender])


async def check_out(person: Person) -> list[SentMessage]:
    """/checkout, then 🏁 Yes, check me out (in whichever language): the messages the tap changed."""
    [question] = await person.send("/checkout")
    [yes] = [b["callback_data"] for b in question.inline_buttons() if b["callback_data"].startswith("co:")]
    return await person.press_data(yes, question)
