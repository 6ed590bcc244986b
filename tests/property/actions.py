"""What a hostile run is made of: actions drawn by hypothesis, independent of any world.

An action names what happens ("Huda presses the 2nd button she can see, on a message the bot can
no longer access"); `tests.property.updates` turns it into a Bot API update against the world as
it is at that moment. Picks are indices taken modulo what exists, so every action is valid in
every world and a shrunk example stays meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from models.tables import CATEGORIES

MAX_TEXT = 4096  # what a user can send, in UTF-16 code units as Telegram counts them

# Characters that break naive code: RTL marks and overrides, zero-width joiners, a BOM, combining
# marks, Arabic-Indic digits, emoji with skin tones and ZWJ sequences, CJK, a non-BMP letter.
# (No control characters but newline and tab: Telegram does not deliver them in texts.)
ODD = ["\u200f", "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u0301", "٣", "۷", "👍🏽", "👨‍👩‍👧", "漢", "𝕏", "\n", "\t"]
LETTERS = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(["\n", "\t"])
# Texts that mean something elsewhere: HTML (with a marker the checks look for), Markdown, SQL,
# format strings, paths, our own payloads and commands.
PHRASES = [
    "<b>zq1</b>", "<i>zq2</i>", "<a href='https://evil.example'>zq3</a>", "<code>zq4</code>", "<tg-spoiler>zq5</tg-spoiler>",
    "<script>alert(1)</script>", "<b>", "</b>", "&amp;", "&lt;b&gt;", "a < b > c & d", "<", "&",
    "*bold* _italic_ `code` ```pre``` [link](https://t.me)", "~~strike~~ ||spoiler|| \\_",
    "'; DROP TABLE volunteer; --", "1 OR 1=1", "%s %d %(name)s", "{name} {0} {}", "{{", "}}",
    "../../etc/passwd", "null", "None", "NaN", "-1", "0", "9" * 30, "ci-", "lang:v1:ar", "su:v1:1",
    "سارة", "عمر بن الخطاب", "Skip", "تخطي", "Male", "امرأة", "  ", "/", "//start", "@volunteer_test_bot",
]
COMMANDS = [
    "start", "help", "language", "opportunities", "my", "checkin", "checkout", "hours", "settings",
    "coord", "staff", "role", "broadcast", "stats", "shifts", "review", "addhours", "newopp",
    "export", "exportopps", "importopps", "audit", "cancel", "admin", "x",
]
MENU = ["browse", "schedule", "checkin", "checkout", "hours", "language", "help"]
# Payload kinds the bot makes, for forgeries that look almost right.
KINDS = ["lang", "ctr", "ctrp", "gen", "br", "flt", "op", "su", "wl", "cx", "cxy", "cxn", "menu", "bca", "bcy",
         "bcn", "st", "sh", "shp", "ns", "adj", "akp", "nop", "rmok", "rmdir", "set"]
FIELDS = ["0", "1", "2", "3", "7", "-1", "99999999999999999999", "ar", "en", "xx", "male", "c", "k", "-",
          *CATEGORIES, "card", "qr", "who", "edit", "cx", "cxy", "mute", "menu", "root", "all", "o1", "1.5", "", " ", "٣"]


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """Cut to what Telegram lets a user send; a whitespace-only text becomes one letter."""
    while utf16(text) > limit:
        text = text[: max(1, len(text) - (utf16(text) - limit + 1) // 2)]
    return text if text.strip() else text + "x"


def _repeated(piece: str, times: int) -> str:
    return fit(piece * times)


hostile_texts = st.one_of(
    st.text(LETTERS, min_size=1, max_size=40),
    st.sampled_from(PHRASES + ODD),
    st.lists(st.sampled_from(PHRASES + ODD + ["a", "ش", " "]), min_size=1, max_size=12).map("".join),
    # Long ones, up to the limit: cheap to draw, and both BMP and non-BMP (2 units per emoji).
    st.builds(_repeated, st.sampled_from(["a", "ش", "😀", "<b>zq6</b>", "&", "\u200f"]), st.integers(1, MAX_TEXT)),
).map(fit)


@dataclass(frozen=True)
class Say:
    """Typed text (no command entity unless it looks like one, as Telegram marks it)."""

    text: str


@dataclass(frozen=True)
class Command:
    name: str
    args: str = ""
    mention: str = ""  # "@volunteer_test_bot", or another bot's name
    code: int | None = None  # /start ci-<the code of the shift with this index>


@dataclass(frozen=True)
class Menu:
    action: str
    language: str


@dataclass(frozen=True)
class Contact:
    own: bool
    phone: str


@dataclass(frozen=True)
class Location:
    where: str  # "site" | "other_site" | "anywhere"
    latitude: float
    longitude: float
    venue: bool = False
    live: bool = False


@dataclass(frozen=True)
class Forwarded:
    content: Say | Location | Contact | Command
    origin: str  # "user" | "hidden_user" | "channel"


@dataclass(frozen=True)
class Edited:
    """One of the actor's earlier messages (by index) edited to new content."""

    pick: int
    content: Say | Command | Menu | Location


