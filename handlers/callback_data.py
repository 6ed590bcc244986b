"""Callback data: one frozen dataclass per kind of button; build, parse and route all come from it.

Every payload is `<prefix>:v1:<fields...>` and stays within Telegram's 64-byte limit. A kind is
declared once,

    @dataclass(frozen=True)
    class SignUp(CallbackData, prefix="su"):
        shift_id: int

and gives `SignUp(3).data == "su:v1:3"`, `SignUp.parse(query.data)` (a `SignUp`, or `BadCallback`)
and `SignUp.pattern` for `CallbackQueryHandler`. The field types say what is valid: `int` (0 to
2**62, plain digits), `str` (anything without ':'), `Literal[...]` or `Annotated[str, OneOf(...)]`
(one of a fixed set), or another kind whose fields are written inline (`ShowOpportunity` carries
a whole `Browse`). Anything else is forged or stale: refused before a handler sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self, get_args, get_origin, get_type_hints

from models.tables import CATEGORIES, LANGUAGES, Gender

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit on callback_data
MAX_INT = 2**62  # ids, pages and years; anything larger was made up
_DIGITS = re.compile(r"0|[1-9][0-9]*")  # what str(int) writes; not '+1', '01' or Arabic-Indic digits
_RESERVED = frozenset({"data", "parse", "pattern", "prefix"})


class BadCallback(ValueError):
    """A payload this version of the bot did not make: stale or forged."""


class OneOf:
    """Marks a str field that must be one of a declared set: `Annotated[str, OneOf(LANGUAGES)]`."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = frozenset(str(value) for value in values)


Language = Annotated[str, OneOf(LANGUAGES)]
GenderChoice = Annotated[str, OneOf(Gender)]
CategoryFilter = Annotated[str, OneOf(("-", *CATEGORIES))]  # "-": every category


@dataclass(frozen=True)
class _Field:
    name: str
    type: type  # int, str, or a CallbackData kind written inline
    choices: frozenset[str] | None = None


def _field_of(owner: str, name: str, hint: Any) -> _Field:
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        marks = [extra for extra in extras if isinstance(extra, OneOf)]
        if base is str and len(marks) == 1:
            return _Field(name, str, marks[0].values)
    elif get_origin(hint) is Literal and all(isinstance(arg, str) for arg in get_args(hint)):
        return _Field(name, str, frozenset(get_args(hint)))
    elif hint in (int, str) or (isinstance(hint, type) and issubclass(hint, CallbackData)):
        return _Field(name, hint)
    raise TypeError(f"{owner}.{name}: callback data cannot carry {hint!r}")


def _written(field: _Field, value: object) -> str:
    """A value as it goes on the wire; one that parse would refuse is a bug here, not a forgery."""
    if field.type is int:
        assert isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT, (field.name, value)
    else:
        assert isinstance(value, str) and ":" not in value, (field.name, value)
        assert field.choices is None or value in field.choices, (field.name, value)
    return str(value)


def _read(field: _Field, text: str, data: str) -> int | str:
    if field.type is int:
        if not _DIGITS.fullmatch(text) or int(text) > MAX_INT:
            raise BadCallback(data)
        return int(text)
    if field.choices is not None and text not in field.choices:
        raise BadCallback(data)
    return text


KINDS: dict[str, type[CallbackData]] = {}  # prefix -> kind; every kind the bot can make


