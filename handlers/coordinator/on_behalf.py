"""Coordinators acting for a volunteer: check in, check out, or record as present (a no-show or a
missed check-in) with the times. Pressed on a shift's roster or on a volunteer's records; the
view pressed is refreshed in place."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.common import clip, esc, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, require_staff
from handlers.coordinator.onsite import check_in_is_open, render_roster
from handlers.coordinator.records import fix_problem_text, records_view
from infra.i18n import Translator
from models.attendance_review import shift_roster
from models.coordination import Actor, center_of_attendance, center_of_signup
from models.corrections import (
    Fix,
    FixOutcome,
    check_in_on_behalf,
    check_out_on_behalf,
    mark_present,
    parse_times,
    shift_day,
)
from models.tables import Volunteer
from models.volunteers import read_conversation, write_conversation

PRESENT_FLOW = "mark_present"
ALERT_MAX = 200  # Telegram's limit on a callback answer


def _who(fix: Fix, t: Translator, *, html: bool = True) -> tuple[str, str]:
    """The volunteer's name and the shift's title, escaped for a message (not for a pop-up)."""
    assert fix.volunteer is not None and fix.opportunity is not None
    name, title = fix.volunteer.display_name or "—", opportunity_title(fix.opportunity, t.language)
    return (esc(name), esc(title)) if html else (name, title)


async def _refreshed(context: BotContext, session: AsyncSession, actor: Actor, t: Translator, view: str, fix: Fix) -> tuple[str, InlineKeyboardMarkup | None]:
    """The roster or the records the button was pressed on, as they are now."""
    if view == "shift":
        assert fix.shift is not None and fix.shift.id is not None
        roster = await shift_roster(session, shift_id=fix.shift.id, now=context.now())
        assert roster is not None
        return render_roster(t, roster, check_in_open=check_in_is_open(context, fix.shift))
    assert fix.volunteer is not None
    return await records_view(context, session, actor, t, fix.volunteer, page=0)


async def check_in_for_button(update: Update, context: BotContext) -> None:
    """🟢 Check in: <name> — now, on their behalf."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.CheckInFor, action="attendance.check_in_for")
    if parsed is None:
        return
    async with context.transaction() as session:
        center_id = await center_of_signup(session, parsed.signup_id)
        actor, t = await require_staff(update, context, session, action="attendance.check_in_for", center_id=center_id,
                                       missing_target=center_id is None, target=f"signup:{parsed.signup_id}")
        if actor is None:
            return
        fix = await check_in_on_behalf(session, signup_id=parsed.signup_id, actor_telegram_id=actor.telegram_id, now=context.now(),
                                       early_minutes=context.settings.checkin_early_minutes)
        view = await _refreshed(context, session, actor, t, parsed.view, fix) if fix.outcome == FixOutcome.DONE else None
    if view is None:
        await query.answer(fix_problem_text(t, fix), show_alert=True)
        return
    name, title = _who(fix, t, html=False)
    await query.answer(clip(t.gettext("🟢 {name} is checked in to {title}. They will be told.").format(name=name, title=title), ALERT_MAX),
                       show_alert=True)
    await show(query, *view)


async def check_out_for_button(update: Update, context: BotContext) -> None:
    """🏁 Check out: <name> — now, on their behalf, credited by the usual rule."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.CheckOutFor, action="attendance.check_out_for")
    if parsed is None:
        return
    async with context.transaction() as session:
        center_id = await center_of_attendance(session, parsed.attendance_id)
        actor, t = await require_staff(update, context, session, action="attendance.check_out_for", center_id=center_id,
                                       missing_target=center_id is None, target=f"attendance:{parsed.attendance_id}")
        if actor is None:
            return
        fix = await check_out_on_behalf(session, attendance_id=parsed.attendance_id, actor_telegram_id=actor.telegram_id,
                                        now=context.now(), grace_minutes=context.settings.checkout_grace_minutes)
        view = await _refreshed(context, session, actor, t, parsed.view, fix) if fix.outcome == FixOutcome.DONE else None
    if view is None:
        await query.answer(fix_problem_text(t, fix), show_alert=True)
        return
    assert fix.attendance is not None
    name, title = _who(fix, t, html=False)
    await query.answer(clip(t.gettext("🏁 {name} is checked out of {title}: {duration} credited. They will be told.").format(
        name=name, title=title, duration=t.duration(fix.attendance.credited_minutes)), ALERT_MAX), show_alert=True)
    await show(query, *view)


async def mark_present_button(update: Update, context: BotContext) -> None:
    """✅ Present: <name> — ask for the times they were there."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.MarkPresent, action="attendance.mark_present")
    if parsed is None:
        return
    async with context.transaction() as session:
        center_id = await center_of_signup(session, parsed.signup_id)
        actor, t = await require_staff(update, context, session, action="attendance.mark_present", center_id=center_id,
                                       missing_target=center_id is None, target=f"signup:{parsed.signup_id}")
        if actor is None:
            return
        write_conversation(actor.volunteer, {"flow": PRESENT_FLOW, "signup_id": parsed.signup_id})
    await query.answer()
    await reply(update, t.gettext(
        "When were they there? Send the arrival and leaving times, like 16:05-19:30, "
        "or only the arrival time (like 16:05) if they are still there."))


async def present_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Text flow: the times of the volunteer being recorded as present."""
    message = update.effective_message
    assert message is not None
    signup_id = int(read_conversation(volunteer).get("signup_id", 0))
    center_id = await center_of_signup(session, signup_id)
    actor, t = await require_staff(update, context, session, action="attendance.mark_present", center_id=center_id,
                                   missing_target=center_id is None, target=f"signup:{signup_id}")
    if actor is None:
        write_conversation(volunteer, None)
        return
    day = await shift_day(session, zone=context.settings.zone, signup_id=signup_id)
    times = parse_times(message.text or "", day=day, zone=context.settings.zone) if day is not None else None
    if times is None:
        await reply(update, t.gettext("Please send the times like 16:05-19:30 (or only the arrival time, like 16:05)."))
        return
    fix = await mark_present(session, signup_id=signup_id, checked_in_at=times.checked_in_at, checked_out_at=times.checked_out_at,
                             actor_telegram_id=actor.telegram_id, now=context.now(), grace_minutes=context.settings.checkout_grace_minutes)
    if fix.outcome in (FixOutcome.BAD_TIMES, FixOutcome.FUTURE, FixOutcome.ENDED):
        text = fix_problem_text(t, fix)
        if fix.outcome == FixOutcome.ENDED:
            text = t.gettext("The shift is over: please send the leaving time too, like 16:05-19:30.")
        await reply(update, text)  # the flow stays open for another try
        return
    write_conversation(volunteer, None)
    if fix.outcome != FixOutcome.DONE:
        await reply(update, fix_problem_text(t, fix))
        return
    assert fix.attendance is not None
    name, title = _who(fix, t)
    if fix.attendance.checked_out_at is None:
        text = t.gettext("✅ {name} is recorded as present at <b>{title}</b>, checked in since {time}. They will be told.").format(
            name=name, title=title, time=t.time(fix.attendance.checked_in_at))
    else:
        text = t.gettext("✅ {name} is recorded as present at <b>{title}</b>: {span}, {duration} credited. They will be told.").format(
            name=name, title=title, span=t.span(fix.attendance.checked_in_at, fix.attendance.checked_out_at),
            duration=t.duration(fix.attendance.credited_minutes))
    await reply(update, text)