@dataclass(frozen=True)
class Attachment:
    kind: str  # sticker | photo | document | voice | dice | poll


@dataclass(frozen=True)
class Press:
    """A callback query. source: "latest" (a button of the presser's latest message that has
    buttons), "own" (any button in the presser's chat), "again" (the presser's previous press,
    once more: a second tap with a new query id), "others" (a real
    button from someone else's chat), "forged" (any payload up to 64 bytes), "near" (our kind
    and version with odd fields). where: "button" (the message that has it), "latest" (the
    presser's latest message) or "gone" (an id the bot no longer has)."""

    source: str
    pick: int
    data: str = ""
    where: str = "button"
    inaccessible: bool = False
    inline: bool = False
    late: bool = False  # answered after Telegram's window: the answer is refused


@dataclass(frozen=True)
class ChatMember:
    """my_chat_member in the private chat: "kicked" (blocks the bot) or "member" (unblocks)."""

    status: str


@dataclass(frozen=True)
class Group:
    """Something in a group or supergroup the actor shares with the bot."""

    kind: str  # "text" | "command" | "location" | "added" | "removed"
    text: str = ""


@dataclass(frozen=True)
class Channel:
    kind: str  # "post" | "edited_post"
    text: str


@dataclass(frozen=True)
class Other:
    kind: str  # "inline_query" | "poll_answer" | "reaction" | "join_request" | "chat_member"
    text: str = ""


@dataclass(frozen=True)
class Wait:
    """Time passes (not an update): shifts open, run, end."""

    minutes: int


Action = Say | Command | Menu | Contact | Location | Forwarded | Edited | Attachment | Press | ChatMember | Group | Channel | Other | Wait


@dataclass(frozen=True)
class Step:
    actor: int
    action: Action
    twice: bool = False  # Telegram delivers the same update again (same update_id)


def _forged_data(text: str) -> str:
    data = text.encode()[:64].decode(errors="ignore")
    return data or "x"


