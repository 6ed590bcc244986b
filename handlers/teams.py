"""Neighborhood teams: /team, /newteam, /jointeam (or `/start t-<code>`), leaving, /teammsg,
and a coordinator's decision on a volunteer's request (rules in models.teams)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import center_name, esc, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, require_staff
from handlers.gate import require_registration
from infra.i18n import Translator
from models.coordination import center_by_code, load_actor
from models.tables import Team
from models.team_messages import MessageOutcome, message_team
from models.teams import (
    DecisionOutcome,
    FoundOutcome,
    FoundResult,
    JoinOutcome,
    JoinResult,
    LeaveOutcome,
    TeamPage,
    decide_team,
    found_team,
    join_team,
    leave_team,
    request_team,
    team_of_member,
    team_page,
    teams_of,
)
from models.volunteers import find_volunteer, is_registered

INVITE_PREFIX = "t-"


def invite_link(context: BotContext, team: Team) -> str:
    """The link that opens the bot with `/start t-<code>`."""
    return f"https://t.me/{context.bot.username}?start={INVITE_PREFIX}{team.invite_code}"


def render_team_page(t: Translator, page: TeamPage, *, leader_view: bool, link: str) -> tuple[str, InlineKeyboardMarkup]:
    team = page.team
    assert team.id is not None
    lines = [
        t.gettext("👥 <b>{team}</b> — {center}").format(team=esc(team.name), center=esc(center_name(page.center, t.language))),
        t.gettext("Leader: {leader}").format(leader=esc(page.leader_name)),
        t.ngettext("{n} member", "{n} members", len(page.members)).format(n=t.number(len(page.members))),
        t.gettext("⏱ The team's confirmed hours: this month {month} · this year {year}").format(
            month=t.duration(page.month_minutes), year=t.duration(page.year_minutes)
        ),
    ]
    if leader_view:
        lines += ["", t.gettext("<b>Members</b> (confirmed hours this month · this year):")]
        lines += [
            f"{number}. {esc(member.name)} — {t.duration(member.month_minutes)} · {t.duration(member.year_minutes)}"
            for number, member in enumerate(page.members, start=1)
        ]
        lines += [
            "",
            t.gettext("🔗 Invite your neighbors with this link: {link}\nor the code <code>{code}</code> (/jointeam {code}).").format(
                link=link, code=team.invite_code
            ),
            t.gettext("📣 To message the team, send /teammsg followed by your message (up to 3 a day)."),
        ]
        buttons = [[InlineKeyboardButton(t.gettext("🎟 Book seats for the team"), callback_data=cd.TeamBookShift(team.id).data)]]
    else:
        buttons = [[InlineKeyboardButton(t.gettext("🚪 Leave the team"), callback_data=cd.TeamLeave(team.id, "ask").data)]]
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def show_team(update: Update, context: BotContext) -> None:
    """/team: the volunteer's team page (a choice first when they are in teams of several centers)."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        assert volunteer.id is not None
        teams = await teams_of(session, volunteer_id=volunteer.id)
        page = await team_page(session, team=teams[0], now=context.now(), zone=context.settings.zone) if len(teams) == 1 else None
    if not teams:
        await reply(update, t.gettext(
            "You are not in a team yet. Ask your team leader for the invite link, or ask to found a team: /newteam followed by its name."
        ))
        return
    if page is None:
        rows = [[InlineKeyboardButton(team.name[:60], callback_data=cd.TeamPage(team.id or 0).data)] for team in teams]
        await reply(update, t.gettext("Your teams:"), InlineKeyboardMarkup(rows))
        return
    await reply(update, *render_team_page(t, page, leader_view=page.team.leader_id == volunteer.id, link=invite_link(context, page.team)))


async def team_page_button(update: Update, context: BotContext) -> None:
    """One of the volunteer's teams."""
    query = update.callback_query
    assert query is not None
    team_id = cd.TeamPage.parse(query.data).team_id
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        team = await team_of_member(session, team_id=team_id, volunteer=volunteer)
        page = await team_page(session, team=team, now=context.now(), zone=context.settings.zone) if team else None
    if page is None:
        await query.answer(t.gettext("You are not a member of this team."), show_alert=True)
        return
    await query.answer()
    await show(query, *render_team_page(t, page, leader_view=page.team.leader_id == volunteer.id, link=invite_link(context, page.team)))


