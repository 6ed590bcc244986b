"""Station mode: a coordinator scans a volunteer's pass (the deep link `/start pass-<token>`) and
checks them in or out with one tap, walk-ins included."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.common import esc, load_volunteer, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, require_staff
from handlers.qualifications import qualification_name
from infra.i18n import Translator
from models.attendance import CheckInOutcome, CheckOutOutcome, CheckOutResult
from models.audit import record_action
from models.coordination import Actor, center_of_attendance, center_of_shift, load_actor
from models.passes import (
    PassCheckIn,
    PassCheckInOutcome,
    PassScan,
    ScanOutcome,
    check_in_by_pass,
    check_out_by_pass,
    is_own_pass,
    pass_holder,
    scan_pass,
)
from models.tables import GenderRule, Volunteer
from models.volunteers import is_registered

PASS_PREFIX = "pass-"
# Routed before the general /start (in one group, the first matching handler runs).
START_PATTERN = rf"^/start(@\w+)?\s+{PASS_PREFIX}"
LABEL_NAME = 24  # characters of a name inside a button


def pass_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={PASS_PREFIX}{token}"


def stale_text(t: Translator) -> str:
    return t.gettext("This pass is no longer valid: it was renewed, or the code is incomplete. Ask the volunteer to open /pass and show the new one.")


def own_pass_text(t: Translator) -> str:
    return t.gettext("🪪 This is your own pass. Show it to the coordinator on site: they scan it to check you in or out.")


def _name(volunteer: Volunteer) -> str:
    return esc(volunteer.display_name or "—")


def _short(volunteer: Volunteer) -> str:
    return (volunteer.display_name or "—")[:LABEL_NAME]


def _not_now(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t.gettext("Not now"), callback_data=cd.PassDismiss().data)]


def render_scan(t: Translator, scan: PassScan, token: str, *, early_minutes: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card a coordinator sees after scanning a pass: one tap to check in or out."""
    holder, name = scan.holder, _name(scan.holder)
    lines = [t.gettext("🪪 Volunteer pass: <b>{name}</b>").format(name=name), ""]
    rows: list[list[InlineKeyboardButton]] = []
    if scan.outcome == ScanOutcome.CHECK_OUT:
        assert scan.open is not None
        attendance, _shift, opportunity = scan.open
        lines.append(t.gettext("{name} is checked in to <b>{title}</b> since {time}. Check {name} out?").format(
            name=name, title=esc(opportunity_title(opportunity, t.language)), time=t.time(attendance.checked_in_at)))
        rows.append([InlineKeyboardButton(t.gettext("🏁 Check {name} out").format(name=_short(holder)),
                                          callback_data=cd.PassCheckOut(token, attendance.id or 0).data)])
    elif scan.outcome == ScanOutcome.OTHER_CENTER:
        lines.append(t.gettext("Sorry, {name}'s shift at this time belongs to a center you do not manage, so you cannot check them in or out. Its coordinators can.").format(name=name))
        return "\n".join(lines), None
    elif scan.outcome == ScanOutcome.NOTHING_OPEN:
        lines.append(t.gettext("There is no shift to check {name} in to: none of your centers' shifts is open for check-in now. Check-in opens {duration} before the start.").format(
            name=name, duration=t.duration(early_minutes)))
        return "\n".join(lines), None
    elif len(scan.options) == 1:
        option = scan.options[0]
        facts = dict(name=name, title=esc(opportunity_title(option.opportunity, t.language)), when=t.span(option.shift.starts_at, option.shift.ends_at))
        data = cd.PassCheckIn(token, option.shift.id or 0).data
        if option.holds_seat:
            lines.append(t.gettext("Check {name} in to <b>{title}</b> ({when})?").format(**facts))
            rows.append([InlineKeyboardButton(t.gettext("✅ Check {name} in").format(name=_short(holder)), callback_data=data)])
        else:
            lines.append(t.gettext("{name} has no seat on <b>{title}</b> ({when}). Add them to it as a walk-in and check them in?").format(**facts))
            rows.append([InlineKeyboardButton(t.gettext("➕ Add as a walk-in and check in"), callback_data=data)])
    else:
        lines.append(t.gettext("Which shift should {name} be checked in to? ➕ marks a shift without a seat of theirs: they are added to it as a walk-in.").format(name=name))
        for option in scan.options:
            mark = "✅" if option.holds_seat else "➕"
            label = f"{mark} {opportunity_title(option.opportunity, t.language)[:30]} · {t.time(option.shift.starts_at)}"
            rows.append([InlineKeyboardButton(label, callback_data=cd.PassCheckIn(token, option.shift.id or 0).data)])
    rows.append(_not_now(t))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def scan_pass_link(update: Update, context: BotContext) -> None:
    """`/start pass-<token>`: whoever scanned a volunteer's pass; coordinators get the card."""
    token = (context.args[0] if context.args else "")[len(PASS_PREFIX):]
    markup = None
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        scanner = await load_volunteer(session, update, context)
        t = context.translator(scanner.language)
        holder = await pass_holder(session, token=token)
        actor = await load_actor(session, telegram_id=scanner.telegram_id)
        refusal = None
        if holder is not None and holder.id == scanner.id:
            text = own_pass_text(t)
        elif actor is None:
            refusal = "not staff"
            text = t.gettext("This is a volunteer's personal pass. Only the program's coordinators can use it, to check its owner in or out on site; nothing was done.")
        elif holder is None:
            refusal = "unknown or renewed pass"
            text = stale_text(t)
        else:
            early = context.settings.checkin_early_minutes
            scan = await scan_pass(session, actor=actor, holder=holder, now=context.now(), early_minutes=early)
            text, markup = render_scan(t, scan, token, early_minutes=early)
        if refusal is not None:
            target = f"volunteer:{holder.telegram_id}" if holder is not None else None
            await record_action(session, actor_telegram_id=scanner.telegram_id, action="pass.scan", target=target,
                                allowed=False, detail=refusal, now=context.now())
        if actor is None and not is_registered(scanner):
            # A newcomer who scanned someone's pass found the bot: offer to register.
            from handlers.onboarding import prompt_step  # the volunteer side; imported where used

            await reply(update, text)
            await prompt_step(update, context, session, scanner)
            return
    await reply(update, text, markup)


