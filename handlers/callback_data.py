"""Callback data: short, prefixed, versioned payloads, built and parsed only here.

Every payload is `<kind>:v1:<fields...>` and stays far below Telegram's 64-byte limit. Parsing
validates kind, version, field count and types; anything else is treated as forged or stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.tables import CATEGORIES

VERSION = "v1"
LANGUAGE_CODES = ("ar", "en")
GENDERS = ("male", "female")


class BadCallback(ValueError):
    """A payload this version of the bot did not make: stale or forged."""


@dataclass(frozen=True)
class Browse:
    page: int = 0
    center_id: int = 0  # 0: every center
    category: str = "-"  # "-": every category

    def filters_key(self) -> tuple[int, str]:
        return self.center_id, self.category


def _pack(kind: str, *fields: object) -> str:
    data = ":".join([kind, VERSION, *(str(f) for f in fields)])
    assert len(data.encode()) <= 64, data
    return data


def language(code: str) -> str:
    return _pack("lang", code)


def center(center_id: int) -> str:
    return _pack("ctr", center_id)


def centers_page(page: int) -> str:
    return _pack("ctrp", page)


def gender(value: str) -> str:
    return _pack("gen", value)


def browse(state: Browse) -> str:
    return _pack("br", state.page, state.center_id, state.category)


def filter_menu(which: str, state: Browse) -> str:
    """which: 'c' (centers) or 'k' (categories)."""
    return _pack("flt", which, state.center_id, state.category)


def opportunity(opportunity_id: int, state: Browse) -> str:
    return _pack("op", opportunity_id, state.page, state.center_id, state.category)


def sign_up(shift_id: int) -> str:
    return _pack("su", shift_id)


def join_waitlist(shift_id: int) -> str:
    return _pack("wl", shift_id)


def cancel(signup_id: int) -> str:
    return _pack("cx", signup_id)


def cancel_confirmed(signup_id: int) -> str:
    return _pack("cxy", signup_id)


def cancel_kept(signup_id: int) -> str:
    return _pack("cxn", signup_id)


def menu(item: str) -> str:
    return _pack("menu", item)


@dataclass(frozen=True)
class Parsed:
    kind: str
    fields: tuple[str, ...]

    def int_at(self, index: int) -> int:
        try:
            value = int(self.fields[index])
        except (IndexError, ValueError) as exc:
            raise BadCallback(self.kind) from exc
        if value < 0 or value > 2**62:
            raise BadCallback(self.kind)
        return value

    def browse_at(self, index: int) -> Browse:
        category = self.fields[index + 2] if len(self.fields) > index + 2 else ""
        if category != "-" and category not in CATEGORIES:
            raise BadCallback(self.kind)
        return Browse(page=self.int_at(index), center_id=self.int_at(index + 1), category=category)


# kind -> number of fields after the version
_SHAPES = {
    "lang": 1, "ctr": 1, "ctrp": 1, "gen": 1, "br": 3, "flt": 3, "op": 4,
    "su": 1, "wl": 1, "cx": 1, "cxy": 1, "cxn": 1, "menu": 1,
}


def parse(data: str | None) -> Parsed:
    """Split and check a payload; BadCallback when it is not one of ours."""
    if not data or len(data.encode()) > 64:
        raise BadCallback(data)
    parts = data.split(":")
    if len(parts) < 2 or parts[1] != VERSION or _SHAPES.get(parts[0]) != len(parts) - 2:
        raise BadCallback(data)
    parsed = Parsed(parts[0], tuple(parts[2:]))
    if parsed.kind == "lang" and parsed.fields[0] not in LANGUAGE_CODES:
        raise BadCallback(data)
    if parsed.kind == "gen" and parsed.fields[0] not in GENDERS:
        raise BadCallback(data)
    if parsed.kind == "flt" and parsed.fields[0] not in ("c", "k"):
        raise BadCallback(data)
    return parsed


def pattern(kind: str) -> str:
    """Regex for CallbackQueryHandler(pattern=...)."""
    return rf"^{kind}:"


# -- Coordinator tools (issue 5) ------------------------------------------------------------------
# The payload only names a row; the handler re-checks the presser's role and the row's center.


def broadcast_audience(kind: str, arg: str | int = "-") -> str:
    """kind: an audience kind, or 'menu' with arg naming the sub-menu ('center', 'shifts-<opp>', ...)."""
    return _pack("bca", kind, arg)


def broadcast_confirm(broadcast_id: int) -> str:
    return _pack("bcy", broadcast_id)


def broadcast_cancel(broadcast_id: int) -> str:
    return _pack("bcn", broadcast_id)


def program_stats(year: int, center_id: int) -> str:
    """center_id 0: every center the presser may see."""
    return _pack("st", year, center_id)


def shift_action(action: str, shift_id: int) -> str:
    """action: card | qr | who | edit | cx | cxy."""
    return _pack("sh", action, shift_id)


def shift_list(page: int) -> str:
    """Another page of /shifts (0 is the first)."""
    return _pack("shp", page)


def mark_no_show(signup_id: int) -> str:
    return _pack("ns", signup_id)


def adjust_attendance(attendance_id: int) -> str:
    return _pack("adj", attendance_id)


def keep_attendance(attendance_id: int) -> str:
    """✅ Keep a flagged record's credited time as it is."""
    return _pack("akp", attendance_id)


def new_opportunity(field: str, value: str | int) -> str:
    """A choice in the new-opportunity conversation: field ctr | cat | gen | site | pub | drop."""
    return _pack("nop", field, value)


_SHAPES.update({"bca": 2, "bcy": 1, "bcn": 1, "st": 2, "sh": 2, "shp": 1, "ns": 1, "adj": 1, "akp": 1, "nop": 2})


# -- Reminders and settings (issue 4) -------------------------------------------------------------
REMINDER_SETTINGS = ("mute", "unmute")


def reminder_attending(signup_id: int) -> str:
    """"I'll be there" under a reminder."""
    return _pack("rmok", signup_id)


def directions(shift_id: int) -> str:
    """The site's location, sent as a map pin."""
    return _pack("rmdir", shift_id)


def reminder_setting(value: str) -> str:
    """value: mute | unmute."""
    assert value in REMINDER_SETTINGS
    return _pack("set", value)


_SHAPES.update({"rmok": 1, "rmdir": 1, "set": 1})
