"""Signing up for shifts, joining the waitlist and cancelling."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.calendar import calendar_button
from handlers.common import esc, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.gate import registered_unit, require_registration
from handlers.guardians import consent_request
from handlers.offers import offer_buttons, offer_deadline
from handlers.qualifications import render_missing
from infra.i18n import Translator
from models.guardians import request_consent
from models.signups import CancelOutcome, SignupOutcome, SignupResult, cancel_signup, sign_up


def render_signup_result(t: Translator, result: SignupResult) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the volunteer reads after pressing a sign-up or waitlist button."""
    title = esc(opportunity_title(result.opportunity, t.language)) if result.opportunity else ""
    when = t.span(result.shift.starts_at, result.shift.ends_at) if result.shift else ""
    outcome = result.outcome
    markup = None
    if outcome == SignupOutcome.CONFIRMED:
        text = t.gettext("✅ You are signed up for <b>{title}</b>\n{when}\n\nWe will remind you before it starts. Thank you!")
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("Cancel my seat"), callback_data=cd.Cancel(result.signup.id or 0).data),  # type: ignore[union-attr]
                                        calendar_button(t, result.signup.id or 0)]])  # type: ignore[union-attr]  # issue 12
    elif outcome in (SignupOutcome.WAITLISTED, SignupOutcome.ALREADY_WAITLISTED):
        position = result.waitlist_position or 1
        text = t.gettext("⏳ This shift is full. You are on the waitlist for <b>{title}</b>\n{when}") + "\n" + t.gettext(
            "You are number {n} in line. If a seat frees up, it is yours and we will tell you at once."
        ).format(n=t.number(position))
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("Leave the waitlist"), callback_data=cd.Cancel(result.signup.id or 0).data)]])  # type: ignore[union-attr]
    elif outcome == SignupOutcome.FULL:
        text = t.gettext("Sorry, this shift is full: <b>{title}</b>\n{when}\n\nWould you like to join the waitlist?")
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("⏳ Join the waitlist"), callback_data=cd.JoinWaitlist(result.shift.id or 0).data)]])  # type: ignore[union-attr]
    elif outcome == SignupOutcome.STARTED:
        text = t.gettext("This shift has already started, so sign-up is closed.")
    elif outcome == SignupOutcome.GENDER_MISMATCH:
        text = t.gettext("Sorry, this opportunity is for men only.") if result.opportunity and result.opportunity.gender == "male" else t.gettext("Sorry, this opportunity is for women only.")
    elif outcome == SignupOutcome.OVERLAP:
        conflict = result.conflict
        text = t.gettext("You already hold a shift at that time ({when}). Cancel it first if you prefer this one.").format(
            when=t.span(conflict.starts_at, conflict.ends_at) if conflict else ""
        )
        return text, None
    elif outcome == SignupOutcome.OFFERED:
        assert result.signup is not None and result.signup.id is not None
        text = "<b>{title}</b>\n{when}\n\n" + offer_deadline(t, result.signup.offer_expires_at)
        markup = InlineKeyboardMarkup([offer_buttons(t, result.signup.id)])
    elif outcome == SignupOutcome.TOO_YOUNG:
        text = t.gettext("Sorry, <b>{title}</b> is for volunteers aged {age} and over.").replace(
            "{age}", t.number(result.opportunity.min_age or 0) if result.opportunity else "")
    elif outcome == SignupOutcome.ALREADY_CONFIRMED:
        text = t.gettext("You are already signed up for this shift.")
    elif outcome == SignupOutcome.NOT_QUALIFIED:
        return render_missing(t, result.missing)
    else:
        text = t.gettext("This shift is no longer available.")
    return text.format(title=title, when=when), markup


async def _sign_up(update: Update, context: BotContext, join_waitlist: bool) -> None:
    query = update.callback_query
    assert query is not None
    kind = cd.JoinWaitlist if join_waitlist else cd.SignUp
    shift_id = kind.parse(query.data).shift_id
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await sign_up(session, volunteer=volunteer, shift_id=shift_id, now=context.now(), join_waitlist=join_waitlist)
        if result.outcome == SignupOutcome.CONSENT_NEEDED:  # the link for their guardian (issue 13)
            consent = await request_consent(session, volunteer=volunteer, now=context.now())
    if result.outcome == SignupOutcome.CONSENT_NEEDED:
        await query.answer()
        await reply(update, *consent_request(t, context, consent))
        return
    text, markup = render_signup_result(t, result)
    await query.answer()
    await reply(update, text, markup)


async def sign_up_button(update: Update, context: BotContext) -> None:
    """Take a seat on a shift."""
    await _sign_up(update, context, join_waitlist=False)


async def join_waitlist_button(update: Update, context: BotContext) -> None:
    """Join a full shift's waitlist."""
    await _sign_up(update, context, join_waitlist=True)


async def ask_cancel_button(update: Update, context: BotContext) -> None:
    """Ask for confirmation before giving up a seat."""
    query = update.callback_query
    assert query is not None
    signup_id = cd.Cancel.parse(query.data).signup_id
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
    t = context.translator(volunteer.language)
    await query.answer()
    await reply(
        update,
        t.gettext("Do you really want to give up this place? Someone on the waitlist may take it."),
        InlineKeyboardMarkup(
            [[InlineKeyboardButton(t.gettext("Yes, cancel"), callback_data=cd.CancelConfirmed(signup_id).data),
              InlineKeyboardButton(t.gettext("No, keep it"), callback_data=cd.CancelKept(signup_id).data)]]
        ),
    )


async def keep_signup_button(update: Update, context: BotContext) -> None:
    """The volunteer changed their mind about cancelling."""
    query = update.callback_query
    assert query is not None
    cd.CancelKept.parse(query.data)  # nothing to act on, but still only a payload we made
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
    t = context.translator(volunteer.language)
    await query.answer()
    await show(query, t.gettext("Good, your place is kept."))


async def cancel_signup_button(update: Update, context: BotContext) -> None:
    """Give up a seat or waitlist place; the first in line is promoted and told."""
    query = update.callback_query
    assert query is not None
    signup_id = cd.CancelConfirmed.parse(query.data).signup_id
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await cancel_signup(
            session, volunteer=volunteer, signup_id=signup_id, now=context.now(), offers=context.settings.offer_rules
        )
    texts = {
        CancelOutcome.CANCELLED: t.gettext("Your seat is cancelled. Thank you for letting us know in time."),
        CancelOutcome.LEFT_WAITLIST: t.gettext("You have left the waitlist."),
        CancelOutcome.NOT_YOURS: t.gettext("This sign-up was not found."),
        CancelOutcome.ALREADY_CANCELLED: t.gettext("This place was already cancelled."),
        CancelOutcome.STARTED: t.gettext("This shift has already started and can no longer be cancelled."),
    }
    await query.answer()
    await show(query, texts[result.outcome])