def render_check_in(t: Translator, holder: Volunteer, result: PassCheckIn, token: str) -> tuple[str, InlineKeyboardMarkup | None]:
    name = _name(holder)
    title = esc(opportunity_title(result.opportunity, t.language)) if result.opportunity else ""
    if result.outcome == PassCheckInOutcome.CHECKED_IN:
        assert result.check_in is not None and result.check_in.attendance is not None and result.shift is not None
        lines = [t.gettext("✅ {name} is checked in to <b>{title}</b> at {time}. They are told in their chat.").format(
            name=name, title=title, time=t.time(result.check_in.attendance.checked_in_at))]
        if result.walk_in:
            lines.append(t.gettext("Added to the shift as a walk-in."))
        if result.over_capacity:
            lines.append(t.gettext("Over capacity: {taken} of {capacity} seats are taken now.").format(
                taken=t.number(result.shift.seats_taken), capacity=t.number(result.shift.capacity)))
        return "\n".join(lines), None
    if result.outcome == PassCheckInOutcome.FULL:
        assert result.shift is not None
        text = t.gettext("<b>{title}</b> is full: {taken} of {capacity} seats are taken. Add {name} anyway, over capacity?").format(
            title=title, taken=t.number(result.shift.seats_taken), capacity=t.number(result.shift.capacity), name=name)
        over = cd.PassCheckIn(token, result.shift.id or 0, "1").data
        return text, InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("➕ Yes, add over capacity"), callback_data=over)], _not_now(t)])
    if result.outcome == PassCheckInOutcome.GENDER_MISMATCH:
        assert result.opportunity is not None
        if result.opportunity.gender == GenderRule.FEMALE:
            return t.gettext("{name} cannot join <b>{title}</b>: it is for women only.").format(name=name, title=title), None
        return t.gettext("{name} cannot join <b>{title}</b>: it is for men only.").format(name=name, title=title), None
    if result.outcome == PassCheckInOutcome.TOO_YOUNG:
        assert result.opportunity is not None
        return t.gettext("{name} cannot join <b>{title}</b>: it is for volunteers aged {age} and over.").format(
            name=name, title=title, age=t.number(result.opportunity.min_age or 0)), None
    if result.outcome == PassCheckInOutcome.CONSENT_NEEDED:
        return t.gettext("{name} is under 18 and has no guardian's consent on record yet, so they cannot be added to <b>{title}</b>. "
                         "A guardian can consent with the link the bot gives them, or you can record a consent on paper with /consent.").format(
            name=name, title=title), None
    if result.outcome == PassCheckInOutcome.NOT_QUALIFIED:
        names = ("، " if t.rtl else ", ").join(f"<b>{qualification_name(t, item.qualification)}</b>" for item in result.missing)
        return t.gettext("{name} cannot join <b>{title}</b> as a walk-in: it requires {qualifications}, valid until its end.").format(
            name=name, title=title, qualifications=names), None
    if result.outcome == PassCheckInOutcome.CHECKED_IN_ELSEWHERE:
        return t.gettext("{name} is still checked in to another shift. Scan the pass again to check them out of it first.").format(name=name), None
    if result.outcome == PassCheckInOutcome.UNAVAILABLE:
        return t.gettext("This shift is cancelled or no longer published, so nobody can be checked in to it."), None
    assert result.check_in is not None
    refused = result.check_in
    if refused.outcome == CheckInOutcome.TOO_EARLY:
        assert refused.opens_at is not None
        return t.gettext("It is too early: check-in to <b>{title}</b> opens at {opens}.").format(title=title, opens=t.time(refused.opens_at)), None
    if refused.outcome == CheckInOutcome.ENDED:
        return t.gettext("<b>{title}</b> has already ended.").format(title=title), None
    return t.gettext("{name} is already checked in to <b>{title}</b>.").format(name=name, title=title), None