def render_found(t: Translator, result: FoundResult, *, link: str = "") -> str:
    team = esc(result.team.name) if result.team else ""
    texts = {
        FoundOutcome.FOUNDED: t.gettext("✅ The team <b>{team}</b> is founded. Its leader can share this invite link: {link}"),
        FoundOutcome.REQUESTED: t.gettext(
            "📨 Your request to found the team <b>{team}</b> has been sent to your center's coordinators. We will tell you their answer."
        ),
        FoundOutcome.LEADER_IN_TEAM: t.gettext("Sorry, the leader is already in the team {other} in this center: a volunteer belongs to one team per center."),
        FoundOutcome.ALREADY_REQUESTED: t.gettext("Your request to found the team <b>{team}</b> is still waiting for a coordinator's answer."),
        FoundOutcome.NO_CENTER: t.gettext("Please choose your center first (send /start)."),
        FoundOutcome.BAD_NAME: t.gettext("Please give the team a name, e.g. /newteam Al-Awali Youth."),
    }
    other = esc(result.other.name) if result.other else ""
    return texts[result.outcome].format(team=team, link=link, other=f"<b>{other}</b>" if other else "")


async def new_team_command(update: Update, context: BotContext) -> None:
    """/newteam: a coordinator founds a team (`<center code> <leader's id or phone> <name>`);
    a volunteer asks to found one in their center (`<name>`)."""
    args = context.args or []
    user = update.effective_user
    assert user is not None
    async with context.transaction() as session:
        actor = await load_actor(session, telegram_id=user.id)
        if actor is None:
            volunteer = await require_registration(update, context, session)
            if volunteer is None:
                return
            t = context.translator(volunteer.language)
            result = await request_team(session, volunteer=volunteer, name=" ".join(args), now=context.now())
            await reply(update, render_found(t, result))
            return
        t = context.translator(actor.volunteer.language)
        if len(args) < 3:
            await reply(update, t.gettext(
                "To found a team, send: /newteam <center code> <the leader's Telegram id or phone> <team name>\n"
                "e.g. /newteam awali 0551234567 Al-Awali Youth"
            ))
            return
        center = await center_by_code(session, code=args[0])
        if center is None:
            await require_staff(update, context, session, action="team.found", missing_target=True, target=args[0][:64])
            return
        allowed, t = await require_staff(update, context, session, action="team.found", center_id=center.id, target=f"center:{center.id}")
        if allowed is None:
            return
        leader = await find_volunteer(session, telegram_id_or_phone=args[1])
        if leader is None or not is_registered(leader):
            await reply(update, t.gettext("No registered volunteer has this Telegram id or phone number."))
            return
        assert center.id is not None
        result = await found_team(session, center_id=center.id, leader=leader, name=" ".join(args[2:]), decided_by=user.id, now=context.now())
    await reply(update, render_found(t, result, link=invite_link(context, result.team) if result.team else ""))