class CallbackData:
    """The base of every kind. Subclasses are frozen dataclasses and name their `prefix`."""

    prefix: ClassVar[str]
    pattern: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]
    _width: ClassVar[int]  # how many values it writes, inline kinds included

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        assert re.fullmatch(r"[a-z]{1,8}", prefix) and prefix not in KINDS, prefix
        hints = get_type_hints(cls, include_extras=True)
        fields = tuple(_field_of(cls.__name__, n, h) for n, h in hints.items() if get_origin(h) is not ClassVar)
        assert not _RESERVED & {f.name for f in fields}, cls.__name__
        cls.prefix = prefix
        # Routes by kind, not by shape: a malformed payload of a kind still reaches that kind's
        # handler, which refuses it (the coordinator's handlers also keep an audit line of it).
        # Payloads of no kind at all fall through to general.stale_button.
        cls.pattern = rf"^{prefix}:"
        cls._fields = fields
        cls._width = sum(f.type._width if issubclass(f.type, CallbackData) else 1 for f in fields)
        KINDS[prefix] = cls

    @property
    def data(self) -> str:
        """The payload, for `InlineKeyboardButton(callback_data=...)`."""
        data = ":".join([self.prefix, VERSION, *self._values()])
        assert len(data.encode()) <= MAX_BYTES, data
        return data

    def _values(self) -> list[str]:
        values: list[str] = []
        for field in self._fields:
            value = getattr(self, field.name)
            if issubclass(field.type, CallbackData):
                assert isinstance(value, field.type), (field.name, value)
                values += value._values()
            else:
                values.append(_written(field, value))
        return values

    @classmethod
    def parse(cls, data: object) -> Self:
        """The payload as this kind; BadCallback when this bot did not make it."""
        if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
            raise BadCallback(data)
        parts = data.split(":")
        if parts[:2] != [cls.prefix, VERSION] or len(parts) != 2 + cls._width:
            raise BadCallback(data)
        return cls._take(iter(parts[2:]), data)

    @classmethod
    def _take(cls, values: Iterator[str], data: str) -> Self:
        kwargs: dict[str, object] = {}
        for field in cls._fields:
            if issubclass(field.type, CallbackData):
                kwargs[field.name] = field.type._take(values, data)
            else:
                kwargs[field.name] = _read(field, next(values), data)
        return cls(**kwargs)


# -- Onboarding -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChooseLanguage(CallbackData, prefix="lang"):
    code: Language


@dataclass(frozen=True)
class ChooseCenter(CallbackData, prefix="ctr"):
    center_id: int


@dataclass(frozen=True)
class CentersPage(CallbackData, prefix="ctrp"):
    page: int


@dataclass(frozen=True)
class ChooseGender(CallbackData, prefix="gen"):
    gender: GenderChoice


# -- Browsing and signing up ----------------------------------------------------------------------
@dataclass(frozen=True)
class Browse(CallbackData, prefix="br"):
    """A page of the list of opportunities with its filters; also the state other buttons carry."""

    page: int = 0
    center_id: int = 0  # 0: every center
    category: CategoryFilter = "-"

    def filters_key(self) -> tuple[int, str]:
        return self.center_id, self.category


@dataclass(frozen=True)
class FilterMenu(CallbackData, prefix="flt"):
    """Choose a center ('c') or a category ('k') to filter by, keeping the other filter."""

    which: Literal["c", "k"]
    center_id: int
    category: CategoryFilter


@dataclass(frozen=True)
class ShowOpportunity(CallbackData, prefix="op"):
    opportunity_id: int
    state: Browse  # the list to go back to


@dataclass(frozen=True)
class SignUp(CallbackData, prefix="su"):
    shift_id: int


@dataclass(frozen=True)
class JoinWaitlist(CallbackData, prefix="wl"):
    shift_id: int


@dataclass(frozen=True)
class Cancel(CallbackData, prefix="cx"):
    """Cancel a seat or leave a waitlist: asks first."""

    signup_id: int


@dataclass(frozen=True)
class CancelConfirmed(CallbackData, prefix="cxy"):
    signup_id: int


@dataclass(frozen=True)
class CancelKept(CallbackData, prefix="cxn"):
    signup_id: int


@dataclass(frozen=True)
class OfferAnswer(CallbackData, prefix="ofr"):
    """ "✅ Yes, I'll come" / "No, thanks" to a seat offered close to the start."""

    signup_id: int
    answer: Literal["yes", "no"]


# -- Presence on site -----------------------------------------------------------------------------
@dataclass(frozen=True)
class LeftSiteCheckOut(CallbackData, prefix="lft"):
    """🏁 Check out, under "You seem to have left …" (a live location outside the site)."""

    attendance_id: int


# -- Reminders and settings -----------------------------------------------------------------------
@dataclass(frozen=True)
class ReminderAttending(CallbackData, prefix="rmok"):
    """"I'll be there" under a reminder."""

    signup_id: int


@dataclass(frozen=True)
class Directions(CallbackData, prefix="rmdir"):
    """The site's location, sent as a map pin."""

    shift_id: int


