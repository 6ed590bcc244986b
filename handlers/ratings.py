"""Rating a shift: the volunteer's ⭐ under "how was your shift?", then an optional comment."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import callback_data as cd
from handlers.common import esc, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.gate import registered_unit
from infra.i18n import Translator
from models.audit import record_action
from models.ratings import (
    COMMENT_MAX,
    CommentOutcome,
    RateOutcome,
    comment_rating,
    own_rating,
    rate_attendance,
)
from models.tables import Volunteer
from models.volunteers import read_conversation, write_conversation

COMMENT_FLOW = "rating_comment"


def _stars(score: int) -> str:
    return "⭐" * score


async def _refuse_forged(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer, t: Translator) -> None:
    query = update.callback_query
    assert query is not None
    await record_action(
        session, actor_telegram_id=volunteer.telegram_id, action="rating.forged", target=(query.data or "")[:128],
        allowed=False, detail="not the presser's record", now=context.now(),
    )
    await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)


async def rate_button(update: Update, context: BotContext) -> None:
    """⭐ 1-5: keep the rating once, then offer a comment."""
    query = update.callback_query
    assert query is not None
    parsed = cd.RateShift.parse(query.data)  # a malformed payload goes to the error handler's refusal
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await rate_attendance(session, volunteer=volunteer, attendance_id=parsed.attendance_id, score=int(parsed.score),
                                       now=context.now())
        if result.outcome == RateOutcome.UNKNOWN:
            await _refuse_forged(update, context, session, volunteer, t)
            return
        # The comment step, unless they are inside another conversation (a coordinator's draft
        # is not thrown away for it): then the rating alone is kept.
        busy = read_conversation(volunteer).get("flow") not in (None, COMMENT_FLOW)
        if result.outcome == RateOutcome.RATED and not busy:
            assert result.rating is not None and result.rating.id is not None
            write_conversation(volunteer, {"flow": COMMENT_FLOW, "rating_id": result.rating.id})
    if result.outcome == RateOutcome.ALREADY:
        await query.answer(t.gettext("You have already rated this shift. Thank you!"), show_alert=True)
        return
    assert result.rating is not None and result.rating.id is not None and result.opportunity is not None
    await query.answer(t.gettext("Thank you for your rating!"))
    if busy:
        await show(query, t.gettext("{stars} Thank you! Your rating is saved.").format(stars=_stars(result.rating.score)))
        return
    text = "\n\n".join([
        t.gettext("{stars} Thank you! You rated <b>{title}</b> {score} out of 5.").format(
            stars=_stars(result.rating.score), title=esc(opportunity_title(result.opportunity, t.language)), score=t.number(result.rating.score)
        ),
        t.gettext("Would you like to add a comment for the center? Send it now (up to {n} characters), or press Skip.").format(
            n=t.number(COMMENT_MAX)
        ),
    ])
    await show(query, text, InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("Skip"), callback_data=cd.RatingCommentSkip(result.rating.id).data)]]))


async def skip_comment_button(update: Update, context: BotContext) -> None:
    """Skip: no comment (the rating stands)."""
    query = update.callback_query
    assert query is not None
    parsed = cd.RatingCommentSkip.parse(query.data)
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        rating = await own_rating(session, volunteer=volunteer, rating_id=parsed.rating_id)
        if rating is None:
            await _refuse_forged(update, context, session, volunteer, t)
            return
        state = read_conversation(volunteer)
        if state.get("flow") == COMMENT_FLOW and state.get("rating_id") == rating.id:
            write_conversation(volunteer, None)
    await query.answer()
    await show(query, t.gettext("{stars} Thank you! Your rating is saved.").format(stars=_stars(rating.score)))


async def comment_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Text flow: the comment after a rating."""
    message = update.effective_message
    assert message is not None
    t = context.translator(volunteer.language)
    rating_id = int(read_conversation(volunteer).get("rating_id", 0))
    outcome = await comment_rating(session, volunteer=volunteer, rating_id=rating_id, text=message.text or "", now=context.now())
    if outcome == CommentOutcome.TOO_LONG:
        await reply(update, t.gettext("That is a little long: please keep your comment to {n} characters, or press Skip.").format(
            n=t.number(COMMENT_MAX)))
        return
    if outcome == CommentOutcome.EMPTY:
        await reply(update, t.gettext("Please send your comment as text, or press Skip."))
        return
    write_conversation(volunteer, None)
    if outcome == CommentOutcome.SAVED:
        await reply(update, t.gettext("🙏 Thank you! Your comment will reach the center's coordinators."))
    else:  # its comment was given already, or the rating is gone: nothing more to ask
        await reply(update, t.gettext("You have already rated this shift. Thank you!"))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The rating buttons and the comment step; the coordinators' /comments."""
    from handlers.coordinator import ratings as coordinator_ratings

    coordinator_ratings.register(app)
    app.add_handler(CallbackQueryHandler(rate_button, pattern=cd.RateShift.pattern))
    app.add_handler(CallbackQueryHandler(skip_comment_button, pattern=cd.RatingCommentSkip.pattern))
    app.bot_data.text_flows[COMMENT_FLOW] = comment_text
