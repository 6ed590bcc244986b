"""/records: find any volunteer's records (by name, Telegram id or phone in any form) and correct
any of them with a reason, check them out, or record a missed seat as present."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.common import center_name, esc, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, require_staff
from handlers.coordinator.attendance import parse_amount, review_problem_text, staff_for_attendance
from infra.i18n import Translator
from models.attendance_review import ReviewError, adjust_credited_minutes
from models.contact_visibility import audit_contact_view, sees_contact
from models.coordination import Actor
from models.corrections import Fix, FixOutcome, correct_times, parse_times, shift_day
from models.lookup import (
    PAGE_SIZE,
    OpenSeat,
    RecordLine,
    find_volunteers,
    relating_center,
    volunteer_records,
)
from models.tables import SignupStatus, Volunteer
from models.volunteers import get_volunteer_by_id, read_conversation, write_conversation

CORRECT_FLOW = "correct_record"


def fix_problem_text(t: Translator, fix: Fix) -> str:
    texts = {
        FixOutcome.NOT_HOLDER: t.gettext("This seat is no longer theirs (cancelled or on the waitlist), so there is nothing to record."),
        FixOutcome.CANCELLED: t.gettext("This shift is cancelled."),
        FixOutcome.TOO_EARLY: t.gettext("It is too early to check in to this shift. Check-in opens at {time}."),
        FixOutcome.ENDED: t.gettext("This shift is over. Use ✅ Present and send the times they were there."),
        FixOutcome.ALREADY_IN: t.gettext("This volunteer is already checked in to this shift (see their records to correct the times)."),
        FixOutcome.NOT_IN: t.gettext("This volunteer is not checked in (any more), so there is nothing to check out of."),
        FixOutcome.BAD_TIMES: t.gettext("These times do not fit: the leaving time must come after the arrival, within a day, and the arrival before the shift's end."),
        FixOutcome.FUTURE: t.gettext("These times have not come yet. Please send times that have passed."),
        FixOutcome.NO_SHIFT: t.gettext("This record has no shift, so it has no times: send the minutes to credit and the reason."),
        FixOutcome.REASON: t.gettext("Please add a short reason (at least 3 characters) after the times."),
    }
    return texts[fix.outcome].format(time=t.time(fix.opens_at) if fix.opens_at else "")


def _scope(actor: Actor) -> frozenset[int] | None:
    return None if actor.is_admin else actor.center_ids


def _record_line(t: Translator, n: int, line: RecordLine) -> str:
    a = line.attendance
    if line.shift is None:
        place = (opportunity_title(line.opportunity, t.language) if line.opportunity is not None
                 else center_name(line.center, t.language) if line.center is not None else "—")
        note = f" · {esc(line.note)}" if line.note else ""
        return (f"{n}. 📝 " + t.gettext("Off-system: {place}").format(place=esc(place)) + f" · {t.day(a.checked_in_at)} · "
                + t.duration(a.credited_minutes) + note)
    title = esc(opportunity_title(line.opportunity, t.language)) if line.opportunity is not None else "—"
    if line.is_open:
        return f"{n}. 🟢 {title} · " + t.gettext("checked in at {time}, still there").format(time=f"{t.day(a.checked_in_at)} {t.time(a.checked_in_at)}")
    flag = " · ⚠️ " + t.gettext("to review") if a.flagged else ""
    return f"{n}. {title} · {t.span(a.checked_in_at, a.checked_out_at or a.checked_in_at)} · {t.duration(a.credited_minutes)}{flag}"


def _seat_line(t: Translator, n: int, seat: OpenSeat) -> str:
    state = t.gettext("marked as a no-show") if seat.signup.status == SignupStatus.NO_SHOW else t.gettext("no check-in")
    return f"{n}. {esc(opportunity_title(seat.opportunity, t.language))} · {t.span(seat.shift.starts_at, seat.shift.ends_at)} · {state}"


async def records_view(
    context: BotContext, session: AsyncSession, actor: Actor, t: Translator, volunteer: Volunteer, *, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A volunteer's card, one page of their records (newest first) and their seats without a
    check-in, each with the buttons that fix it."""
    now = context.now()
    found = await volunteer_records(session, volunteer=volunteer, center_ids=_scope(actor), now=now, page=page,
                                    early_minutes=context.settings.checkin_early_minutes)
    head = f"🗂 <b>{esc(volunteer.display_name or '—')}</b>"
    if found.center is not None:
        head += f" · {esc(center_name(found.center, t.language))}"
    ids = t.gettext("Telegram id: {id}").format(id=f"<code>{volunteer.telegram_id}</code>")
    # The phone and the emergency contact only for admins and their own center's coordinators;
    # every card shown is audited.
    sees = sees_contact(actor, volunteer)
    shown = bool(volunteer.phone) and sees
    if shown:
        ids += f" · 📱 <code>{esc(volunteer.phone)}</code>"
    if sees and volunteer.emergency_phone:
        ids += "\n" + t.gettext("🆘 Emergency contact: {name}, {phone}").format(
            name=esc(volunteer.emergency_name or "—"), phone=f"<code>{esc(volunteer.emergency_phone)}</code>")
    await audit_contact_view(session, actor=actor, action="records.view", target=f"volunteer:{volunteer.telegram_id}",
                             shown=int(shown), hidden=int(bool(volunteer.phone) and not shown), now=now)
    total = t.ngettext("{duration} credited, in {n} record", "{duration} credited, in {n} records", found.record_count).format(
        duration=t.duration(found.total_minutes), n=t.number(found.record_count))
    if not actor.is_admin:
        total += " " + t.gettext("(in your centers)")
    lines, rows = [head, ids, total, ""], []
    if not found.records:
        lines.append(t.gettext("No attendance records yet."))
    start = page * PAGE_SIZE + 1
    for n, line in enumerate(found.records, start=start):
        lines.append(_record_line(t, n, line))
        aid = line.attendance.id or 0
        row = [InlineKeyboardButton(t.gettext("✏️ Correct #{n}").format(n=n), callback_data=cd.CorrectRecord(aid).data)]
        if line.is_open and line.shift is not None:
            row.append(InlineKeyboardButton(t.gettext("🏁 Check out #{n}").format(n=n), callback_data=cd.CheckOutFor(aid, "person").data))
        rows.append(row)
    paging = []
    if page > 0:
        paging.append(InlineKeyboardButton(t.gettext("« Newer"), callback_data=cd.VolunteerRecords(volunteer.id or 0, page - 1).data))
    if found.has_next:
        paging.append(InlineKeyboardButton(t.gettext("Older »"), callback_data=cd.VolunteerRecords(volunteer.id or 0, page + 1).data))
    if paging:
        rows.append(paging)
    if found.seats and page == 0:
        lines += ["", t.gettext("<b>Seats without a check-in</b>")]
        for n, seat in enumerate(found.seats, start=start + len(found.records)):
            lines.append(_seat_line(t, n, seat))
            sid, row = seat.signup.id or 0, []
            if now < seat.shift.ends_at:
                row.append(InlineKeyboardButton(t.gettext("🟢 Check in #{n}").format(n=n), callback_data=cd.CheckInFor(sid, "person").data))
            row.append(InlineKeyboardButton(t.gettext("✅ Present #{n}").format(n=n), callback_data=cd.MarkPresent(sid, "person").data))
            rows.append(row)
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


