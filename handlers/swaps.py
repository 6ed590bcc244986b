"""/swap: a volunteer who cannot come gives their seat to a teammate, or back to the waitlist
(rules in models.swaps; the waitlist path is the usual cancellation)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import esc, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.gate import registered_unit, require_registration
from handlers.signups import render_signup_result
from infra.i18n import Translator
from models.signups import SignupOutcome, my_schedule
from models.swaps import SwapOutcome, SwapResult, answer_swap, offer_swap, teammates
from models.tables import Opportunity, Shift, Signup, SignupStatus

MAX_TEAMMATES = 20


async def swap_command(update: Update, context: BotContext) -> None:
    """/swap: the volunteer's upcoming seats, to give one away."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        assert volunteer.id is not None
        upcoming, _ = await my_schedule(session, volunteer_id=volunteer.id, now=context.now(), past_limit=0)
    now = context.now()
    seats = [e for e in upcoming if e.signup.status == SignupStatus.CONFIRMED and e.shift.starts_at > now]
    if not seats:
        await reply(update, t.gettext("You have no upcoming seat to give away."))
        return
    rows = [
        [InlineKeyboardButton(
            f"{opportunity_title(e.opportunity, t.language)[:30]} · {t.day(e.shift.starts_at)[:20]} {t.time(e.shift.starts_at)}",
            callback_data=cd.SwapSeat(e.signup.id or 0).data,
        )]
        for e in seats[:10]
    ]
    await reply(update, t.gettext("🔁 Which seat can you not keep?"), InlineKeyboardMarkup(rows))


async def swap_seat_button(update: Update, context: BotContext) -> None:
    """🔁 Give my seat: the teammates to offer it to, or back to the waitlist."""
    query = update.callback_query
    assert query is not None
    signup_id = cd.SwapSeat.parse(query.data).signup_id
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        signup = await session.get(Signup, signup_id)
        if signup is None or signup.volunteer_id != volunteer.id or signup.status != SignupStatus.CONFIRMED:
            await query.answer(t.gettext("This sign-up was not found."), show_alert=True)
            return
        assert volunteer.id is not None
        mates = await teammates(session, volunteer_id=volunteer.id)
    rows = [
        [InlineKeyboardButton((mate.display_name or "?")[:40], callback_data=cd.SwapTo(signup_id, mate.id or 0).data)]
        for mate in mates[:MAX_TEAMMATES]
    ]
    rows.append([InlineKeyboardButton(t.gettext("↩️ Give it back to the waitlist"), callback_data=cd.Cancel(signup_id).data)])
    text = t.gettext("Who should get your seat? They take it with one tap; until then it stays yours.") if mates else t.gettext(
        "You have no teammate to give your seat to. You can give it back to the waitlist."
    )
    await query.answer()
    await show(query, text, InlineKeyboardMarkup(rows))


def refusal_for_teammate(t: Translator, result: SwapResult) -> str:
    """Why the teammate cannot take the seat, said about them."""
    name = esc(result.teammate.display_name) if result.teammate else ""
    refusal = result.refusal
    assert refusal is not None
    if refusal.outcome == SignupOutcome.GENDER_MISMATCH:
        if result.opportunity is not None and result.opportunity.gender == "male":
            return t.gettext("{name} cannot take this seat: the opportunity is for men only.").format(name=name)
        return t.gettext("{name} cannot take this seat: the opportunity is for women only.").format(name=name)
    if refusal.outcome == SignupOutcome.OVERLAP:
        return t.gettext("{name} cannot take this seat: they already hold a shift at that time.").format(name=name)
    if refusal.outcome == SignupOutcome.STARTED:
        return t.gettext("This shift has already started, so the seat can no longer be given.")
    return t.gettext("{name} already has a place on this shift.").format(name=name)


def _seat(t: Translator, shift: Shift | None, opportunity: Opportunity | None) -> dict[str, str]:
    return {
        "title": esc(opportunity_title(opportunity, t.language)) if opportunity else "",
        "when": t.span(shift.starts_at, shift.ends_at) if shift else "",
    }


async def swap_to_button(update: Update, context: BotContext) -> None:
    """Offer the seat to the chosen teammate."""
    query = update.callback_query
    assert query is not None
    parsed = cd.SwapTo.parse(query.data)
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await offer_swap(session, volunteer=volunteer, signup_id=parsed.signup_id, teammate_id=parsed.volunteer_id, now=context.now())
    values = _seat(t, result.shift, result.opportunity)
    if result.outcome == SwapOutcome.OFFERED:
        text = t.gettext("🔁 Your seat on <b>{title}</b> is offered to {name}. It stays yours until they take it; we will tell you.").format(
            name=esc(result.teammate.display_name if result.teammate else ""), **values
        )
    elif result.outcome == SwapOutcome.REFUSED:
        text = refusal_for_teammate(t, result)
    else:
        text = {
            SwapOutcome.NOT_YOURS: t.gettext("This sign-up was not found."),
            SwapOutcome.NOT_TEAMMATE: t.gettext("You can only give your seat to a member of your team."),
            SwapOutcome.STARTED: t.gettext("This shift has already started, so the seat can no longer be given."),
            SwapOutcome.GONE: t.gettext("This seat is no longer yours to give."),
        }[result.outcome]
    await query.answer()
    await show(query, text)


async def answer_swap_button(update: Update, context: BotContext) -> None:
    """The teammate's ✅ Take the seat / No, thanks."""
    query = update.callback_query
    assert query is not None
    parsed = cd.SwapAnswer.parse(query.data)
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await answer_swap(session, volunteer=volunteer, swap_id=parsed.swap_id, accept=parsed.answer == "yes", now=context.now())
        taken = result.swap.taken_signup_id if result.swap else None
    values = _seat(t, result.shift, result.opportunity)
    markup = None
    if result.outcome == SwapOutcome.TAKEN:
        text = t.gettext("✅ The seat on <b>{title}</b> is yours.\n{when}\n\nThank you for stepping in! We will remind you before it starts.").format(**values)
        if taken is not None:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("Cancel my seat"), callback_data=cd.Cancel(taken).data)]])
    elif result.outcome == SwapOutcome.REFUSED:
        assert result.refusal is not None
        text = render_signup_result(t, result.refusal)[0]
    else:
        text = {
            SwapOutcome.DECLINED: t.gettext("Thank you for letting us know. The seat stays with your teammate."),
            SwapOutcome.NOT_YOURS: t.gettext("This offer was not made to you."),
            SwapOutcome.NOT_TEAMMATE: t.gettext("You can only take a seat from a member of your team."),
            SwapOutcome.STARTED: t.gettext("Sorry, this offer is over: the shift has already started."),
            SwapOutcome.GONE: t.gettext("Sorry, this offer is no longer open: the seat was given up or offered to someone else."),
        }[result.outcome]
    if result.outcome == SwapOutcome.NOT_YOURS:
        await query.answer(text, show_alert=True)
        return
    await query.answer()
    await show(query, text, markup)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("swap", swap_command, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(swap_seat_button, pattern=cd.SwapSeat.pattern))
    app.add_handler(CallbackQueryHandler(swap_to_button, pattern=cd.SwapTo.pattern))
    app.add_handler(CallbackQueryHandler(answer_swap_button, pattern=cd.SwapAnswer.pattern))
