"""Translations (gettext catalogs compiled in memory) and Babel formatting in the user's locale."""

from __future__ import annotations

import gettext as gettext_module
import io
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cached_property
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import parse_pattern
from babel.support import Translations
from hijridate import Gregorian

from models.tables import LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
# Babel locale per catalog: Saudi Arabic for dates and numbers.
BABEL_LOCALES = {"ar": "ar_SA", "en": "en_GB"}
# Parsed once: babel's format_decimal parses its pattern (and the locale) on every call.
NUMBER_PATTERN = parse_pattern("#,##0.##")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (labels defined at import time)."""
    return message


def _compile(po_path: Path, language: str) -> Translations:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=po_path.stem)


def load_catalog(language: str, locales_dir: Path = LOCALES_DIR) -> gettext_module.NullTranslations:
    """Every .po file of the language, compiled in memory, so a fresh clone needs no compile step.

    The main catalog is `messages.po`; other .po files beside it are merged in (a feature can keep
    its own catalog while it is being written).
    """
    folder = locales_dir / language / "LC_MESSAGES"
    files = sorted(folder.glob("*.po"), key=lambda path: path.stem != DOMAIN)
    if not files:
        return gettext_module.NullTranslations()
    merged = _compile(files[0], language)
    for extra in files[1:]:
        merged.merge(_compile(extra, language))
    return merged


@dataclass
class Translator:
    """Everything language-dependent for one language: messages, numbers, dates."""

    language: str
    catalog: gettext_module.NullTranslations
    zone: tzinfo

    @cached_property
    def locale(self) -> Locale:
        return Locale.parse(BABEL_LOCALES.get(self.language, self.language))

    @property
    def rtl(self) -> bool:
        return self.language == "ar"

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    def number(self, value: float | int) -> str:
        return NUMBER_PATTERN.apply(value, self.locale)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def day(self, moment: datetime | date) -> str:
        """A date, with the Umm al-Qura Hijri date beside the Gregorian one in Arabic."""
        local = self.local(moment).date() if isinstance(moment, datetime) else moment
        gregorian = format_date(local, "EEEE d MMMM y", locale=self.locale)
        if self.language != "ar":
            return gregorian
        try:
            hijri = Gregorian(local.year, local.month, local.day).to_hijri()
        except (OverflowError, ValueError):  # outside the Umm al-Qura table
            return gregorian
        return f"{gregorian} ({hijri.day} {hijri.month_name('ar')} {hijri.year} هـ)"

    def time(self, moment: datetime) -> str:
        return format_time(self.local(moment), "h:mm a", locale=self.locale)

    def span(self, start: datetime, end: datetime) -> str:
        """`Wednesday 2 December 2026, 4:00 PM – 8:00 PM` (the end's date when it differs)."""
        same_day = self.local(start).date() == self.local(end).date()
        end_text = self.time(end) if same_day else f"{self.day(end)} {self.time(end)}"
        return f"{self.day(start)}، {self.time(start)} – {end_text}" if self.rtl else (
            f"{self.day(start)}, {self.time(start)} – {end_text}"
        )

    def duration(self, minutes: int) -> str:
        """`3 hours 25 minutes` with the right plural forms."""
        hours, rest = divmod(max(0, minutes), 60)
        parts = []
        if hours:
            parts.append(self.ngettext("{n} hour", "{n} hours", hours).format(n=self.number(hours)))
        if rest or not hours:
            parts.append(self.ngettext("{n} minute", "{n} minutes", rest).format(n=self.number(rest)))
        joiner = self.gettext(" and ")
        return joiner.join(parts)


class Catalogs:
    """The loaded catalogs, one Translator per language."""

    def __init__(self, zone: tzinfo, default_language: str, locales_dir: Path = LOCALES_DIR) -> None:
        self.default_language = default_language
        self._translators = {
            language: Translator(language, load_catalog(language, locales_dir), zone) for language in LANGUAGES
        }

    def for_language(self, language: str | None) -> Translator:
        return self._translators.get(language or "", self._translators[self.default_language])

    def pick_language(self, stored: str | None, telegram_code: str | None) -> str:
        """The stored choice, else Telegram's language if we speak it, else the default."""
        if stored in self._translators:
            return stored
        short = (telegram_code or "").split("-")[0].lower()
        return short if short in self._translators else self.default_language
