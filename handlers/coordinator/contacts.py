"""📱 Phones under a shift's roster: a volunteer's phone for admins and their own center's
coordinators only (models.contact_visibility); every look is audited."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import callback_data as cd
from handlers.common import esc, opportunity_title, reply
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, require_staff
from infra.i18n import Translator
from models.attendance_review import Roster, shift_roster
from models.contact_visibility import audit_contact_view, visible_phones
from models.coordination import center_of_shift
from models.tables import Volunteer


def roster_people(roster: Roster) -> list[Volunteer]:
    """Everyone on the roster once, in the order the roster lists them."""
    seen: dict[int | None, Volunteer] = {}
    for group in (roster.here, roster.left, roster.late, roster.missing, roster.expected, roster.no_shows, roster.offered):
        for volunteer, _ in group:
            seen.setdefault(volunteer.id, volunteer)
    return list(seen.values())


def with_phones_button(t: Translator, roster: Roster, markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The roster's buttons and, when anyone is on it, 📱 Phones."""
    if not roster_people(roster):
        return markup
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    rows.append([InlineKeyboardButton(t.gettext("📱 Phones"), callback_data=cd.RosterPhones(roster.shift.id or 0).data)])
    return InlineKeyboardMarkup(rows)


def render_phones(t: Translator, roster: Roster, phones: dict[int, str]) -> str:
    lines = [t.gettext("📱 <b>Phones: {title}</b>").format(title=esc(opportunity_title(roster.opportunity, t.language))), ""]
    hidden = False
    for volunteer in roster_people(roster):
        name = esc(volunteer.display_name or "—")
        if volunteer.id in phones:
            lines.append(f"{name}: <code>{esc(phones[volunteer.id or 0])}</code>")
        elif volunteer.phone:
            lines.append(name + " — " + t.gettext("another center's volunteer"))
            hidden = True
        else:
            lines.append(name + " — " + t.gettext("no phone shared"))
    if hidden:
        lines += ["", t.gettext("Phone numbers are shown only to the coordinators of the volunteer's own center and to the program's admins.")]
    return "\n".join(lines)


async def roster_phones_button(update: Update, context: BotContext) -> None:
    """📱 Phones: the roster's phone numbers this coordinator may see; the look is audited."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.RosterPhones, action="roster.phones")
    if parsed is None:
        return
    async with context.transaction() as session:
        center_id = await center_of_shift(session, parsed.shift_id)
        actor, t = await require_staff(update, context, session, action="roster.phones", center_id=center_id,
                                       missing_target=center_id is None, target=f"shift:{parsed.shift_id}")
        if actor is None:
            return
        roster = await shift_roster(session, shift_id=parsed.shift_id, now=context.now())
        assert roster is not None
        people = roster_people(roster)
        phones = visible_phones(actor, people)
        await audit_contact_view(session, actor=actor, action="roster.phones", target=f"shift:{parsed.shift_id}",
                                 shown=len(phones), hidden=sum(1 for v in people if v.phone) - len(phones), now=context.now())
    await query.answer()
    await reply(update, render_phones(t, roster, phones))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The 📱 Phones button (before the coordinator's catch-all for stale buttons)."""
    app.add_handler(CallbackQueryHandler(roster_phones_button, pattern=cd.RosterPhones.pattern))