@dataclass(frozen=True)
class ReminderSetting(CallbackData, prefix="set"):
    value: Literal["mute", "unmute"]


# -- Coordinator tools ----------------------------------------------------------------------------
# The payload only names a row; the handler re-checks the presser's role and the row's center.
@dataclass(frozen=True)
class BroadcastAudience(CallbackData, prefix="bca"):
    """kind: an audience kind, or 'menu' with arg naming the sub-menu ('center', 'o<id>', ...), or 'stop'.

    Plain strings: the audience grammar lives in models.broadcasts (Audience.parse), which refuses
    a bad one and audits it as such.
    """

    kind: str
    arg: str = "-"


@dataclass(frozen=True)
class BroadcastConfirm(CallbackData, prefix="bcy"):
    broadcast_id: int


@dataclass(frozen=True)
class BroadcastCancel(CallbackData, prefix="bcn"):
    broadcast_id: int


@dataclass(frozen=True)
class BroadcastStop(CallbackData, prefix="bcs"):
    """⛔ on a broadcast's progress message."""

    broadcast_id: int


@dataclass(frozen=True)
class ProgramStats(CallbackData, prefix="st"):
    year: int
    center_id: int  # 0: every center the presser may see


@dataclass(frozen=True)
class ShiftAction(CallbackData, prefix="sh"):
    action: Literal["card", "qr", "qrn", "who", "edit", "cx", "cxy"]  # qrn: 🔄 a new check-in code
    shift_id: int


@dataclass(frozen=True)
class ShiftList(CallbackData, prefix="shp"):
    """Another page of /shifts (0 is the first)."""

    page: int


@dataclass(frozen=True)
class MarkNoShow(CallbackData, prefix="ns"):
    signup_id: int


@dataclass(frozen=True)
class AdjustAttendance(CallbackData, prefix="adj"):
    attendance_id: int


@dataclass(frozen=True)
class KeepAttendance(CallbackData, prefix="akp"):
    """✅ Keep a flagged record's credited time as it is."""

    attendance_id: int


@dataclass(frozen=True)
class NewOpportunity(CallbackData, prefix="nop"):
    """A choice in the new-opportunity conversation; which values fit depends on the field and step."""

    field: Literal["ctr", "cat", "gen", "site", "pub", "drop"]
    value: str


# -- The personal pass (station mode) ---------------------------------------------------------------
@dataclass(frozen=True)
class PassRenew(CallbackData, prefix="pren"):
    """The volunteer's 🔄 Renew under their pass: ask first, then renew (or keep it)."""

    step: Literal["ask", "yes", "no"]


# The coordinator's buttons carry the pass token itself, not the volunteer's id: only someone who
# scanned the pass can make them, and a renewed pass makes them stale.
@dataclass(frozen=True)
class PassCheckIn(CallbackData, prefix="pci"):
    token: str
    shift_id: int
    over: Literal["0", "1"] = "0"  # "1": the coordinator agreed to add a walk-in over capacity


@dataclass(frozen=True)
class PassCheckOut(CallbackData, prefix="pco"):
    token: str
    attendance_id: int


@dataclass(frozen=True)
class PassDismiss(CallbackData, prefix="pcx"):
    """“Not now” under a pass card: nothing is done."""


# -- Mistakes undone and records fixed (issue 9) --------------------------------------------------
@dataclass(frozen=True)
class CheckOutConfirm(CallbackData, prefix="co"):
    """🏁 Yes, check me out (of this record)."""

    attendance_id: int


@dataclass(frozen=True)
class CheckOutKept(CallbackData, prefix="con"):
    """Not yet: stay checked in."""

    attendance_id: int


@dataclass(frozen=True)
class CheckOutUndo(CallbackData, prefix="cou"):
    """↩️ Undo a check-out tapped by mistake (within minutes)."""

    attendance_id: int


# Where a coordinator pressed a fixing button, so the view is refreshed in place: the shift's
# roster ("shift") or a volunteer's records ("person").
FixView = Literal["shift", "person"]


@dataclass(frozen=True)
class CheckInFor(CallbackData, prefix="cif"):
    signup_id: int
    view: FixView


