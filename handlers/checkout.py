"""Check-out, asked for first and undoable: 🏁 Yes, check me out / Not yet, then ↩️ Undo check-out
for ten minutes under the confirmation."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.common import esc, main_menu, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.gate import registered_unit, require_registration
from infra.i18n import Translator
from models.attendance import (
    UNDO_WINDOW,
    CheckOutOutcome,
    UndoOutcome,
    check_out,
    open_attendance,
    undo_check_out,
)
from models.tables import Opportunity

UNDO_MINUTES = int(UNDO_WINDOW.total_seconds() // 60)


def _title(opportunity: Opportunity, t: Translator) -> str:
    return esc(opportunity_title(opportunity, t.language))


async def ask_check_out(update: Update, context: BotContext) -> None:
    """/checkout and 🏁 Check out: ask before closing the open check-in (a tap by mistake costs
    nothing)."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        assert volunteer.id is not None
        found = await open_attendance(session, volunteer_id=volunteer.id)
    t = context.translator(volunteer.language)
    if found is None:
        await reply(update, t.gettext("You are not checked in, so there is nothing to check out of."), main_menu(t))
        return
    attendance, _shift, opportunity = found
    assert attendance.id is not None
    text = t.gettext("Check out of <b>{title}</b> now? You checked in at {time} ({duration} ago).").format(
        title=_title(opportunity, t), time=t.time(attendance.checked_in_at),
        duration=t.duration(int((context.now() - attendance.checked_in_at).total_seconds() // 60)),
    )
    await reply(update, text, InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("🏁 Yes, check me out"), callback_data=cd.CheckOutConfirm(attendance.id).data),
        InlineKeyboardButton(t.gettext("Not yet"), callback_data=cd.CheckOutKept(attendance.id).data),
    ]]))


async def confirm_check_out_button(update: Update, context: BotContext) -> None:
    """🏁 Yes, check me out: close that check-in, credit the time, offer the undo."""
    query = update.callback_query
    assert query is not None
    attendance_id = cd.CheckOutConfirm.parse(query.data).attendance_id
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await check_out(session, volunteer=volunteer, now=context.now(), attendance_id=attendance_id,
                                 grace_minutes=context.settings.checkout_grace_minutes)
    if result.outcome == CheckOutOutcome.NOT_CHECKED_IN:
        await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)
        return
    assert result.attendance is not None and result.opportunity is not None and result.attendance.id is not None
    if result.outcome == CheckOutOutcome.ALREADY_OUT:
        await query.answer(t.gettext("You have already checked out of this shift."), show_alert=True)
        return
    await query.answer()
    text = t.gettext("🏁 Checked out of <b>{title}</b>. {duration} credited to you. Thank you for your time!").format(
        title=_title(result.opportunity, t), duration=t.duration(result.attendance.credited_minutes)
    )
    hint = t.ngettext("Tapped by mistake? You can undo it within {n} minute.", "Tapped by mistake? You can undo it within {n} minutes.",
                      UNDO_MINUTES).format(n=t.number(UNDO_MINUTES))
    await show(query, text + "\n" + hint, InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("↩️ Undo check-out"), callback_data=cd.CheckOutUndo(result.attendance.id).data)]]))


async def keep_checked_in_button(update: Update, context: BotContext) -> None:
    """Not yet: nothing changes."""
    query = update.callback_query
    assert query is not None
    cd.CheckOutKept.parse(query.data)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
    t = context.translator(volunteer.language)
    await query.answer()
    await show(query, t.gettext("Fine, you are still checked in. Check out with 🏁 when you leave."))


def undo_refusal_text(t: Translator, outcome: UndoOutcome) -> str:
    texts = {
        UndoOutcome.TOO_LATE: t.ngettext(
            "It is too late to undo this check-out: that is possible for {n} minute only. If the time is wrong, please tell your coordinator.",
            "It is too late to undo this check-out: that is possible for {n} minutes only. If the time is wrong, please tell your coordinator.",
            UNDO_MINUTES).format(n=t.number(UNDO_MINUTES)),
        UndoOutcome.SHIFT_OVER: t.gettext("This shift is over, so the check-out can no longer be undone. If the time is wrong, please tell your coordinator."),
        UndoOutcome.NOT_CHECKED_OUT: t.gettext("Your check-out is already undone: you are checked in."),
        UndoOutcome.NOT_THEIRS: t.gettext("This record was changed by a coordinator, so only they can change it again. Please ask them."),
        UndoOutcome.OTHER_OPEN: t.gettext("You are checked in to another shift now, so this check-out cannot be undone. Check out of that one first."),
        UndoOutcome.UNKNOWN: t.gettext("This button is no longer valid. Please open the menu again."),
    }
    return texts[outcome]


async def undo_check_out_button(update: Update, context: BotContext) -> None:
    """↩️ Undo check-out: the attendance reopens (nothing credited until the real check-out)."""
    query = update.callback_query
    assert query is not None
    attendance_id = cd.CheckOutUndo.parse(query.data).attendance_id
    async with registered_unit(update, context) as unit:
        if unit is None:
            return
        session, volunteer, t = unit
        result = await undo_check_out(session, volunteer=volunteer, attendance_id=attendance_id, now=context.now(),
                                      grace_minutes=context.settings.checkout_grace_minutes)
    if result.outcome != UndoOutcome.UNDONE:
        await query.answer(undo_refusal_text(t, result.outcome), show_alert=True)
        if result.outcome in (UndoOutcome.TOO_LATE, UndoOutcome.SHIFT_OVER, UndoOutcome.NOT_THEIRS):
            await query.edit_message_reply_markup(None)  # the button can no longer do anything
        return
    assert result.attendance is not None and result.opportunity is not None
    await query.answer()
    await show(query, t.gettext("↩️ Check-out undone: you are checked in to <b>{title}</b> again, since {time}. Check out with 🏁 when you leave.").format(
        title=_title(result.opportunity, t), time=t.time(result.attendance.checked_in_at)))
