"""/review, corrections with a reason, no-shows and /addhours: attendance as coordinators fix it."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.common import esc, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, require_staff
from infra.i18n import Translator
from models.attendance_review import (
    ReviewError,
    ReviewProblem,
    add_off_system_minutes,
    adjust_credited_minutes,
    count_flagged,
    flagged_records,
    keep_as_is,
    mark_no_show,
)
from models.coordination import Actor, center_of_attendance, center_of_signup
from models.numerals import ascii_digits
from models.tables import Volunteer
from models.volunteers import find_volunteer, read_conversation, write_conversation

ADJUST_FLOW = "adjust_attendance"
REVIEW_LIMIT = 10
# "<minutes> <reason>" or "<hours>h <reason>"
AMOUNT = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(h|س|ساعة|ساعات)?\s+(.+)$", re.DOTALL)


def review_problem_text(t: Translator, problem: ReviewProblem) -> str:
    texts = {
        ReviewProblem.MINUTES: t.gettext("The time must be between 0 and 24 hours (1440 minutes)."),
        ReviewProblem.REASON: t.gettext("Please add a short reason (at least 3 characters) after the number."),
        ReviewProblem.NOT_ENDED: t.gettext("This volunteer cannot be marked as a no-show: the shift has not started, or the seat is no longer theirs."),
        ReviewProblem.ALREADY: t.gettext("This volunteer is already marked as a no-show."),
        ReviewProblem.CHECKED_IN: t.gettext("This volunteer checked in, so they are not a no-show."),
        ReviewProblem.REVIEWED: t.gettext("This record has already been reviewed."),
        ReviewProblem.OPEN: t.gettext("This check-in has no check-out yet. Use ✏️ Adjust to set the time to credit."),
    }
    return texts[problem]


def parse_amount(text: str, *, hours_default: bool) -> tuple[int, str] | None:
    """Minutes (or hours with h) and the reason that follows."""
    match = AMOUNT.match(ascii_digits(text))
    if match is None:
        return None
    value = float(match.group(1).replace(",", "."))
    in_hours = hours_default or match.group(2) is not None
    return round(value * 60) if in_hours else round(value), match.group(3)


async def _review_list(context: BotContext, session: AsyncSession, actor: Actor, t: Translator) -> tuple[str, InlineKeyboardMarkup | None]:
    """The oldest records waiting for review (REVIEW_LIMIT of them) and how many wait in all."""
    scope = dict(center_ids=None if actor.is_admin else actor.center_ids, now=context.now(),
                 grace_minutes=context.settings.checkout_grace_minutes)
    records = await flagged_records(session, limit=REVIEW_LIMIT, **scope)  # type: ignore[arg-type]
    if not records:
        return t.gettext("Nothing to review. Every record is in order. ✅"), None
    total = await count_flagged(session, **scope) if len(records) == REVIEW_LIMIT else len(records)
    lines = [t.gettext("<b>Attendance to review</b>")]
    if total > len(records):
        lines.append(t.ngettext("The oldest {shown} of {n} record.", "The oldest {shown} of {n} records.", total).format(
            shown=t.number(len(records)), n=t.number(total)))
    lines.append("")
    buttons = []
    for n, record in enumerate(records, start=1):
        a = record.attendance
        why = t.gettext("forgot to check out") if record.forgot_check_out else esc(a.flag_reason or t.gettext("flagged"))
        title = opportunity_title(record.opportunity, t.language) if record.opportunity else "—"
        lines.append(f"{n}. {esc(record.volunteer.display_name or '—')} · {esc(title)}\n   {t.span(a.checked_in_at, a.checked_out_at or a.checked_in_at)} · "
                     + t.gettext("credited: {time}").format(time=t.duration(a.credited_minutes)) + f" · {why}")
        row = [InlineKeyboardButton(t.gettext("✏️ Adjust #{n}").format(n=n), callback_data=cd.AdjustAttendance(a.id or 0).data)]
        if a.checked_out_at is not None:
            row.append(InlineKeyboardButton(t.gettext("✅ Keep #{n}").format(n=n), callback_data=cd.KeepAttendance(a.id or 0).data))
        buttons.append(row)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def review_attendance(update: Update, context: BotContext) -> None:
    """/review: flagged records and forgotten check-outs in the coordinator's centers."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="attendance.review")
        if actor is None:
            return
        text, markup = await _review_list(context, session, actor, t)
    await reply(update, text, markup)


