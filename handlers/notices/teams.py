"""Renderers of the team notices (facts from `models.notices.teams`)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import callback_data as cd
from handlers.common import center_name, esc, opportunity_title
from handlers.notices.rendered import Rendered
from infra.i18n import Translator
from models.notices.teams import SwapFacts, TeamFacts, TeamMessageFacts, TeamSeatsFacts
from models.tables import SwapStatus, TeamStatus


def render_team_requested(t: Translator, facts: TeamFacts) -> Rendered:
    text = t.gettext(
        "👥 <b>{leader}</b> asks to found the team <b>{team}</b> at {center}, and to lead it. Do you approve?"
    ).format(leader=esc(facts.leader.display_name), team=esc(facts.team.name), center=esc(center_name(facts.center, t.language)))
    assert facts.team.id is not None
    return Rendered(text, InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("✅ Approve"), callback_data=cd.TeamDecision(facts.team.id, "yes").data),
        InlineKeyboardButton(t.gettext("Decline"), callback_data=cd.TeamDecision(facts.team.id, "no").data),
    ]]))


def render_team_decided(t: Translator, facts: TeamFacts) -> Rendered:
    team, center = esc(facts.team.name), esc(center_name(facts.center, t.language))
    if facts.team.status == TeamStatus.ACTIVE:
        text = t.gettext(
            "🎉 Your team <b>{team}</b> at {center} is approved, and you lead it. Open /team for the invite link to share with your neighbors."
        )
    else:
        text = t.gettext("Sorry, your request to found the team <b>{team}</b> at {center} was not approved. You can ask your center for the reason.")
    return Rendered(text.format(team=team, center=center))


def render_team_seats(t: Translator, facts: TeamSeatsFacts) -> Rendered:
    text = t.ngettext(
        "🎟 Your team leader {leader} booked {n} seat for <b>{team}</b> on <b>{title}</b>\n{when}\n\nWill you come? Confirm your seat by {deadline}; seats nobody confirms by then go back to other volunteers.",
        "🎟 Your team leader {leader} booked {n} seats for <b>{team}</b> on <b>{title}</b>\n{when}\n\nWill you come? Confirm your seat by {deadline}; seats nobody confirms by then go back to other volunteers.",
        facts.booking.seats,
    ).format(
        leader=esc(facts.team.leader.display_name), n=t.number(facts.booking.seats), team=esc(facts.team.team.name),
        title=esc(opportunity_title(facts.opportunity, t.language)), when=t.span(facts.shift.starts_at, facts.shift.ends_at),
        deadline=f"{t.day(facts.booking.deadline)} {t.time(facts.booking.deadline)}",
    )
    assert facts.booking.id is not None
    button = InlineKeyboardButton(t.gettext("✅ Confirm my seat"), callback_data=cd.TeamSeatClaim(facts.booking.id).data)
    return Rendered(text, InlineKeyboardMarkup([[button]]))


def render_team_message(t: Translator, facts: TeamMessageFacts) -> Rendered:
    heading = t.gettext("📣 From {leader}, leader of your team <b>{team}</b>:").format(
        leader=esc(facts.team.leader.display_name), team=esc(facts.team.team.name)
    )
    return Rendered(f"{heading}\n\n{esc(facts.message.text)}")


def render_swap_offered(t: Translator, facts: SwapFacts) -> Rendered:
    text = t.gettext(
        "🔁 Your teammate {giver} cannot come and offers you their seat on <b>{title}</b>\n{when}\n\nWould you like to take it?"
    ).format(
        giver=esc(facts.giver.display_name), title=esc(opportunity_title(facts.opportunity, t.language)),
        when=t.span(facts.shift.starts_at, facts.shift.ends_at),
    )
    assert facts.swap.id is not None
    return Rendered(text, InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("✅ Take the seat"), callback_data=cd.SwapAnswer(facts.swap.id, "yes").data),
        InlineKeyboardButton(t.gettext("No, thanks"), callback_data=cd.SwapAnswer(facts.swap.id, "no").data),
    ]]))


def render_swap_answered(t: Translator, facts: SwapFacts) -> Rendered:
    values = {
        "teammate": esc(facts.teammate.display_name), "title": esc(opportunity_title(facts.opportunity, t.language)),
        "when": t.span(facts.shift.starts_at, facts.shift.ends_at),
    }
    if facts.swap.status == SwapStatus.ACCEPTED:
        text = t.gettext("✅ {teammate} took your seat on <b>{title}</b> ({when}). Thank you for passing it on!")
        return Rendered(text.format(**values))
    text = t.gettext("{teammate} cannot take your seat on <b>{title}</b> ({when}): it is still yours. You can offer it to someone else or give it back in 📅 My schedule.")
    assert facts.swap.signup_id is not None
    return Rendered(text.format(**values), InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("🔁 Give my seat to a teammate"), callback_data=cd.SwapSeat(facts.swap.signup_id).data),
        InlineKeyboardButton(t.gettext("Cancel my seat"), callback_data=cd.Cancel(facts.swap.signup_id).data),
    ]]))
