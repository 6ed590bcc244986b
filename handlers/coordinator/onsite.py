"""/shifts: a shift's card, its check-in QR code (renewed every few minutes), who is here, and editing or cancelling it."""

from __future__ import annotations

import io
from datetime import timedelta

import segno
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError

from handlers import callback_data as cd
from handlers.attendance import CODE_PREFIX
from handlers.common import esc, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, refuse_forged, require_staff
from handlers.coordinator.contacts import with_phones_button
from handlers.coordinator.roster_buttons import roster_markup
from infra.i18n import Translator
from models.attendance_review import Roster, shift_roster
from models.authoring import (
    MAX_SERIES_WEEKS,
    ShiftProblem,
    ShiftSpecError,
    cancel_shift,
    change_shift,
    parse_shift_series,
    repeat_shift_weekly,
)
from models.checkin_codes import ShownCode, shown_code
from models.coordination import Actor, center_of_shift, running_and_upcoming_shifts
from models.opportunities import shift_with_opportunity
from models.tables import Attendance, Opportunity, Shift, ShiftStatus, Signup, Volunteer
from models.volunteers import read_conversation, write_conversation

EDIT_FLOW = "edit_shift"
LIST_LIMIT = 15
MAX_PAGE = 10_000


def shift_problem_text(t: Translator, problem: ShiftProblem) -> str:
    texts = {
        ShiftProblem.FORMAT: t.gettext("Please write the shift like this: 2026-12-05 16:00-20:00 25 (date, start-end, number of seats)."),
        ShiftProblem.NO_SUCH_DATE: t.gettext("That date or time does not exist. Please check the day, month and hours."),
        ShiftProblem.PAST: t.gettext("That time has already passed. Please choose a time in the future."),
        ShiftProblem.END_BEFORE_START: t.gettext("The start and end times are the same. An end time earlier than the start means the next day (an overnight shift)."),
        ShiftProblem.CAPACITY: t.gettext("The number of seats must be at least 1 (and at most 10,000)."),
        ShiftProblem.BELOW_TAKEN: t.gettext("More volunteers already hold a seat than that. Please keep at least as many seats as are taken."),
        ShiftProblem.SERIES_LENGTH: t.gettext("A weekly series runs for 1 to {n} weeks, like: 2026-12-04 16:00-19:00 25 weekly 8").format(n=t.number(MAX_SERIES_WEEKS)),
    }
    return texts[problem]


def checkin_link(bot_username: str, code: ShownCode) -> str:
    return f"https://t.me/{bot_username}?start={CODE_PREFIX}{code.link_code}"


def checkin_code_photo(t: Translator, bot_username: str, shift: Shift, opportunity: Opportunity, code: ShownCode) -> tuple[bytes, str, InlineKeyboardMarkup]:
    """The QR code of the check-in link that is valid now, its caption and 🔄 for the next one."""
    link = checkin_link(bot_username, code)
    caption = "\n".join([
        t.gettext("🔳 Check-in code for <b>{title}</b>").format(title=esc(opportunity_title(opportunity, t.language))),
        t.span(shift.starts_at, shift.ends_at),
        "",
        t.gettext("Volunteers scan it at the site. A volunteer whose camera cannot scan types this code after /checkin: <b>{digits}</b>").format(
            digits=f"{code.digits[:3]} {code.digits[3:]}"
        ),
        t.gettext("The code changes at {time} (a photo of it stops working within minutes): tap 🔄 New code then.").format(time=t.time(code.renews_at)),
        link,
    ])
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("🔄 New code"), callback_data=cd.ShiftAction("qrn", shift.id or 0).data)]])
    return qr_png(link), caption, markup


def qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


