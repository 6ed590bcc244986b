"""Callback data: every kind round-trips on the old wire format, forgeries are refused, every kind is wired."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from telegram.ext import CallbackQueryHandler

from handlers import callback_data as cd
from handlers import general
from tests.factories import make_center
from tests.journey import register

STALE = "This button is no longer valid. Please open the menu again."

# One example of every kind, with the payload buttons already in users' chats carry.
EXAMPLES: list[tuple[cd.CallbackData, str]] = [
    (cd.ChooseLanguage("ar"), "lang:v1:ar"),
    (cd.ChooseCenter(7), "ctr:v1:7"),
    (cd.CentersPage(2), "ctrp:v1:2"),
    (cd.ChooseGender("female"), "gen:v1:female"),
    (cd.Browse(), "br:v1:0:0:-"),
    (cd.FilterMenu("k", 3, "health"), "flt:v1:k:3:health"),
    (cd.ShowOpportunity(12, cd.Browse(1, 3, "elderly")), "op:v1:12:1:3:elderly"),
    (cd.SignUp(12), "su:v1:12"),
    (cd.JoinWaitlist(12), "wl:v1:12"),
    (cd.Cancel(40), "cx:v1:40"),
    (cd.CancelConfirmed(40), "cxy:v1:40"),
    (cd.CancelKept(40), "cxn:v1:40"),
    (cd.OfferAnswer(40, "yes"), "ofr:v1:40:yes"),
    (cd.ReminderAttending(40), "rmok:v1:40"),
    (cd.Directions(12), "rmdir:v1:12"),
    (cd.ReminderSetting("mute"), "set:v1:mute"),
    (cd.BroadcastAudience("all"), "bca:v1:all:-"),
    (cd.BroadcastConfirm(5), "bcy:v1:5"),
    (cd.BroadcastCancel(5), "bcn:v1:5"),
    (cd.BroadcastStop(5), "bcs:v1:5"),
    (cd.ProgramStats(2026, 0), "st:v1:2026:0"),
    (cd.ShiftAction("qr", 12), "sh:v1:qr:12"),
    (cd.LeftSiteCheckOut(9), "lft:v1:9"),
    (cd.ShiftList(1), "shp:v1:1"),
    (cd.MarkNoShow(40), "ns:v1:40"),
    (cd.AdjustAttendance(9), "adj:v1:9"),
    (cd.KeepAttendance(9), "akp:v1:9"),
    (cd.NewOpportunity("gen", "all"), "nop:v1:gen:all"),
    (cd.PassRenew("ask"), "pren:v1:ask"),
    (cd.PassCheckIn("Abc_-123456789012345678z", 12, "1"), "pci:v1:Abc_-123456789012345678z:12:1"),
    (cd.PassCheckOut("Abc_-123456789012345678z", 9), "pco:v1:Abc_-123456789012345678z:9"),
    (cd.PassDismiss(), "pcx:v1"),
    (cd.CheckOutConfirm(9), "co:v1:9"),
    (cd.CheckOutKept(9), "con:v1:9"),
    (cd.CheckOutUndo(9), "cou:v1:9"),
    (cd.CheckInFor(40, "shift"), "cif:v1:40:shift"),
    (cd.CheckOutFor(9, "person"), "cof:v1:9:person"),
    (cd.MarkPresent(40, "shift"), "mp:v1:40:shift"),
    (cd.CorrectRecord(9), "fix:v1:9"),
    (cd.VolunteerRecords(12, 1), "rec:v1:12:1"),
    (cd.RateShift(9, "5"), "rate:v1:9:5"),
    (cd.RatingCommentSkip(4), "rateskip:v1:4"),
    (cd.RatingComments(7, 2), "cmts:v1:7:2"),
    (cd.AddToCalendar(40), "ical:v1:40"),
    (cd.YearCardShow(), "yc:v1"),
    (cd.ProfileEdit("emergency_remove"), "pf:v1:emergency_remove"),
    (cd.ProfileCenter(3), "pfc:v1:3"),
    (cd.ProfileCentersPage(1), "pfp:v1:1"),
    (cd.ProfileLanguage("en"), "pfl:v1:en"),
    (cd.GenderChangeAsk("female"), "pga:v1:female"),
    (cd.GenderChangeDecide(12, "male", "yes"), "pgd:v1:12:male:yes"),
    (cd.EraseMe("no"), "del:v1:no"),
    (cd.GuardianAnswer("wdy", "Ab3_-xYz0123456Q"), "gd:v1:wdy:Ab3_-xYz0123456Q"),
    (cd.RosterPhones(44), "rph:v1:44"),
    (cd.NewOpportunityAge(16), "nopa:v1:16"),
    (cd.TeamDecision(7, "yes"), "tmd:v1:7:yes"),
    (cd.TeamPage(7), "tmp:v1:7"),
    (cd.TeamLeave(7, "ask"), "tml:v1:7:ask"),
    (cd.TeamBookShift(7, 12), "tmb:v1:7:12"),
    (cd.TeamBookSeats(7, 12, 3), "tmn:v1:7:12:3"),
    (cd.TeamSeatClaim(5), "tmc:v1:5"),
    (cd.SwapSeat(40), "sws:v1:40"),
    (cd.SwapTo(40, 9), "swt:v1:40:9"),
    (cd.SwapAnswer(3, "no"), "swa:v1:3:no"),
    (cd.InterestsPage(1), "int:v1:1"),
    (cd.ToggleCategory("health", 0), "intk:v1:health:0"),
    (cd.ToggleCenter(3, 1), "intc:v1:3:1"),
    (cd.DigestSetting("on", "interests"), "dig:v1:on:interests"),
    (cd.BrowseMine(2), "brm:v1:2"),
    (cd.ShowMine(12, 1), "opm:v1:12:1"),
    (cd.LeaderboardView("month"), "lb:v1:month"),
    (cd.LeaderboardSetting("out", "year"), "lbs:v1:out:year"),
    (cd.CertificateMenu(), "crm:v1"),
    (cd.CertificateOpportunities(2), "crp:v1:2"),
    (cd.CertificateScope("c", "y2026"), "crs:v1:c:y2026"),
    (cd.CertificateIssue("l", "o123456789012", "both"), "cri:v1:l:o123456789012:both"),
]


def test_the_examples_cover_every_kind():
    assert sorted(type(example).prefix for example, _ in EXAMPLES) == sorted(cd.KINDS)


@pytest.mark.parametrize(("example", "wire"), EXAMPLES, ids=[wire for _, wire in EXAMPLES])
def test_every_kind_round_trips_on_the_wire_format_of_v1(example, wire):
    kind = type(example)
    assert example.data == wire
    assert kind.parse(wire) == example
    assert re.match(kind.pattern, wire)
    others = [other for other, _ in EXAMPLES if type(other) is not kind]
    assert not any(re.match(kind.pattern, other.data) for other in others)  # routing is unambiguous


def test_browse_is_still_the_state_the_list_carries():
    state = cd.ShowOpportunity.parse("op:v1:12:2:3:-").state
    assert state == cd.Browse(page=2, center_id=3, category="-") and state.filters_key() == (3, "-")


def test_the_largest_ids_and_every_declared_choice_are_accepted():
    assert cd.SignUp.parse(f"su:v1:{2**62}").shift_id == 2**62
    assert {cd.ChooseLanguage.parse(f"lang:v1:{code}").code for code in ("ar", "en")} == {"ar", "en"}
    assert cd.ChooseGender.parse("gen:v1:male").gender == "male"
    assert cd.Browse.parse("br:v1:0:0:environment").category == "environment"


@pytest.mark.parametrize(("kind", "payload"), [
    (cd.SignUp, "su:v2:1"),  # another version
    (cd.SignUp, "su:1"),
    (cd.SignUp, "su:v1:1:2"),  # an extra field
    (cd.SignUp, "su:v1"),
    (cd.ShowOpportunity, "op:v1:1"),  # fields missing
    (cd.SignUp, "wl:v1:1"),  # another kind
    (cd.SignUp, "su:v1:abc"),  # not a number
    (cd.SignUp, "su:v1:-4"),
    (cd.SignUp, "su:v1:+4"),
    (cd.SignUp, "su:v1:04"),
    (cd.SignUp, "su:v1: 4"),
    (cd.SignUp, "su:v1:٤"),  # Arabic-Indic digits: int() would take them, the bot never writes them
    (cd.SignUp, "su:v1:"),
    (cd.SignUp, f"su:v1:{2**62 + 1}"),
    (cd.ChooseLanguage, "lang:v1:fr"),  # outside a declared set
    (cd.ChooseGender, "gen:v1:other"),
    (cd.Browse, "br:v1:0:0:weapons"),
    (cd.Browse, "br:v1:0:0:"),
    (cd.FilterMenu, "flt:v1:x:0:-"),  # outside a Literal
    (cd.ReminderSetting, "set:v1:loud"),
    (cd.ShiftAction, "sh:v1:boom:1"),
    (cd.NewOpportunity, "nop:v1:title:x"),
    (cd.BroadcastAudience, "bca:v1:" + "x" * 60),  # over Telegram's 64 bytes
    (cd.SignUp, "su:v1:" + "١" * 30),
    (cd.SignUp, None),
    (cd.SignUp, object()),  # arbitrary callback data, which this bot never uses
])
def test_forged_or_stale_payloads_are_refused(kind, payload):
    with pytest.raises(cd.BadCallback):
        kind.parse(payload)


@pytest.mark.parametrize("build", [
    lambda: cd.BroadcastAudience("menu", "x" * 60).data,  # over 64 bytes
    lambda: cd.BroadcastAudience("menu", "a:b").data,  # would split into another field
    lambda: cd.SignUp(-1).data,
    lambda: cd.SignUp(2**62 + 1).data,
    lambda: cd.ChooseLanguage("fr").data,
    lambda: cd.ShowOpportunity(1, "0:0:-").data,  # type: ignore[arg-type]
])
def test_the_bot_cannot_build_a_payload_it_would_refuse(build):
    with pytest.raises(AssertionError):
        build()


def test_a_kind_is_declared_once_and_only_with_types_it_can_carry():
    with pytest.raises(AssertionError):
        class Again(cd.CallbackData, prefix="su"):
            shift_id: int
    with pytest.raises(TypeError):
        class Ratio(cd.CallbackData, prefix="ratio"):
            value: float
    assert "ratio" not in cd.KINDS and cd.KINDS["su"] is cd.SignUp


def test_every_kind_is_registered_exactly_once_and_before_the_stale_button_fallback(harness):
    handlers = {group: list(found) for group, found in harness.app.handlers.items()}
    buttons = [h for found in handlers.values() for h in found if isinstance(h, CallbackQueryHandler) and isinstance(h.pattern, re.Pattern)]
    patterns = Counter(h.pattern.pattern for h in buttons if isinstance(h.pattern, re.Pattern))
    assert patterns == Counter(kind.pattern for kind in cd.KINDS.values())
    group = handlers[0]
    [fallback] = [i for i, h in enumerate(group) if isinstance(h, CallbackQueryHandler) and h.callback is general.stale_button]
    assert all(group.index(h) < fallback for h in buttons)


async def test_a_malformed_payload_of_every_kind_is_answered_as_stale(harness, session_factory):
    await make_center(session_factory)
    sara = harness.person(560)
    await register(sara, "en")
    for prefix in cd.KINDS:
        before = len(harness.telegram.callback_answers)
        await sara.press_data(f"{prefix}:v1:forged:forged:forged:forged:forged")
        assert len(harness.telegram.callback_answers) == before + 1, prefix
        assert harness.telegram.callback_answers[-1]["text"] == STALE, prefix
