"""/leaderboard: the month's and the year's most giving volunteers of one's center (opt-in)."""

from __future__ import annotations

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.common import center_name, esc, reply, show
from handlers.context import BotContext
from handlers.gate import require_registration
from infra.i18n import Translator
from models.leaderboard import Board, Period, center_board, set_leaderboard
from models.tables import Center, Volunteer

MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def render_board(t: Translator, board: Board, *, center: Center | None, opted_in: bool) -> tuple[str, InlineKeyboardMarkup]:
    """The ranked first names, the viewer's own place, and the switches."""
    local_start = t.local(board.start).date()
    if board.period == Period.MONTH:
        heading = t.gettext("🏆 <b>{center}: this month's leaderboard</b> ({month})").format(
            center=esc(center_name(center, t.language)) if center else "", month=format_date(local_start, "LLLL y", locale=t.locale)
        )
    else:
        heading = t.gettext("🏆 <b>{center}: this year's leaderboard</b> ({year})").format(
            center=esc(center_name(center, t.language)) if center else "", year=t.number(local_start.year).replace(",", "").replace("٬", "")
        )
    lines = [heading, ""]
    if not board.top:
        lines.append(t.gettext("Nobody is on the board yet. Confirmed hours of volunteers who join it put them here."))
    for standing in board.top:
        lines.append(
            t.gettext("{medal}{rank}. {name}: {duration}").format(
                medal=MEDALS.get(standing.rank, ""), rank=t.number(standing.rank), name=esc(standing.first_name),
                duration=t.duration(standing.minutes),
            )
        )
    lines.append("")
    if board.my_rank is None:
        lines.append(t.gettext("You have no confirmed hours in this period yet."))
    elif opted_in:
        lines.append(t.gettext("You are number {rank} with {duration}.").format(rank=t.number(board.my_rank), duration=t.duration(board.my_minutes)))
    else:
        lines.append(
            t.gettext("You would be number {rank} with {duration}. Your name is not shown: you have not joined the board.").format(
                rank=t.number(board.my_rank), duration=t.duration(board.my_minutes)
            )
        )
    lines.append(t.gettext("Only the first names of volunteers who joined are shown, ranked by confirmed hours."))
    other = Period.YEAR if board.period == Period.MONTH else Period.MONTH
    switch = InlineKeyboardButton(
        t.gettext("📅 This year") if other == Period.YEAR else t.gettext("📅 This month"),
        callback_data=cd.LeaderboardView(other.value).data,
    )
    period = board.period.value
    join = (
        InlineKeyboardButton(t.gettext("🙈 Take my name off"), callback_data=cd.LeaderboardSetting("out", period).data)
        if opted_in
        else InlineKeyboardButton(t.gettext("✋ Show my first name"), callback_data=cd.LeaderboardSetting("in", period).data)
    )
    return "\n".join(lines), InlineKeyboardMarkup([[switch], [join]])


async def _render(context: BotContext, session, volunteer: Volunteer, period: Period) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[no-untyped-def]
    t = context.translator(volunteer.language)
    center = await session.get(Center, volunteer.center_id) if volunteer.center_id else None
    board = await center_board(
        session, center_id=volunteer.center_id or 0, period=period, now=context.now(), zone=context.settings.zone,
        viewer_id=volunteer.id or 0,
    )
    return render_board(t, board, center=center, opted_in=volunteer.leaderboard_opt_in)


async def show_leaderboard(update: Update, context: BotContext) -> None:
    """/leaderboard: this month's board of the volunteer's center."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        text, markup = await _render(context, session, volunteer, Period.MONTH)
    await reply(update, text, markup)


async def leaderboard_view_button(update: Update, context: BotContext) -> None:
    """This month / this year."""
    query = update.callback_query
    assert query is not None
    period = Period(cd.LeaderboardView.parse(query.data).period)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        text, markup = await _render(context, session, volunteer, period)
    await query.answer()
    await show(query, text, markup)


async def leaderboard_setting_button(update: Update, context: BotContext) -> None:
    """Join the board (the first name shows) or leave it (the name is gone at once)."""
    query = update.callback_query
    assert query is not None
    pressed = cd.LeaderboardSetting.parse(query.data)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        await set_leaderboard(session, volunteer, on=pressed.value == "in", now=context.now(), zone=context.settings.zone)
        text, markup = await _render(context, session, volunteer, Period(pressed.period))
    t = context.translator(volunteer.language)
    await query.answer(
        t.gettext("Your first name is on the board.") if volunteer.leaderboard_opt_in else t.gettext("Your name is off the board.")
    )
    await show(query, text, markup)
