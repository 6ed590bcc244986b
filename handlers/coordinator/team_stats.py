"""The teams' part of /stats: teams, members and team hours per center, and this month's ranking."""

from __future__ import annotations

from handlers.common import center_name, esc
from handlers.context import BotContext
from infra.i18n import Translator
from models.tables import Center
from models.team_figures import CenterTeams, RankedTeam, team_figures
from models.teams import month_bounds

MEDALS = ("🥇", "🥈", "🥉")


def render_team_figures(t: Translator, figures: list[CenterTeams], ranking: dict[int, list[RankedTeam]], centers: dict[int, Center]) -> str:
    if not figures:
        return t.gettext("👥 Neighborhood teams: none yet.")
    lines = [t.gettext("👥 <b>Neighborhood teams</b> (confirmed hours this month):")]
    for row in figures:
        center = centers.get(row.center_id)
        lines.append(
            t.gettext("{center}: {teams} · {members} · {hours}").format(
                center=esc(center_name(center, t.language)) if center else "?",
                teams=t.ngettext("{n} team", "{n} teams", row.teams).format(n=t.number(row.teams)),
                members=t.ngettext("{n} member", "{n} members", row.members).format(n=t.number(row.members)),
                hours=t.duration(row.minutes),
            )
        )
        for medal, ranked in zip(MEDALS, ranking.get(row.center_id, []), strict=False):
            lines.append(f"   {medal} {esc(ranked.team.name)} — {t.duration(ranked.minutes)}")
    return "\n".join(lines)


async def team_section(context: BotContext, t: Translator, *, center_id: int | None, centers: list[Center]) -> str:
    """The lines /stats adds for teams: one center, or (None) every center the presser may see."""
    start, end = month_bounds(context.now(), context.settings.zone)
    async with context.services.report_sessions() as session:
        ids = [center_id] if center_id is not None else None
        figures, ranking = await team_figures(session, center_ids=ids, start=start, end=end)
        known = {c.id: c for c in centers if c.id is not None}
        for row in figures:
            if row.center_id not in known:
                center = await session.get(Center, row.center_id)
                if center is not None:
                    known[row.center_id] = center
    return render_team_figures(t, figures, ranking, known)