async def decide_team_button(update: Update, context: BotContext) -> None:
    """A coordinator's ✅ Approve / Decline of a volunteer's request (only for that center's staff)."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.TeamDecision, action="team.decide")
    if parsed is None:
        return
    async with context.transaction() as session:
        team = await session.get(Team, parsed.team_id)
        if team is None:
            await require_staff(update, context, session, action="team.decide", missing_target=True, target=f"team:{parsed.team_id}")
            return
        actor, t = await require_staff(update, context, session, action="team.decide", center_id=team.center_id, target=f"team:{team.id}")
        if actor is None:
            return
        outcome = await decide_team(session, team=team, approve=parsed.answer == "yes", decided_by=actor.telegram_id, now=context.now())
        name = esc(team.name)
    texts = {
        DecisionOutcome.APPROVED: t.gettext("✅ The team <b>{team}</b> is approved; its leader has been told."),
        DecisionOutcome.DECLINED: t.gettext("The request to found <b>{team}</b> is declined; the volunteer has been told."),
        DecisionOutcome.ALREADY_DECIDED: t.gettext("This request for <b>{team}</b> has already been answered."),
        DecisionOutcome.LEADER_IN_TEAM: t.gettext("The volunteer has joined another team of this center meanwhile, so <b>{team}</b> cannot be approved."),
    }
    await query.answer()
    await show(query, texts[outcome].format(team=name))


def render_join(t: Translator, result: JoinResult) -> str:
    texts = {
        JoinOutcome.JOINED: t.gettext("🎉 Welcome to the team <b>{team}</b>! Open /team to see it."),
        JoinOutcome.ALREADY_MEMBER: t.gettext("You are already in the team <b>{team}</b>."),
        JoinOutcome.OTHER_TEAM: t.gettext(
            "Sorry, you are already in the team <b>{other}</b> in this center, and a volunteer belongs to one team per center. Leave it first (in /team) to join <b>{team}</b>."
        ),
        JoinOutcome.UNKNOWN: t.gettext("This invite code does not belong to any team. Please check it with your team leader."),
    }
    return texts[result.outcome].format(team=esc(result.team.name) if result.team else "", other=esc(result.other.name) if result.other else "")


async def _join(update: Update, context: BotContext, code: str) -> None:
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        result = await join_team(session, volunteer=volunteer, code=code, now=context.now())
    await reply(update, render_join(t, result))


async def join_team_link(update: Update, context: BotContext, rest: str) -> None:
    """`/start t-<code>`: the invite link."""
    await _join(update, context, rest)


async def join_team_command(update: Update, context: BotContext) -> None:
    """/jointeam <code>."""
    await _join(update, context, " ".join(context.args or []))


async def leave_team_button(update: Update, context: BotContext) -> None:
    """🚪 Leave the team: asks first, then leaves."""
    query = update.callback_query
    assert query is not None
    parsed = cd.TeamLeave.parse(query.data)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        if parsed.step == "ask":
            await query.answer()
            await show(query, t.gettext("Do you really want to leave the team?"), InlineKeyboardMarkup([[
                InlineKeyboardButton(t.gettext("Yes, leave"), callback_data=cd.TeamLeave(parsed.team_id, "yes").data),
                InlineKeyboardButton(t.gettext("No, stay"), callback_data=cd.TeamPage(parsed.team_id).data),
            ]]))
            return
        outcome, team = await leave_team(session, volunteer=volunteer, team_id=parsed.team_id)
    texts = {
        LeaveOutcome.LEFT: t.gettext("You have left the team <b>{team}</b>. You can join another one with its invite link."),
        LeaveOutcome.LEADER: t.gettext("As the leader of <b>{team}</b> you cannot leave it. Ask your center's coordinator."),
        LeaveOutcome.NOT_MEMBER: t.gettext("You are not a member of this team."),
    }
    await query.answer()
    await show(query, texts[outcome].format(team=esc(team.name) if team else ""))


async def message_team_command(update: Update, context: BotContext) -> None:
    """/teammsg <text>: the leader's message to every member (at most 3 in 24 hours)."""
    message = update.effective_message
    assert message is not None
    parts = (message.text or "").split(maxsplit=1)  # the command, then the message as typed (lines kept)
    text = parts[1] if len(parts) > 1 else ""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        assert volunteer.id is not None
        led = [team for team in await teams_of(session, volunteer_id=volunteer.id) if team.leader_id == volunteer.id]
        if not led:
            await reply(update, t.gettext("Only a team leader can message the team."))
            return
        # A leader of teams in several centers writes to the first one (one team per center).
        result = await message_team(session, leader=volunteer, team_id=led[0].id or 0, text=text, now=context.now())
    if result.outcome == MessageOutcome.SENT:
        answer = t.ngettext(
            "📣 Sent to the {n} member of <b>{team}</b>.", "📣 Sent to the {n} members of <b>{team}</b>.", result.recipients
        ).format(n=t.number(result.recipients), team=esc(result.team.name if result.team else ""))
    elif result.outcome == MessageOutcome.LIMIT:
        assert result.next_at is not None
        answer = t.gettext(
            "Sorry, a team can receive at most 3 messages a day. You can send the next one from {time} ({day})."
        ).format(time=t.time(result.next_at), day=t.day(result.next_at))
    elif result.outcome == MessageOutcome.EMPTY:
        answer = t.gettext("Write your message after the command, e.g. /teammsg We meet at the center at 4 pm.")
    elif result.outcome == MessageOutcome.NO_MEMBERS:
        answer = t.gettext("Your team has no other members yet: share the invite link from /team first.")
    else:
        answer = t.gettext("Only a team leader can message the team.")
    await reply(update, answer)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Team commands, buttons and the invite link."""
    from handlers import swaps, team_bookings

    private = filters.ChatType.PRIVATE
    for name, callback in {
        "team": show_team, "newteam": new_team_command, "jointeam": join_team_command, "teammsg": message_team_command,
    }.items():
        app.add_handler(CommandHandler(name, callback, filters=private))
    app.add_handler(CallbackQueryHandler(decide_team_button, pattern=cd.TeamDecision.pattern))
    app.add_handler(CallbackQueryHandler(team_page_button, pattern=cd.TeamPage.pattern))
    app.add_handler(CallbackQueryHandler(leave_team_button, pattern=cd.TeamLeave.pattern))
    app.bot_data.deep_links[INVITE_PREFIX] = join_team_link
    team_bookings.register(app)
    swaps.register(app)