@dataclass(frozen=True)
class CheckOutFor(CallbackData, prefix="cof"):
    attendance_id: int
    view: FixView


@dataclass(frozen=True)
class MarkPresent(CallbackData, prefix="mp"):
    """A no-show (or someone who never checked in) was there: asks for the times."""

    signup_id: int
    view: FixView


@dataclass(frozen=True)
class CorrectRecord(CallbackData, prefix="fix"):
    """✏️ Correct any record (flagged or not): asks for the times or minutes, and a reason."""

    attendance_id: int


@dataclass(frozen=True)
class VolunteerRecords(CallbackData, prefix="rec"):
    """A volunteer's records, one page (0: the newest)."""

    volunteer_id: int
    page: int = 0


# -- Quality feedback and the calendar (issue 12) -------------------------------------------------
@dataclass(frozen=True)
class RateShift(CallbackData, prefix="rate"):
    """⭐ 1 to 5 under "how was your shift?" (one attendance record)."""

    attendance_id: int
    score: Literal["1", "2", "3", "4", "5"]


@dataclass(frozen=True)
class RatingCommentSkip(CallbackData, prefix="rateskip"):
    """No comment after a rating."""

    rating_id: int


@dataclass(frozen=True)
class RatingComments(CallbackData, prefix="cmts"):
    """/comments, one page (0: the newest), of one opportunity (0: every center the reader may see)."""

    opportunity_id: int
    page: int = 0


@dataclass(frozen=True)
class AddToCalendar(CallbackData, prefix="ical"):
    """📅 Add to calendar: the .ics of a confirmed seat."""

    signup_id: int


# -- The shareable year card (issue 11) -----------------------------------------------------------
@dataclass(frozen=True)
class YearCardShow(CallbackData, prefix="yc"):
    """🖼 My year card: the picture of this year, sent to whoever presses it."""


# -- A volunteer's own data (issue 13) ------------------------------------------------------------
ProfileField = Literal[
    "show", "name", "center", "phone", "phone_remove", "language", "emergency", "emergency_remove", "gender"
]


@dataclass(frozen=True)
class ProfileEdit(CallbackData, prefix="pf"):
    """A button of the /profile card: change one thing ("show": back to the card)."""

    field: ProfileField


@dataclass(frozen=True)
class ProfileCenter(CallbackData, prefix="pfc"):
    """A home center picked in /profile."""

    center_id: int


@dataclass(frozen=True)
class ProfileCentersPage(CallbackData, prefix="pfp"):
    page: int


@dataclass(frozen=True)
class ProfileLanguage(CallbackData, prefix="pfl"):
    code: Language


@dataclass(frozen=True)
class GenderChangeAsk(CallbackData, prefix="pga"):
    """Send the request to be recorded as this gender (a coordinator confirms)."""

    gender: GenderChoice


@dataclass(frozen=True)
class GenderChangeDecide(CallbackData, prefix="pgd"):
    """A coordinator's ✅/❌ under a gender change request; stale once the request is decided."""

    volunteer_id: int
    gender: GenderChoice
    decision: Literal["yes", "no"]


@dataclass(frozen=True)
class EraseMe(CallbackData, prefix="del"):
    """/deleteme's answer: erase my data, or keep it."""

    decision: Literal["yes", "no"]


# -- Minors and guardians (issue 13) --------------------------------------------------------------
@dataclass(frozen=True)
class GuardianAnswer(CallbackData, prefix="gd"):
    """Under the guardian page: ✅ consent ("yes"), withdraw ("wd", then "wdy" to confirm, "keep" not to)."""

    action: Literal["yes", "wd", "wdy", "keep"]
    code: str


@dataclass(frozen=True)
class RosterPhones(CallbackData, prefix="rph"):
    """📱 Phones under a shift's roster: the phones this coordinator may see (audited)."""

    shift_id: int


@dataclass(frozen=True)
class NewOpportunityAge(CallbackData, prefix="nopa"):
    """On the /newopp preview: the minimum age (0: any age; one of models.authoring.MIN_AGE_CHOICES)."""

    min_age: int