async def find_records_command(update: Update, context: BotContext) -> None:
    """/records <name, Telegram id or phone>: the volunteer's records, or the matches to choose from."""
    text = " ".join(context.args or [])
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="records.find")
        if actor is None:
            return
        if not text.strip():
            await reply(update, esc(t.gettext("Usage: /records <name, Telegram id or phone>\nExamples: /records 0501234567 · /records Sara")))
            return
        matches = await find_volunteers(session, text=text, center_ids=_scope(actor))
        if len(matches.volunteers) == 1:
            view = await records_view(context, session, actor, t, matches.volunteers[0], page=0)
            await reply(update, *view)
            return
    if not matches.volunteers:
        await reply(update, t.gettext("No volunteer in your centers matches “{query}”. Try a phone number (05…), a Telegram id or a part of the name.").format(
            query=esc(text)))
        return
    lines = [t.ngettext("{n} volunteer matches “{query}”. Choose one:", "{n} volunteers match “{query}”. Choose one:",
                        len(matches.volunteers)).format(n=t.number(len(matches.volunteers)), query=esc(text))]
    if matches.more:
        lines.append(t.gettext("Only the first ones are shown: add more of the name, or use the phone number."))
    buttons = [[InlineKeyboardButton(f"{(v.display_name or '—')[:30]} · {v.telegram_id}", callback_data=cd.VolunteerRecords(v.id or 0, 0).data)]
               for v in matches.volunteers]
    await reply(update, "\n".join(lines), InlineKeyboardMarkup(buttons))