# The volunteer's journey comes up more often than the rest, so runs get deep (signed up, checked
# in, checked out) as well as wide.
JOURNEY = ["start", "opportunities", "my", "checkin", "checkout", "hours"]
commands = st.builds(
    Command,
    name=st.sampled_from(COMMANDS + JOURNEY * 4) | st.from_regex(r"[a-z_0-9]{1,32}", fullmatch=True),
    args=st.sampled_from(["", "", "1", "ci-", "ci-nope", "hours xlsx 2026-01-01 2026-12-31 awali", "8000000003 2 reason"]) | hostile_texts.map(lambda t: t[:200]),
    mention=st.sampled_from(["", "", "", "@volunteer_test_bot", "@other_bot"]),
    code=st.none() | st.integers(0, 20),
)
menus = st.builds(Menu, st.sampled_from(MENU), st.sampled_from(["ar", "en"]))
phones = st.sampled_from(["+966500000001", "966 50 000 0002", "٠٥٠٠٠٠٠٠٠٣", "+1 (555) 010-9999", "123"]) | st.from_regex(r"\+?[0-9]{5,15}", fullmatch=True)
contacts = st.builds(Contact, st.booleans(), phones)
near = st.floats(-0.002, 0.002)
locations = st.one_of(
    st.builds(lambda dy, dx, venue, live: Location("site", dy, dx, venue, live), near, near, st.booleans(), st.booleans()),
    st.builds(lambda dy, dx, venue: Location("other_site", dy, dx, venue), near, near, st.booleans()),
    st.builds(lambda lat, lon: Location("anywhere", lat, lon), st.floats(-90, 90), st.floats(-180, 180)),
)
says = st.builds(Say, hostile_texts)
near_payloads = st.builds(
    lambda kind, fields: ":".join([kind, "v1", *fields]),
    st.sampled_from(KINDS), st.lists(st.sampled_from(FIELDS) | st.integers(-3, 40).map(str), max_size=5),
).map(_forged_data)
presses = st.builds(
    Press,
    source=st.sampled_from(["latest"] * 4 + ["own"] * 3 + ["again"] * 2 + ["others"] * 2 + ["forged", "near"]),
    pick=st.integers(0, 1_000),
    data=(st.text(LETTERS, max_size=64) | st.binary(max_size=64).map(lambda b: b.decode("latin-1"))).map(_forged_data) | near_payloads,
    where=st.sampled_from(["button", "button", "button", "latest", "gone"]),
    inaccessible=st.integers(0, 5).map(lambda n: n == 0),
    inline=st.integers(0, 9).map(lambda n: n == 0),
    late=st.integers(0, 5).map(lambda n: n == 0),
)
# The volunteer's journey, step by step: find, sign up, check in at the site, stay, check out.
journey = st.sampled_from([
    Location("site", 0.0, 0.0), Location("other_site", 0.0001, -0.0001), Command("checkout"), Menu("checkout", "ar"),
    Command("opportunities"), Command("opportunities"), Press("latest", 0), Press("latest", 1), Press("latest", 2),
    Press("latest", 0), Press("again", 0), Press("latest", 0, inaccessible=True), Press("latest", 1, late=True),
    Command("my"), Menu("hours", "en"), Wait(30),
    # The coordinator's tools (refused to volunteers), with texts that must stay text.
    Command("broadcast"), Command("newopp"), Command("shifts"), Command("review"), Command("coord"),
    Command("addhours", "8000000004 2 <b>zq30</b> & co"), Command("export", "hours csv 2026-11-01 2026-12-31"),
    Say("<b>zq31</b> & <i>"), Say("2026-12-05 16:00-20:00 3"), Say("1.5 <i>zq32</i>"),
])


def weighted(*choices: tuple[int, st.SearchStrategy[Action]]) -> st.SearchStrategy[Action]:
    """One of the strategies, each as often as its weight (one_of would flatten nested ones)."""
    return st.sampled_from([strategy for weight, strategy in choices for _ in range(weight)]).flatmap(lambda strategy: strategy)


actions: st.SearchStrategy[Action] = weighted(
    (30, journey),
    (12, presses),
    (10, says),
    (8, commands),
    (4, menus),
    (3, contacts),
    (5, locations),
    (3, st.builds(Forwarded, st.one_of(says, locations, contacts, commands), st.sampled_from(["user", "hidden_user", "channel"]))),
    (5, st.builds(Edited, st.integers(0, 50), st.one_of(says, commands, menus, locations))),
    (2, st.builds(Attachment, st.sampled_from(["sticker", "photo", "document", "voice", "dice", "poll"]))),
    (2, st.builds(ChatMember, st.sampled_from(["kicked", "member"]))),
    (3, st.builds(Group, st.sampled_from(["text", "command", "location", "added", "removed"]), hostile_texts.map(lambda t: t[:100]))),
    (2, st.builds(Channel, st.sampled_from(["post", "edited_post"]), hostile_texts.map(lambda t: t[:100]))),
    (2, st.builds(Other, st.sampled_from(["inline_query", "poll_answer", "reaction", "join_request", "chat_member"]), hostile_texts.map(lambda t: t[:64]))),
    (3, st.builds(Wait, st.sampled_from([1, 5, 20, 60, 150, 60 * 26]))),
)
# Registered volunteers act most: they can go deepest.
actors = st.sampled_from([0, 1, 2, 2, 2, 3, 3, 3, 4, 4])
steps = st.builds(Step, actors, actions, st.integers(0, 7).map(lambda n: n == 0))


def runs(min_steps: int = 20, max_steps: int = 60) -> st.SearchStrategy[list[Step]]:
    """One run: a list of steps by the actors, played in order in a fresh world."""
    return st.lists(steps, min_size=min_steps, max_size=max_steps)
