"""Phone numbers as Saudi users type them, in one canonical form: `+9665XXXXXXXX`.

Every form a coordinator (or a shared contact) gives is read the same way: `0501234567`,
`501234567`, `966501234567`, `+966501234567`, `00966501234567`, `+966 0501234567`, with spaces,
dashes, dots or brackets, in Arabic-Indic or Persian digits, with the direction marks a copied
Arabic text carries. Numbers of other countries are kept in international form (`+<digits>`)
when they are written with `+` or `00`. Stored phones and looked-up phones both go through
`normalize_phone`, so comparing them is plain equality on an indexed column.
"""

from __future__ import annotations

import re

from models.numerals import ascii_digits

SAUDI = "966"
# A Saudi mobile number after the country code: 5 and eight more digits.
_SAUDI_MOBILE = re.compile(r"5\d{8}")
# What people put between digits, and the invisible marks copied Arabic text carries.
_SEPARATORS = re.compile(r"[\s\-\.\(\)/\u00a0\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# E.164: at most 15 digits; fewer than 8 is no one's full number.
_INTERNATIONAL = re.compile(r"\d{8,15}")


def normalize_phone(text: str, *, international: bool = False) -> str | None:
    """The canonical form of a typed phone number, or None when it is not one.

    international=True reads bare digits as a full international number (what Telegram's shared
    contacts give: `966501234567`, `201001234567`), after the Saudi forms were tried.
    """
    cleaned = _SEPARATORS.sub("", ascii_digits(text.strip()))
    if cleaned.startswith("+"):
        digits, explicit = cleaned[1:], True
    elif cleaned.startswith("00"):
        digits, explicit = cleaned[2:], True
    else:
        digits, explicit = cleaned, False
    if not digits.isascii() or not digits.isdigit():
        return None
    saudi = _saudi_mobile(digits, local=not explicit)
    if saudi is not None:
        return saudi
    if (explicit or international) and _INTERNATIONAL.fullmatch(digits) and not digits.startswith("0"):
        return "+" + digits
    return None


def _saudi_mobile(digits: str, *, local: bool) -> str | None:
    """+9665XXXXXXXX from 9665XXXXXXXX or 96605XXXXXXXX, and (local) from 05XXXXXXXX or 5XXXXXXXX."""
    rest = None
    if digits.startswith(SAUDI):
        rest = digits[len(SAUDI):]
        if rest.startswith("0"):  # "+966 05…": the trunk zero written after the country code
            rest = rest[1:]
    elif local:
        rest = digits[1:] if digits.startswith("0") else digits
    if rest is not None and _SAUDI_MOBILE.fullmatch(rest):
        return f"+{SAUDI}{rest}"
    return None
