"""/review, corrections with a reason, no-shows and /addhours: attendance as coordinators fix it."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.common import center_name, esc, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, require_staff
from infra.i18n import Translator
from models.attendance_review import (
    ReviewError,
    ReviewProblem,
    WorkDateProblem,
    add_off_system_minutes,
    adjust_credited_minutes,
    count_flagged,
    flagged_records,
    keep_as_is,
    mark_no_show,
    off_system_moment,
)
from models.coordination import Actor, center_of_attendance, center_of_signup
from models.lookup import work_place
from models.numerals import ascii_digits
from models.tables import Volunteer
from models.volunteers import read_conversation, volunteers_by_id_or_phone, write_conversation

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


# The day the work was done, as /addhours takes it: 2026-11-28 (or 2026/11/28).
WORK_DAY = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


def parse_work_day(text: str) -> date | None:
    """A YYYY-MM-DD day (in any digits); None when the text is not one, or no such day exists."""
    match = WORK_DAY.match(ascii_digits(text))
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def add_hours_usage(t: Translator) -> str:
    """The usage, escaped: its <placeholders> are text, not HTML."""
    return esc(t.gettext(
        "Usage: /addhours <telegram id or phone> <hours> <YYYY-MM-DD> <opportunity ref or center code> <reason>\n"
        "Example: /addhours 0501234567 3 2026-11-28 awali Ramadan iftar at the center\n"
        "Without a day and a place, the hours are dated today, for the volunteer's own center."
    ))


async def add_hours_command(update: Update, context: BotContext) -> None:
    """/addhours <telegram id or phone> <hours> [<YYYY-MM-DD> <opportunity ref or center code>] <reason>:
    hours for work done outside the bot, dated the day it was done, for the place it was done for."""
    args = context.args or []
    now, zone = context.now(), context.settings.zone
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="attendance.add_manual")
        if actor is None:
            return
        dated = len(args) >= 3 and WORK_DAY.match(ascii_digits(args[2])) is not None
        words = args[4:] if dated else args[2:]
        amount = parse_amount(" ".join([args[1], *words]), hours_default=True) if len(args) >= 3 and words else None
        if amount is None:
            await reply(update, add_hours_usage(t))
            return
        day = parse_work_day(args[2]) if dated else None
        if dated and day is None:
            await reply(update, t.gettext("That day does not exist. Please write it as YYYY-MM-DD."))
            return
        worked_at = None
        if day is not None:
            moment = off_system_moment(day, now=now, zone=zone)
            if isinstance(moment, WorkDateProblem):
                await reply(update, t.gettext("The day of the work cannot be in the future.") if moment == WorkDateProblem.FUTURE
                            else t.gettext("The day of the work must be within the last year."))
                return
            worked_at = moment
        place = await work_place(session, code=args[3]) if dated else None
        if dated and place is None:
            await reply(update, t.gettext("No opportunity or center has the code “{code}”. Use an opportunity ref (see /exportopps) or a center code.").format(
                code=esc(args[3])))
            return
        people = await volunteers_by_id_or_phone(session, text=args[0], limit=2)
        if len(people) != 1:
            await reply(update, t.gettext("No volunteer has this Telegram id or phone number.") if not people
                        else t.gettext("More than one volunteer has this phone number. Please use their Telegram id (find it with /records)."))
            return
        person = people[0]
        center_id = place.center.id if place is not None else person.center_id
        allowed, t = await require_staff(update, context, session, action="attendance.add_manual", center_id=center_id,
                                         missing_target=center_id is None and not actor.is_admin, target=f"volunteer:{person.telegram_id}")
        if allowed is None:
            return
        try:
            record = await add_off_system_minutes(
                session, volunteer=person, minutes=amount[0], reason=amount[1], actor_telegram_id=actor.telegram_id, now=now,
                worked_at=worked_at, center_id=center_id,
                opportunity_id=place.opportunity.id if place is not None and place.opportunity is not None else None)
        except ReviewError as error:
            await reply(update, review_problem_text(t, error.problem))
            return
    name = esc(person.display_name or str(person.telegram_id))
    if place is None:
        await reply(update, t.gettext("✅ Added {time} for {name}. The reason is kept in the audit log.").format(
            time=t.duration(record.credited_minutes), name=name))
        return
    where = opportunity_title(place.opportunity, t.language) if place.opportunity is not None else center_name(place.center, t.language)
    await reply(update, t.gettext("✅ Added {time} for {name}, for <b>{place}</b> on {day}. They will be told, with the reason.").format(
        time=t.duration(record.credited_minutes), name=name, place=esc(where), day=t.day(record.checked_in_at)))