async def _shift_page(
    context: BotContext, session: AsyncSession, actor: Actor, t: Translator, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of running and upcoming shifts (soonest first), with buttons to the others."""
    found = await running_and_upcoming_shifts(session, actor=actor, now=context.now(), page=page, page_size=LIST_LIMIT)
    if not found.rows:
        return t.gettext("No running or upcoming shifts in your centers."), None
    buttons = [
        [InlineKeyboardButton(f"{opportunity_title(o, t.language)[:30]} · {t.time(s.starts_at)} {t.local(s.starts_at):%d/%m}",
                              callback_data=cd.ShiftAction("card", s.id or 0).data)]
        for s, o in found.rows
    ]
    paging = []
    if page > 0:
        paging.append(InlineKeyboardButton(t.gettext("« Previous"), callback_data=cd.ShiftList(page - 1).data))
    if found.has_next:
        paging.append(InlineKeyboardButton(t.gettext("Next »"), callback_data=cd.ShiftList(page + 1).data))
    if paging:
        buttons.append(paging)
    text = t.gettext("Running and upcoming shifts. Tap one:")
    if page > 0 or found.has_next:
        text += "\n" + t.gettext("Page {page}").format(page=t.number(page + 1))
    return text, InlineKeyboardMarkup(buttons)


async def list_shifts(update: Update, context: BotContext) -> None:
    """/shifts: running and upcoming shifts of the coordinator's centers."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="shift.list")
        if actor is None:
            return
        text, markup = await _shift_page(context, session, actor, t, 0)
    await reply(update, text, markup)


async def shift_page_button(update: Update, context: BotContext) -> None:
    """« Previous / Next » under the list of shifts."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.ShiftList, action="shift.list")
    if parsed is None:
        return
    page = parsed.page
    if page > MAX_PAGE:
        await refuse_forged(update, context, action="shift.list")
        return
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="shift.list")
        if actor is None:
            return
        text, markup = await _shift_page(context, session, actor, t, page)
    await query.answer()
    await show(query, text, markup)


def shift_card(t: Translator, shift: Shift, opportunity: Opportunity) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n".join([
        f"<b>{esc(opportunity_title(opportunity, t.language))}</b>",
        t.span(shift.starts_at, shift.ends_at),
        t.gettext("Seats taken: {taken} of {capacity}").format(taken=t.number(shift.seats_taken), capacity=t.number(shift.capacity)),
    ])
    if shift.status == ShiftStatus.CANCELLED:
        return text + "\n" + t.gettext("❌ This shift is cancelled."), InlineKeyboardMarkup([])
    sid = shift.id or 0
    return text, InlineKeyboardMarkup([
        [InlineKeyboardButton(t.gettext("🔳 Check-in QR code"), callback_data=cd.ShiftAction("qr", sid).data),
         InlineKeyboardButton(t.gettext("🧍 Who is here"), callback_data=cd.ShiftAction("who", sid).data)],
        [InlineKeyboardButton(t.gettext("✏️ Change time or seats"), callback_data=cd.ShiftAction("edit", sid).data),
         InlineKeyboardButton(t.gettext("❌ Cancel the shift"), callback_data=cd.ShiftAction("cx", sid).data)],
    ])


def render_roster(t: Translator, roster: Roster, *, check_in_open: bool = False) -> tuple[str, InlineKeyboardMarkup | None]:
    def names(people: list) -> str:  # type: ignore[type-arg]
        # ✅: a seat holder who said "I'll be there" under a reminder (rows of those here or gone
        # are attendance records: they came, so there is nothing to mark).
        def name(volunteer: Volunteer, row: Signup | Attendance) -> str:
            said_yes = isinstance(row, Signup) and row.confirmed_at is not None
            return esc(volunteer.display_name or "—") + (" ✅" if said_yes else "")
        return ("، " if t.rtl else ", ").join(name(v, row) for v, row in people)

    lines = [f"<b>{esc(opportunity_title(roster.opportunity, t.language))}</b>", t.span(roster.shift.starts_at, roster.shift.ends_at), ""]
    groups = [
        (t.gettext("🟢 Checked in now ({n})"), roster.here),
        (t.gettext("🏁 Checked out ({n})"), roster.left),
        (t.gettext("⏰ Late ({n})"), roster.late),
        (t.gettext("❓ Missing ({n})"), roster.missing),
        (t.gettext("🕒 Expected ({n})"), roster.expected),
        (t.gettext("🚫 No-shows ({n})"), roster.no_shows),
    ]
    for title, people in groups:
        if people:
            lines.append(title.format(n=t.number(len(people))) + "\n" + names(people))
    if roster.offered:  # seats held for the next in line until they answer
        held = [t.gettext("{name} (until {deadline})").format(name=esc(v.display_name or "—"), deadline=t.time(s.offer_expires_at))
                for v, s in roster.offered if s.offer_expires_at is not None]
        lines.append(t.gettext("🎟 Seat offered, waiting for an answer ({n})").format(n=t.number(len(held))) + "\n"
                     + ("، " if t.rtl else ", ").join(held))
    if len(lines) == 3:
        lines.append(t.gettext("Nobody holds a seat on this shift."))
    elif any(s.confirmed_at for _, s in roster.expected + roster.late + roster.missing + roster.no_shows):
        lines.append(t.gettext("✅ said “I'll be there” in reply to a reminder."))
    return "\n".join(lines), with_phones_button(t, roster, roster_markup(t, roster, check_in_open=check_in_open))


def check_in_is_open(context: BotContext, shift: Shift) -> bool:
    return context.now() >= shift.starts_at - timedelta(minutes=context.settings.checkin_early_minutes)


async def _shift_for(update: Update, context: BotContext, session: AsyncSession, *, action: str, shift_id: int) -> tuple[Actor | None, Translator]:
    center_id = await center_of_shift(session, shift_id)
    return await require_staff(
        update, context, session, action=action, center_id=center_id, missing_target=center_id is None, target=f"shift:{shift_id}"
    )


async def shift_button(update: Update, context: BotContext) -> None:
    """The buttons of a shift card."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.ShiftAction, action="shift.button")
    if parsed is None:
        return
    action, shift_id = parsed.action, parsed.shift_id
    async with context.transaction() as session:
        actor, t = await _shift_for(update, context, session, action=f"shift.{action}", shift_id=shift_id)
        if actor is None:
            return
        found = await shift_with_opportunity(session, shift_id=shift_id)
        assert found is not None
        shift, opportunity = found
        if action in ("edit", "cx", "cxy") and (shift.status == ShiftStatus.CANCELLED or shift.ends_at <= context.now()):
            await query.answer(t.gettext("This shift is over or cancelled; it can no longer be changed."), show_alert=True)
            return
        if action == "cxy":
            cancelled = await cancel_shift(session, shift_id=shift_id, actor_telegram_id=actor.telegram_id, now=context.now())
            told = cancelled.told if cancelled is not None else 0
        if action == "edit":
            write_conversation(actor.volunteer, {"flow": EDIT_FLOW, "shift_id": shift_id})
        roster = await shift_roster(session, shift_id=shift_id, now=context.now()) if action == "who" else None
    await query.answer()
    if action == "card":
        await show(query, *shift_card(t, shift, opportunity))
    elif action in ("qr", "qrn"):
        png, caption, markup = checkin_code_photo(t, context.bot.username, shift, opportunity, shown_code(shift, context.now()))
        chat = update.effective_chat
        assert chat is not None
        await chat.send_photo(InputFile(png, filename="checkin.png"), caption=caption, parse_mode="HTML", reply_markup=markup)
        if action == "qrn":
            try:  # the old code goes, so only the one that works is on the screen
                await query.delete_message()
            except TelegramError:
                pass  # too old to delete (48 hours) or already gone: it has expired anyway
    elif action == "who":
        assert roster is not None
        await reply(update, *render_roster(t, roster, check_in_open=check_in_is_open(context, shift)))
    elif action == "edit":
        await reply(update, t.gettext("Send the new date, times and number of seats, like: 2026-12-05 16:00-20:00 25") + "\n"
                    + t.gettext("To repeat it every week, add the number of weeks: 2026-12-04 16:00-19:00 25 weekly 8"))
    elif action == "cx":
        await show(query, shift_card(t, shift, opportunity)[0] + "\n\n" + t.gettext("Cancel this shift? Its volunteers will be told."),
                   InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("❌ Yes, cancel the shift"), callback_data=cd.ShiftAction("cxy", shift_id).data),
                                          InlineKeyboardButton(t.gettext("Keep it"), callback_data=cd.ShiftAction("card", shift_id).data)]]))
    else:
        await show(query, shift_card(t, shift, opportunity)[0] + "\n\n" + t.ngettext(
            "❌ The shift is cancelled. {n} volunteer will be told.", "❌ The shift is cancelled. {n} volunteers will be told.", told
        ).format(n=t.number(told)))


