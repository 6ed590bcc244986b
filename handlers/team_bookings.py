"""The leader books seats for the team on a shift; each member confirms their own (rules in
models.team_bookings)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import callback_data as cd
from handlers.common import esc, opportunity_title, show
from handlers.context import BotContext
from handlers.gate import registered_unit, require_registration
from handlers.signups import render_signup_result
from infra.i18n import Translator
from models.team_bookings import (
    DEFAULT_BOOKING_RULES,
    BookOutcome,
    BookResult,
    ClaimOutcome,
    ClaimResult,
    book_seats,
    bookable_shifts,
    claim_seat,
)
from models.teams import member_ids, team_led_by

MAX_SEAT_BUTTONS = 10


def not_leader(t: Translator) -> str:
    return t.gettext("Sorry, only the team's leader can do that.")


async def book_shift_button(update: Update, context: BotContext) -> None:
    """🎟 Book seats: the next shifts of the team's center (shift 0), then how many seats."""
    query = update.callback_query
    assert query is not None
    parsed = cd.TeamBookShift.parse(query.data)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        team = await team_led_by(session, team_id=parsed.team_id, volunteer=volunteer)
        if team is None:
            await query.answer(not_leader(t), show_alert=True)
            return
        assert team.id is not None
        shifts = await bookable_shifts(session, team=team, now=context.now())
        members = len(await member_ids(session, team_id=team.id))
    await query.answer()
    if parsed.shift_id == 0:
        if not shifts:
            await show(query, t.gettext("No upcoming shift of your center has a free seat right now."))
            return
        rows = [
            [InlineKeyboardButton(
                f"{opportunity_title(opportunity, t.language)[:30]} · {t.day(shift.starts_at)[:20]} {t.time(shift.starts_at)}",
                callback_data=cd.TeamBookShift(team.id, shift.id or 0).data,
            )]
            for shift, opportunity in shifts
        ]
        await show(query, t.gettext("🎟 Which shift do you want to book seats on for <b>{team}</b>?").format(team=esc(team.name)), InlineKeyboardMarkup(rows))
        return
    count = min(members, MAX_SEAT_BUTTONS)
    numbers = [InlineKeyboardButton(t.number(n), callback_data=cd.TeamBookSeats(team.id, parsed.shift_id, n).data) for n in range(1, count + 1)]
    rows = [numbers[i : i + 5] for i in range(0, len(numbers), 5)]
    await show(query, t.gettext("How many seats? Each member you book for is asked to confirm their own."), InlineKeyboardMarkup(rows))


def render_booking(t: Translator, result: BookResult) -> str:
    title = esc(opportunity_title(result.opportunity, t.language)) if result.opportunity else ""
    when = t.span(result.shift.starts_at, result.shift.ends_at) if result.shift else ""
    if result.outcome == BookOutcome.BOOKED:
        assert result.booking is not None
        return t.ngettext(
            "✅ {n} seat is booked for your team on <b>{title}</b>\n{when}\n\nYour members are asked to confirm by {deadline}; unconfirmed seats then go back to other volunteers.",
            "✅ {n} seats are booked for your team on <b>{title}</b>\n{when}\n\nYour members are asked to confirm by {deadline}; unconfirmed seats then go back to other volunteers.",
            result.booking.seats,
        ).format(n=t.number(result.booking.seats), title=title, when=when,
                 deadline=f"{t.day(result.booking.deadline)} {t.time(result.booking.deadline)}")
    if result.outcome == BookOutcome.FULL:
        if result.free == 0:
            return t.gettext("Sorry, <b>{title}</b> has no free seat left, so nothing was booked.").format(title=title)
        return t.ngettext(
            "Sorry, <b>{title}</b> has only {n} free seat left, so nothing was booked. Book fewer seats.",
            "Sorry, <b>{title}</b> has only {n} free seats left, so nothing was booked. Book fewer seats.",
            result.free,
        ).format(title=title, n=t.number(result.free))
    if result.outcome == BookOutcome.TOO_MANY:
        return t.ngettext(
            "Sorry, only {n} member of your team can take a seat on this shift.",
            "Sorry, only {n} members of your team can take a seat on this shift.",
            result.eligible,
        ).format(n=t.number(result.eligible))
    texts = {
        BookOutcome.NOT_LEADER: not_leader(t),
        BookOutcome.UNAVAILABLE: t.gettext("This shift is no longer available."),
        BookOutcome.STARTED: t.gettext("This shift has already started, so sign-up is closed."),
        BookOutcome.ALREADY_BOOKED: t.gettext("Your team already has seats booked on this shift."),
        BookOutcome.BAD_COUNT: t.gettext("This shift is no longer available."),
    }
    return texts[result.outcome]


async def book_seats_button(update: Update, context: BotContext) -> None:
    """Book N seats at once (all or none)."""
    query = update.callback_query
    assert query is not None
    parsed = cd.TeamBookSeats.parse(query.data)
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await book_seats(
            session, leader=volunteer, team_id=parsed.team_id, shift_id=parsed.shift_id, seats=parsed.seats,
            now=context.now(), rules=DEFAULT_BOOKING_RULES,
        )
    if result.outcome == BookOutcome.NOT_LEADER:
        await query.answer(not_leader(t), show_alert=True)
        return
    await query.answer()
    await show(query, render_booking(t, result))


def render_claim(t: Translator, result: ClaimResult) -> tuple[str, InlineKeyboardMarkup | None]:
    if result.outcome == ClaimOutcome.CONFIRMED:
        assert result.signup is not None and result.signup.id is not None and result.opportunity and result.shift
        text = t.gettext("✅ Your team seat on <b>{title}</b> is confirmed.\n{when}\n\nIf you cannot come, give it to a teammate or cancel it.").format(
            title=esc(opportunity_title(result.opportunity, t.language)), when=t.span(result.shift.starts_at, result.shift.ends_at)
        )
        return text, InlineKeyboardMarkup([[
            InlineKeyboardButton(t.gettext("🔁 Give my seat to a teammate"), callback_data=cd.SwapSeat(result.signup.id).data),
            InlineKeyboardButton(t.gettext("Cancel my seat"), callback_data=cd.Cancel(result.signup.id).data),
        ]])
    if result.outcome == ClaimOutcome.REFUSED:
        assert result.refusal is not None
        return render_signup_result(t, result.refusal)[0], None
    if result.outcome == ClaimOutcome.GONE:
        return t.gettext("Sorry, the team's seats on this shift are all taken, or the time to confirm is over."), None
    return t.gettext("You are not a member of this team."), None


async def claim_seat_button(update: Update, context: BotContext) -> None:
    """✅ Confirm my seat, under the leader's booking."""
    query = update.callback_query
    assert query is not None
    parsed = cd.TeamSeatClaim.parse(query.data)
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await claim_seat(session, volunteer=volunteer, booking_id=parsed.booking_id, now=context.now(), offers=context.settings.offer_rules)
    await query.answer()
    await show(query, *render_claim(t, result))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(book_shift_button, pattern=cd.TeamBookShift.pattern))
    app.add_handler(CallbackQueryHandler(book_seats_button, pattern=cd.TeamBookSeats.pattern))
    app.add_handler(CallbackQueryHandler(claim_seat_button, pattern=cd.TeamSeatClaim.pattern))