# -- Neighborhood teams and seat swaps (issue 12) ---------------------------------------------------
# The payload only names rows: the handlers check afresh that the presser leads the team, belongs
# to it, coordinates its center, or is the one the swap was offered to.
@dataclass(frozen=True)
class TeamDecision(CallbackData, prefix="tmd"):
    """A coordinator's ✅ Approve / Decline under a volunteer's request to found a team."""

    team_id: int
    answer: Literal["yes", "no"]


@dataclass(frozen=True)
class TeamPage(CallbackData, prefix="tmp"):
    team_id: int


@dataclass(frozen=True)
class TeamLeave(CallbackData, prefix="tml"):
    """🚪 Leave the team: asks first ('ask'), then leaves ('yes')."""

    team_id: int
    step: Literal["ask", "yes"]


@dataclass(frozen=True)
class TeamBookShift(CallbackData, prefix="tmb"):
    """The leader's 🎟 Book seats: the shifts to choose from (shift 0), then how many seats."""

    team_id: int
    shift_id: int = 0


@dataclass(frozen=True)
class TeamBookSeats(CallbackData, prefix="tmn"):
    team_id: int
    shift_id: int
    seats: int


@dataclass(frozen=True)
class TeamSeatClaim(CallbackData, prefix="tmc"):
    """A member's ✅ Confirm my seat under the leader's booking."""

    booking_id: int


@dataclass(frozen=True)
class SwapSeat(CallbackData, prefix="sws"):
    """🔁 Give my seat: the teammates to offer it to."""

    signup_id: int


@dataclass(frozen=True)
class SwapTo(CallbackData, prefix="swt"):
    signup_id: int
    volunteer_id: int


@dataclass(frozen=True)
class SwapAnswer(CallbackData, prefix="swa"):
    swap_id: int
    answer: Literal["yes", "no"]


# -- What keeps volunteers coming back (issue 12): interests, digest, leaderboard ------------------
Period = Literal["month", "year"]


@dataclass(frozen=True)
class InterestsPage(CallbackData, prefix="int"):
    """/interests: the categories and one page of centers, each a toggle."""

    page: int = 0


@dataclass(frozen=True)
class ToggleCategory(CallbackData, prefix="intk"):
    category: Annotated[str, OneOf(CATEGORIES)]
    page: int  # the page of centers shown beside


@dataclass(frozen=True)
class ToggleCenter(CallbackData, prefix="intc"):
    center_id: int
    page: int


@dataclass(frozen=True)
class DigestSetting(CallbackData, prefix="dig"):
    """☀️ The morning digest on or off; `where` says what to show after: /interests or nothing new."""

    value: Literal["on", "off"]
    where: Literal["interests", "notice"]


@dataclass(frozen=True)
class BrowseMine(CallbackData, prefix="brm"):
    """A page of the opportunities matching the volunteer's interests, the soonest shift first."""

    page: int = 0


@dataclass(frozen=True)
class ShowMine(CallbackData, prefix="opm"):
    """An opportunity opened from the interests list (or the digest); back goes to that list."""

    opportunity_id: int
    page: int = 0


@dataclass(frozen=True)
class LeaderboardView(CallbackData, prefix="lb"):
    period: Period


@dataclass(frozen=True)
class LeaderboardSetting(CallbackData, prefix="lbs"):
    """Show my first name on the leaderboard, or take it off."""

    value: Literal["in", "out"]
    period: Period


# -- Certificates and experience letters (issue 11) -----------------------------------------------
DocumentChoice = Literal["c", "l"]  # certificate, experience letter


@dataclass(frozen=True)
class CertificateMenu(CallbackData, prefix="crm"):
    """Open the /certificate menu (the button under a thank-you)."""


@dataclass(frozen=True)
class CertificateOpportunities(CallbackData, prefix="crp"):
    """"One opportunity": the volunteer's opportunities with confirmed hours, one page."""

    page: int = 0


@dataclass(frozen=True)
class CertificateScope(CallbackData, prefix="crs"):
    """A document and what it covers were chosen (scope as `models.certificates.Scope`): ask the language."""

    document: DocumentChoice
    scope: str


@dataclass(frozen=True)
class CertificateIssue(CallbackData, prefix="cri"):
    """Issue it, in this language (or both)."""

    document: DocumentChoice
    scope: str
    language: Literal["ar", "en", "both"]
