"""/stats: the program's figures for a year and center against its targets, with a chart."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from handlers import callback_data as cd
from handlers.common import center_name, esc, reply, show
from handlers.context import BotContext
from handlers.coordinator import team_stats
from handlers.coordinator.access import parse_or_refuse, require_staff
from handlers.coordinator.ratings import ratings_section
from handlers.coordinator.targets import no_targets_text
from infra.charts import Bar, progress_chart
from infra.i18n import Translator
from models.center_targets import Targets, center_targets
from models.coordination import Actor, center_by_code, managed_centers
from models.stats import Figures, program_figures_in_parallel, progress
from models.tables import Center

FIRST_YEAR, LAST_YEAR = 2000, 2100
CENTER_BUTTONS = 8


def program_targets(settings: object) -> Targets:
    """The whole program's targets, from the settings."""
    s = settings
    return Targets(s.target_volunteers, s.target_hours, s.target_opportunities)  # type: ignore[attr-defined]


def _against(t: Translator, line: str, value: float, target: int) -> str:
    """The figure's line, with its share of the target when it has one."""
    if target <= 0:
        return line
    return line + t.gettext(" — {pct}% of the target {target}").format(pct=t.number(progress(value, target)), target=t.number(target))


def render_figures(
    t: Translator, figures: Figures, settings: object, scope: str, *, targets: Targets | None, center_code: str | None = None
) -> str:
    """The figures; against `targets` (the center's own for a center, else the program's)."""
    s = settings
    value = figures.economic_value(s.sar_per_hour)  # type: ignore[attr-defined]
    goals = targets or Targets(0, 0, 0)
    lines = [
        t.gettext("📊 <b>Program figures — {year}</b>").format(year=figures.year) + f"\n{esc(scope)}",
        "",
        _against(t, t.gettext("👥 Registered volunteers: {n} (men {men} · women {women})").format(
            n=t.number(figures.registered_total), men=t.number(figures.registered_men), women=t.number(figures.registered_women),
        ), figures.registered_total, goals.volunteers),
        t.gettext("🆕 Registered this year: {n}").format(n=t.number(figures.registered_in_year)),
        t.gettext("🔥 Active volunteers: {n} (men {men} · women {women})").format(
            n=t.number(figures.active_total), men=t.number(figures.active_men), women=t.number(figures.active_women)
        ),
        _against(t, t.gettext("📌 Opportunities offered: {n}").format(n=t.number(figures.opportunities)), figures.opportunities, goals.opportunities),
        t.gettext("🗓 Shifts offered: {n}").format(n=t.number(figures.shifts)),
        _against(t, t.gettext("⏱ Confirmed hours: {n}").format(n=t.number(round(figures.hours, 1))), figures.hours, goals.hours),
        t.gettext("⏳ Hours pending review: {n} (counted once a coordinator confirms them in /review)").format(
            n=t.number(round(figures.pending_hours, 1))
        ),
        t.gettext("💰 Economic value: {value} SAR ({rate} SAR per confirmed hour)").format(
            value=t.number(value), rate=t.number(s.sar_per_hour)  # type: ignore[attr-defined]
        ),
    ]
    if center_code is not None:
        lines.append("")
        if targets is None:
            lines.append(no_targets_text(t, code=center_code, year=figures.year))
        else:
            lines.append(t.gettext("🎯 Compared with this center's own targets for {year}.").format(year=figures.year))
    return "\n".join(lines)


def chart_bars(t: Translator, figures: Figures, targets: Targets) -> list[Bar]:
    """A bar per figure that has a target."""
    bars = [
        (targets.volunteers, Bar(t.gettext("Volunteers"), t.number(figures.registered_total), progress(figures.registered_total, targets.volunteers))),
        (targets.opportunities, Bar(t.gettext("Opportunities"), t.number(figures.opportunities), progress(figures.opportunities, targets.opportunities))),
        (targets.hours, _hours_bar(t, figures, targets.hours)),
    ]
    return [bar for target, bar in bars if target > 0]


def _hours_bar(t: Translator, figures: Figures, target: int) -> Bar:
    """Confirmed hours make the bar; pending ones are drawn after them, lighter, and named."""
    value = t.number(round(figures.hours))
    if figures.pending_minutes:
        value = t.gettext("{confirmed} (+{pending} pending)").format(confirmed=value, pending=t.number(round(figures.pending_hours)))
    return Bar(t.gettext("Hours"), value, progress(figures.hours, target), pending_percent=progress(figures.pending_hours, target))