def render_check_out(t: Translator, holder: Volunteer, result: CheckOutResult) -> str:
    if result.outcome != CheckOutOutcome.CHECKED_OUT:
        return t.gettext("{name} is not checked in any more. Scan the pass again to see what can be done.").format(name=_name(holder))
    assert result.attendance is not None and result.opportunity is not None
    return t.gettext("🏁 {name} is checked out of <b>{title}</b>: {duration} credited. They are told in their chat.").format(
        name=_name(holder), title=esc(opportunity_title(result.opportunity, t.language)), duration=t.duration(result.attendance.credited_minutes))


async def _holder_or_refuse(
    update: Update, context: BotContext, session: AsyncSession, actor: Actor, t: Translator, token: str, *, action: str, target: str
) -> Volunteer | None:
    """The pass's holder, or None after refusing (audited) a renewed pass or the coordinator's own."""
    holder = await pass_holder(session, token=token)
    if holder is not None and not is_own_pass(actor, holder):
        return holder
    detail = "unknown or renewed pass" if holder is None else "own pass"
    await record_action(session, actor_telegram_id=actor.telegram_id, action=action, target=target,
                        allowed=False, detail=detail, now=context.now())
    assert update.callback_query is not None
    await update.callback_query.answer(stale_text(t) if holder is None else own_pass_text(t), show_alert=True)
    return None


async def check_in_button(update: Update, context: BotContext) -> None:
    """✅ / ➕ under a pass card: check the holder in (seating a walk-in)."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.PassCheckIn, action="pass.check_in")
    if parsed is None:
        return
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        center_id = await center_of_shift(session, parsed.shift_id)
        actor, t = await require_staff(update, context, session, action="pass.check_in", center_id=center_id,
                                       missing_target=center_id is None, target=f"shift:{parsed.shift_id}")
        if actor is None:
            return
        holder = await _holder_or_refuse(update, context, session, actor, t, parsed.token, action="pass.check_in", target=f"shift:{parsed.shift_id}")
        if holder is None:
            return
        result = await check_in_by_pass(session, actor=actor, holder=holder, shift_id=parsed.shift_id, now=context.now(),
                                        early_minutes=context.settings.checkin_early_minutes, over_capacity=parsed.over == "1")
    await query.answer()
    await show(query, *render_check_in(t, holder, result, parsed.token))


async def check_out_button(update: Update, context: BotContext) -> None:
    """🏁 under a pass card: check the holder out and credit the time."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.PassCheckOut, action="pass.check_out")
    if parsed is None:
        return
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        center_id = await center_of_attendance(session, parsed.attendance_id)
        actor, t = await require_staff(update, context, session, action="pass.check_out", center_id=center_id,
                                       missing_target=center_id is None, target=f"attendance:{parsed.attendance_id}")
        if actor is None:
            return
        holder = await _holder_or_refuse(update, context, session, actor, t, parsed.token, action="pass.check_out", target=f"attendance:{parsed.attendance_id}")
        if holder is None:
            return
        result = await check_out_by_pass(session, actor=actor, holder=holder, attendance_id=parsed.attendance_id, now=context.now(),
                                         grace_minutes=context.settings.checkout_grace_minutes)
    await query.answer()
    await show(query, render_check_out(t, holder, result))


async def dismiss_button(update: Update, context: BotContext) -> None:
    """“Not now” under a pass card."""
    query = update.callback_query
    assert query is not None
    if await parse_or_refuse(update, context, cd.PassDismiss, action="pass.dismiss") is None:
        return
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
    t = context.translator(volunteer.language)
    await query.answer()
    await show(query, t.gettext("Nothing was changed."))
