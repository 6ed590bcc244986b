"""What volunteers thought of their shifts: the ratings section of /stats, and /comments."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import clip, esc, localized, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, refuse_forged, require_staff
from infra.i18n import Translator
from models.base import year_bounds
from models.ratings import (
    RatingFigures,
    ScoreLine,
    opportunity_by_ref,
    rating_comments,
    rating_figures,
)
from models.tables import Opportunity, ShiftRating

PAGE_SIZE = 6  # six comments of up to 500 characters fit in one message (4096)
MAX_PAGE = 10_000


def _line(t: Translator, line: ScoreLine) -> str:
    label = line.label_ar if t.language == "ar" else line.label_en
    return t.ngettext("• {label}: {average} ⭐ ({n} rating)", "• {label}: {average} ⭐ ({n} ratings)", line.count).format(
        label=esc(label), average=t.number(round(line.average, 1)), n=t.number(line.count)
    )


def render_rating_figures(t: Translator, figures: RatingFigures) -> str:
    """The ratings part of /stats: the scope's average, per center (whole program), per opportunity."""
    if not figures.count:
        return t.gettext("⭐ Volunteers' ratings: none yet this year.")
    lines = [t.ngettext(
        "⭐ Volunteers' ratings: {average} out of 5 ({n} rating)", "⭐ Volunteers' ratings: {average} out of 5 ({n} ratings)", figures.count
    ).format(average=t.number(round(figures.average, 1)), n=t.number(figures.count))]
    if figures.centers:
        lines.append(t.gettext("By center:"))
        lines += [_line(t, line) for line in figures.centers]
    if figures.opportunities:
        lines.append(t.gettext("Most rated opportunities:"))
        lines += [_line(t, line) for line in figures.opportunities]
    lines.append(t.gettext("Read the comments with /comments"))
    return "\n".join(lines)


async def ratings_section(context: BotContext, t: Translator, *, year: int, center_id: int | None) -> str:
    """The hook /stats calls: its ratings lines for the year and center (None: the whole program)."""
    start, end = year_bounds(year, context.settings.zone)
    async with context.services.report_sessions() as session:
        figures = await rating_figures(session, start=start, end=end, center_id=center_id)
    return render_rating_figures(t, figures)


def render_comments(
    t: Translator, rows: list[tuple[ShiftRating, Opportunity]], *, page: int, has_next: bool, opportunity_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not rows and page == 0:
        return t.gettext("No comments from volunteers yet."), None
    lines = [t.gettext("💬 <b>Volunteers' comments</b>, newest first")]
    if page > 0 or has_next:
        lines[0] += " · " + t.gettext("Page {page}").format(page=t.number(page + 1))
    for rating, opportunity in rows:
        lines.append("")
        lines.append(f"{'⭐' * rating.score} · <b>{esc(opportunity_title(opportunity, t.language))}</b> · {t.day(rating.rated_at)}")
        lines.append(esc(rating.comment))
    paging = []
    if page > 0:
        paging.append(InlineKeyboardButton(t.gettext("« Previous"), callback_data=cd.RatingComments(opportunity_id, page - 1).data))
    if has_next:
        paging.append(InlineKeyboardButton(t.gettext("Next »"), callback_data=cd.RatingComments(opportunity_id, page + 1).data))
    return clip("\n".join(lines)), InlineKeyboardMarkup([paging]) if paging else None


async def _comments_page(update: Update, context: BotContext, *, opportunity_id: int, ref: str | None, page: int) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """A page of comments the presser may read; None after refusing (a stranger, another center)."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="ratings.comments")
        if actor is None:
            return None
        opportunity = None
        if ref is not None:
            opportunity = await opportunity_by_ref(session, ref=ref)
            if opportunity is None:
                await reply(update, t.gettext("No opportunity has the reference {ref}.").format(ref=esc(ref)))
                return None
        elif opportunity_id:
            opportunity = await session.get(Opportunity, opportunity_id)
            if opportunity is None:  # a page of an opportunity that is gone, or made up
                await require_staff(update, context, session, action="ratings.comments", missing_target=True, target=f"opportunity:{opportunity_id}")
                return None
        if opportunity is not None:
            allowed, t = await require_staff(update, context, session, action="ratings.comments", center_id=opportunity.center_id,
                                             target=f"opportunity:{opportunity.id}")
            if allowed is None:
                return None
        scope = None if actor.is_admin or opportunity is not None else actor.center_ids
        found = await rating_comments(session, center_ids=scope, opportunity_id=opportunity.id if opportunity else None, page=page, page_size=PAGE_SIZE)
        text, markup = render_comments(t, found.rows, page=page, has_next=found.has_next, opportunity_id=(opportunity.id or 0) if opportunity else 0)
        if opportunity is not None:
            text = f"<b>{esc(localized(opportunity, 'title', t.language))}</b> ({esc(opportunity.ref)})\n" + text
    return text, markup


async def show_comments(update: Update, context: BotContext) -> None:
    """/comments [opportunity ref]: the volunteers' comments of the coordinator's centers."""
    args = context.args or []
    ref = args[0][:64] if args else None
    answer = await _comments_page(update, context, opportunity_id=0, ref=ref, page=0)
    if answer is not None:
        await reply(update, *answer)


async def comments_page_button(update: Update, context: BotContext) -> None:
    """« Previous / Next » under the comments."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.RatingComments, action="ratings.comments")
    if parsed is None:
        return
    if parsed.page > MAX_PAGE:
        await refuse_forged(update, context, action="ratings.comments")
        return
    answer = await _comments_page(update, context, opportunity_id=parsed.opportunity_id, ref=None, page=parsed.page)
    if answer is None:
        return
    await query.answer()
    await show(query, *answer)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """/comments and its pages."""
    app.add_handler(CommandHandler("comments", show_comments, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(comments_page_button, pattern=cd.RatingComments.pattern))
