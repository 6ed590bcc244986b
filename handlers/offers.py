"""A seat offered close to the start: "✅ Yes, I'll come" or "No, thanks" (rules in models.offers)."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import callback_data as cd
from handlers.common import esc, opportunity_title, show
from handlers.context import BotContext
from handlers.gate import registered_unit
from infra.i18n import Translator
from models.offers import OfferOutcome, OfferResult, answer_offer


def offer_buttons(t: Translator, signup_id: int, *, number: str = "") -> list[InlineKeyboardButton]:
    """The two answers, in one row; `number` names the shift when a list shows several."""
    yes, no = t.gettext("✅ Yes, I'll come"), t.gettext("No, thanks")
    if number:
        yes, no = f"{yes} ({number})", f"{no} ({number})"
    return [
        InlineKeyboardButton(yes, callback_data=cd.OfferAnswer(signup_id, "yes").data),
        InlineKeyboardButton(no, callback_data=cd.OfferAnswer(signup_id, "no").data),
    ]


def offer_deadline(t: Translator, expires_at: datetime | None) -> str:
    """"A seat is held for you until 15:30. Will you come?" """
    assert expires_at is not None
    return t.gettext("🎟 A seat is held for you until {deadline}. Will you come?").format(deadline=t.time(expires_at))


def render_offer_result(t: Translator, result: OfferResult) -> tuple[str, InlineKeyboardMarkup | None]:
    title = esc(opportunity_title(result.opportunity, t.language)) if result.opportunity else ""
    when = t.span(result.shift.starts_at, result.shift.ends_at) if result.shift else ""
    if result.outcome == OfferOutcome.ACCEPTED:
        assert result.signup is not None and result.signup.id is not None
        text = t.gettext("✅ Wonderful! The seat on <b>{title}</b> is yours.\n{when}\n\nSee you there. If your plans change, please cancel it in 📅 My schedule.")
        cancel = InlineKeyboardButton(t.gettext("Cancel my seat"), callback_data=cd.Cancel(result.signup.id).data)
        return text.format(title=title, when=when), InlineKeyboardMarkup([[cancel]])
    texts = {
        OfferOutcome.DECLINED: t.gettext("Thank you for letting us know. The seat on <b>{title}</b> goes to the next volunteer in line."),
        OfferOutcome.ALREADY_ACCEPTED: t.gettext("You have already accepted this seat. If you cannot come, please cancel it in 📅 My schedule."),
        OfferOutcome.EXPIRED: t.gettext("Sorry, this offer is no longer open: the time to answer is over, and the seat has gone to the next volunteer in line."),
        OfferOutcome.NOT_YOURS: t.gettext("This sign-up was not found."),
        OfferOutcome.NOT_QUALIFIED: t.gettext("Sorry, <b>{title}</b> requires a qualification you no longer hold until its end, so the seat goes to the next volunteer in line. See /qualifications."),
    }
    return texts[result.outcome].format(title=title), None


async def answer_offer_button(update: Update, context: BotContext) -> None:
    """Accept or decline a seat offered close to the start; a "no" or a late answer passes it on."""
    query = update.callback_query
    assert query is not None
    parsed = cd.OfferAnswer.parse(query.data)
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await answer_offer(
            session, volunteer=volunteer, signup_id=parsed.signup_id, accept=parsed.answer == "yes",
            now=context.now(), offers=context.settings.offer_rules,
        )
    await query.answer()
    await show(query, *render_offer_result(t, result))


def register(app: Application) -> None:
    """The answers to an offered seat (from its notice, /my or the opportunity's page)."""
    app.add_handler(CallbackQueryHandler(answer_offer_button, pattern=cd.OfferAnswer.pattern))
