"""Numbers as people type them: Arabic-Indic and Persian digits read as 0-9."""

from __future__ import annotations

# Arabic-Indic digits (U+0660-0669, the Arabic keyboards), the Extended Arabic-Indic ones (U+06F0-06F9,
# Persian and Urdu keyboards, which many phones offer Arabic speakers too) and the Arabic decimal
# separator (U+066B): a coordinator types whichever their keyboard gives them.
_TO_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")


def ascii_digits(text: str) -> str:
    """The text with every Arabic-Indic or Persian digit as 0-9 (and ٫ as a decimal point)."""
    return text.translate(_TO_ASCII)