async def edit_shift_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Text flow: the shift's new date, times and seats."""
    message = update.effective_message
    assert message is not None
    shift_id = int(read_conversation(volunteer).get("shift_id", 0))
    actor, t = await _shift_for(update, context, session, action="shift.change", shift_id=shift_id)
    if actor is None:
        write_conversation(volunteer, None)
        return
    try:
        series = parse_shift_series(message.text or "", zone=context.settings.zone, now=context.now())
        async with session.begin_nested():  # the change and its weekly copies: all or nothing
            change = await change_shift(session, shift_id=shift_id, spec=series[0], actor_telegram_id=actor.telegram_id, now=context.now(),
                                        offers=context.settings.offer_rules)
            added = await repeat_shift_weekly(session, shift=change.shift, specs=series[1:], actor_telegram_id=actor.telegram_id, now=context.now())
    except ShiftSpecError as error:
        await reply(update, shift_problem_text(t, error.problem))
        return
    told = change.told
    write_conversation(volunteer, None)
    found = await shift_with_opportunity(session, shift_id=shift_id)
    assert found is not None
    text, markup = shift_card(t, *found)
    done = t.ngettext("✅ Shift changed. {n} volunteer will be told.", "✅ Shift changed. {n} volunteers will be told.", told).format(n=t.number(told))
    if added:
        done += "\n" + t.ngettext("🔁 {n} more weekly shift was added.", "🔁 {n} more weekly shifts were added.", len(added)).format(n=t.number(len(added)))
    await reply(update, done + "\n\n" + text, markup)
