"""/settarget: an admin sets a center's yearly targets, which that center's /stats compares with."""

from __future__ import annotations

from telegram import Update

from handlers.common import center_name, esc, reply
from handlers.context import BotContext
from handlers.coordinator.access import require_staff
from infra.i18n import Translator
from models.center_targets import Targets, parse_target_request, set_center_targets
from models.coordination import center_by_code
from models.volunteers import list_centers


def usage_text(t: Translator) -> str:
    """Escaped: the placeholders in angle brackets are text, not HTML."""
    return esc(t.gettext(
        "Usage: /settarget <center code> <year> volunteers=<n> hours=<n> opportunities=<n>\n"
        "Give one or more of the three; the others keep their targets (0 removes one).\n"
        "Example: /settarget awali 2026 volunteers=500 hours=20000 opportunities=40"
    ))


def targets_text(t: Translator, targets: Targets) -> str:
    """The three targets on one line ("none" for a figure without one)."""
    def shown(value: int) -> str:
        return t.number(value) if value else t.gettext("none")

    return t.gettext("volunteers {volunteers} · hours {hours} · opportunities {opportunities}").format(
        volunteers=shown(targets.volunteers), hours=shown(targets.hours), opportunities=shown(targets.opportunities)
    )


def no_targets_text(t: Translator, *, code: str, year: int) -> str:
    return t.gettext(
        "🎯 This center has no targets for {year} yet, so its figures are shown without percentages. "
        "An admin sets them with: /settarget {code} {year} volunteers=… hours=… opportunities=…"
    ).format(year=year, code=esc(code))


async def set_target_command(update: Update, context: BotContext) -> None:
    """/settarget <center code> <year> volunteers=… hours=… opportunities=… (admins)."""
    args = context.args or []
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="stats.set_target", admin_only=True, target=" ".join(args)[:128])
        if actor is None:
            return
        request = parse_target_request(args)
        if request is None:
            await reply(update, usage_text(t))
            return
        center = await center_by_code(session, code=request.center_code)
        if center is None:
            codes = ", ".join(c.code for c in await list_centers(session))
            await reply(update, t.gettext("Unknown center code. The known codes are: {codes}").format(codes=esc(codes)))
            return
        targets = await set_center_targets(
            session, actor_telegram_id=actor.telegram_id, center=center, year=request.year, values=request.values, now=context.now()
        )
    await reply(update, t.gettext("🎯 Done: the targets of {center} for {year} are now {targets}. Its /stats compares with them.").format(
        center=esc(center_name(center, t.language)), year=request.year, targets=targets_text(t, targets)
    ))