async def keep_button(update: Update, context: BotContext) -> None:
    """✅ Keep: the credited time is right; clear the flag and show the list again."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.KeepAttendance, action="attendance.keep")
    if parsed is None:
        return
    attendance_id = parsed.attendance_id
    async with context.transaction() as session:
        actor, t = await staff_for_attendance(update, context, session, attendance_id, action="attendance.keep")
        if actor is None:
            return
        try:
            async with session.begin_nested():
                record = await keep_as_is(session, attendance_id=attendance_id, actor_telegram_id=actor.telegram_id, now=context.now())
        except ReviewError as error:
            await query.answer(review_problem_text(t, error.problem), show_alert=True)
            return
        text, markup = await _review_list(context, session, actor, t)
    await query.answer(t.gettext("Kept: {time} credited.").format(time=t.duration(record.credited_minutes)))
    await show(query, text, markup)


async def staff_for_attendance(  # type: ignore[no-untyped-def]
    update: Update, context: BotContext, session: AsyncSession, attendance_id: int, *, action: str = "attendance.adjust"
):
    """The staff member allowed to change this attendance record (checked against its center), or a
    refusal already answered and audited (actor None)."""
    center_id = await center_of_attendance(session, attendance_id)
    return await require_staff(update, context, session, action=action, center_id=center_id,
                               missing_target=center_id is None, target=f"attendance:{attendance_id}")


async def adjust_button(update: Update, context: BotContext) -> None:
    """✏️ Adjust: ask for the minutes to credit and the reason."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.AdjustAttendance, action="attendance.adjust")
    if parsed is None:
        return
    attendance_id = parsed.attendance_id
    async with context.transaction() as session:
        actor, t = await staff_for_attendance(update, context, session, attendance_id)
        if actor is None:
            return
        write_conversation(actor.volunteer, {"flow": ADJUST_FLOW, "attendance_id": attendance_id})
    await query.answer()
    await reply(update, t.gettext("How many minutes should this record credit, and why? For example: 180 left at the end of the shift, forgot to check out"))


async def adjust_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Text flow: `<minutes> <reason>` for the record being adjusted."""
    message = update.effective_message
    assert message is not None
    attendance_id = int(read_conversation(volunteer).get("attendance_id", 0))
    actor, t = await staff_for_attendance(update, context, session, attendance_id)
    if actor is None:
        write_conversation(volunteer, None)
        return
    amount = parse_amount(message.text or "", hours_default=False)
    if amount is None:
        await reply(update, t.gettext("Please send the minutes, then the reason. For example: 180 left at the end of the shift"))
        return
    try:
        record = await adjust_credited_minutes(session, attendance_id=attendance_id, minutes=amount[0], reason=amount[1],
                                               actor_telegram_id=actor.telegram_id, now=context.now())
    except ReviewError as error:
        await reply(update, review_problem_text(t, error.problem))
        return
    write_conversation(volunteer, None)
    await reply(update, t.gettext("✅ Saved: the record now credits {time}. The change and its reason are in the audit log.").format(
        time=t.duration(record.credited_minutes)))


async def no_show_button(update: Update, context: BotContext) -> None:
    """🚫 No-show on the roster."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.MarkNoShow, action="signup.no_show")
    if parsed is None:
        return
    signup_id = parsed.signup_id
    async with context.transaction() as session:
        center_id = await center_of_signup(session, signup_id)
        actor, t = await require_staff(update, context, session, action="signup.no_show", center_id=center_id,
                                       missing_target=center_id is None, target=f"signup:{signup_id}")
        if actor is None:
            return
        try:
            async with session.begin_nested():
                await mark_no_show(session, signup_id=signup_id, actor_telegram_id=actor.telegram_id, now=context.now())
        except ReviewError as error:
            await query.answer(review_problem_text(t, error.problem), show_alert=True)
            return
    await query.answer(t.gettext("Marked as a no-show."), show_alert=True)


async def add_hours_command(update: Update, context: BotContext) -> None:
    """/addhours <telegram id or phone> <hours> <reason>: hours for work done outside the bot."""
    args = context.args or []
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="attendance.add_manual")
        if actor is None:
            return
        usage = esc(t.gettext("Usage: /addhours <telegram id or phone> <hours> <reason>\nExample: /addhours 966500000000 3 Ramadan iftar at the center"))
        amount = parse_amount(" ".join(args[1:]), hours_default=True) if len(args) >= 3 else None
        if amount is None:
            await reply(update, usage)
            return
        person = await find_volunteer(session, telegram_id_or_phone=args[0])
        if person is None:
            await reply(update, t.gettext("No volunteer has this Telegram id or phone number."))
            return
        allowed, t = await require_staff(update, context, session, action="attendance.add_manual", center_id=person.center_id,
                                         missing_target=person.center_id is None and not actor.is_admin, target=f"volunteer:{person.telegram_id}")
        if allowed is None:
            return
        try:
            record = await add_off_system_minutes(session, volunteer=person, minutes=amount[0], reason=amount[1],
                                                  actor_telegram_id=actor.telegram_id, now=context.now())
        except ReviewError as error:
            await reply(update, review_problem_text(t, error.problem))
            return
    await reply(update, t.gettext("✅ Added {time} for {name}. The reason is kept in the audit log.").format(
        time=t.duration(record.credited_minutes), name=esc(person.display_name or str(person.telegram_id))))