async def _staff_for_volunteer(
    update: Update, context: BotContext, session: AsyncSession, volunteer_id: int, *, action: str
) -> tuple[Actor | None, Translator, Volunteer | None]:
    """The staff member who may see this volunteer, with the volunteer; actor None after a refusal."""
    actor, t = await require_staff(update, context, session, action=action)
    if actor is None:
        return None, t, None
    volunteer = await get_volunteer_by_id(session, volunteer_id=volunteer_id)
    center_id = await relating_center(session, volunteer=volunteer, center_ids=actor.center_ids) if volunteer is not None else None
    allowed, t = await require_staff(update, context, session, action=action, center_id=center_id,
                                     missing_target=volunteer is None, target=f"volunteer:{volunteer_id}")
    return allowed, t, volunteer


async def records_page_button(update: Update, context: BotContext) -> None:
    """A match chosen from the list, or « Newer / Older » under the records."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.VolunteerRecords, action="records.find")
    if parsed is None:
        return
    async with context.transaction() as session:
        actor, t, volunteer = await _staff_for_volunteer(update, context, session, parsed.volunteer_id, action="records.find")
        if actor is None or volunteer is None:
            return
        view = await records_view(context, session, actor, t, volunteer, page=min(parsed.page, 10_000))
    await query.answer()
    await show(query, *view)


async def correct_record_button(update: Update, context: BotContext) -> None:
    """✏️ Correct: ask for the right times (or minutes) and the reason."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.CorrectRecord, action="attendance.correct")
    if parsed is None:
        return
    async with context.transaction() as session:
        actor, t = await staff_for_attendance(update, context, session, parsed.attendance_id, action="attendance.correct")
        if actor is None:
            return
        write_conversation(actor.volunteer, {"flow": CORRECT_FLOW, "attendance_id": parsed.attendance_id})
    await query.answer()
    await reply(update, t.gettext(
        "What should this record say, and why? Send the times and the reason, like:\n16:05-19:30 arrived before checking in\n"
        "or the minutes to credit and the reason, like:\n180 left at the end of the shift"))


async def correct_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Text flow: `<from>-<to> <reason>` or `<minutes> <reason>` for the record being corrected."""
    message = update.effective_message
    assert message is not None
    attendance_id = int(read_conversation(volunteer).get("attendance_id", 0))
    actor, t = await staff_for_attendance(update, context, session, attendance_id, action="attendance.correct")
    if actor is None:
        write_conversation(volunteer, None)
        return
    zone, now, text = context.settings.zone, context.now(), message.text or ""
    day = await shift_day(session, zone=zone, attendance_id=attendance_id)
    times = parse_times(text, day=day, zone=zone) if day is not None else None
    if times is not None:
        if times.checked_out_at is None:
            await reply(update, t.gettext("Please send both times, like 16:05-19:30, then the reason."))
            return
        fix = await correct_times(session, attendance_id=attendance_id, checked_in_at=times.checked_in_at, checked_out_at=times.checked_out_at,
                                  reason=times.rest, actor_telegram_id=actor.telegram_id, now=now,
                                  grace_minutes=context.settings.checkout_grace_minutes)
        if fix.outcome != FixOutcome.DONE:
            await reply(update, fix_problem_text(t, fix))
            return
        assert fix.attendance is not None and fix.attendance.checked_out_at is not None
        write_conversation(volunteer, None)
        await reply(update, t.gettext("✅ Saved: {span}, the record now credits {duration}. The volunteer will be told, with the reason.").format(
            span=t.span(fix.attendance.checked_in_at, fix.attendance.checked_out_at), duration=t.duration(fix.attendance.credited_minutes)))
        return
    amount = parse_amount(text, hours_default=False)
    if amount is None:
        await reply(update, t.gettext("Please send the times (16:05-19:30) or the minutes (180), then the reason."))
        return
    try:
        async with session.begin_nested():
            record = await adjust_credited_minutes(session, attendance_id=attendance_id, minutes=amount[0], reason=amount[1],
                                                   actor_telegram_id=actor.telegram_id, now=now)
    except ReviewError as error:
        await reply(update, review_problem_text(t, error.problem))
        return
    write_conversation(volunteer, None)
    await reply(update, t.gettext("✅ Saved: the record now credits {time}. The change and its reason are in the audit log.").format(
        time=t.duration(record.credited_minutes)))