def stats_keyboard(t: Translator, actor: Actor, year: int, center_id: int, centers: list[Center]) -> InlineKeyboardMarkup:
    rows = [[
        InlineKeyboardButton(f"◀️ {year - 1}", callback_data=cd.ProgramStats(year - 1, center_id).data),
        InlineKeyboardButton(f"{year + 1} ▶️", callback_data=cd.ProgramStats(year + 1, center_id).data),
    ]]
    choices = [(0, t.gettext("All centers"))] if actor.is_admin else []
    choices += [(c.id or 0, center_name(c, t.language)) for c in centers[:CENTER_BUTTONS]]
    for choice_id, label in choices:
        if choice_id != center_id:
            rows.append([InlineKeyboardButton(label[:60], callback_data=cd.ProgramStats(year, choice_id).data)])
    return InlineKeyboardMarkup(rows)


async def _figures_answer(
    update: Update, context: BotContext, *, year: int | None, center_code: str | None, center_id: int | None
) -> tuple[str, InlineKeyboardMarkup, bytes | None, Translator] | None:
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="stats.show")
        if actor is None:
            return None
        centers = await managed_centers(session, actor=actor)
        if center_code is not None:
            match = await center_by_code(session, code=center_code)
            if match is None:
                await require_staff(update, context, session, action="stats.show", missing_target=True, target=center_code[:64])
                return None
            center_id = match.id
        if center_id == 0:
            center_id = None
        if center_id is None and not actor.is_admin:
            if not centers:
                await reply(update, t.gettext("You are not assigned to any center yet. Ask an admin."))
                return None
            center_id = centers[0].id
        if center_id is not None:
            allowed, t = await require_staff(update, context, session, action="stats.show", center_id=center_id, target=f"center:{center_id}")
            if allowed is None:
                return None
        year = year or t.local(context.now()).year
        # A center is measured against its own targets; the program's are the whole program's.
        targets = program_targets(context.settings) if center_id is None else await center_targets(session, center_id=center_id, year=year)
    # The program's figures, the ratings and the teams read their own sessions: at the same time.
    figures, ratings, teams = await asyncio.gather(
        program_figures_in_parallel(context.services.report_sessions, year=year, zone=context.settings.zone, center_id=center_id),
        ratings_section(context, t, year=year, center_id=center_id),  # issue 12: quality feedback
        team_stats.team_section(context, t, center_id=center_id, centers=centers),  # issue 12: teams
    )
    center = next((c for c in centers if c.id == center_id), None)
    scope = center_name(center, t.language) if center else t.gettext("All centers")
    text = render_figures(t, figures, context.settings, scope, targets=targets, center_code=center.code if center else None)
    text += "\n\n" + ratings + "\n\n" + teams
    bars = chart_bars(t, figures, targets) if targets is not None else []
    chart = None
    if bars:  # nothing to draw against without a target
        chart = await asyncio.to_thread(
            progress_chart,
            title=t.gettext("Program figures {year}: {scope}").format(year=figures.year, scope=scope),
            bars=bars,
            rtl=t.rtl,
            target_caption=t.gettext("Share of the yearly target (%)"),
        )
    return text, stats_keyboard(t, actor, year, center_id or 0, centers), chart, t


async def _send_chart(update: Update, chart: bytes | None, t: Translator) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chart is not None:
        await chat.send_photo(InputFile(chart, filename="figures.png"), caption=t.gettext("📈 Progress against the yearly targets"))


async def show_stats(update: Update, context: BotContext) -> None:
    """/stats [year] [center code]."""
    args = context.args or []
    year = None
    code = None
    for arg in args:
        if arg.isdigit() and len(arg) == 4:
            year = int(arg)
        else:
            code = arg
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        year = None
    answer = await _figures_answer(update, context, year=year, center_code=code, center_id=None)
    if answer is None:
        return
    text, markup, chart, t = answer
    await reply(update, text, markup)
    await _send_chart(update, chart, t)


async def stats_button(update: Update, context: BotContext) -> None:
    """Another year or center."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.ProgramStats, action="stats.show")
    if parsed is None:
        return
    year, center_id = parsed.year, parsed.center_id
    if not FIRST_YEAR <= year <= LAST_YEAR:
        year = FIRST_YEAR if year < FIRST_YEAR else LAST_YEAR
    answer = await _figures_answer(update, context, year=year, center_code=None, center_id=center_id)
    if answer is None:
        return
    text, markup, chart, t = answer
    await query.answer()
    await show(query, text, markup)
    await _send_chart(update, chart, t)
