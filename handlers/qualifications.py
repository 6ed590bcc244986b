"""/qualifications: what a volunteer holds and until when; and how a sign-up refused for a missing
qualification points to the course that grants it."""

from __future__ import annotations

from datetime import datetime

from hijridate import Gregorian
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import esc, localized, opportunity_title, reply
from handlers.context import BotContext
from handlers.gate import require_registration
from infra.i18n import Translator
from models.qualification_setup import OpportunityQualifications
from models.qualifications import HeldQualification, MissingQualification, qualifications_of
from models.tables import Qualification


def qualification_name(t: Translator, qualification: Qualification) -> str:
    return esc(localized(qualification, "name", t.language))


def official_day(t: Translator, moment: datetime) -> str:
    """The Gregorian date with the Umm al-Qura Hijri date beside it, in both languages (a
    qualification's expiry is an official date; t.day adds the Hijri date in Arabic only)."""
    if t.language == "ar":
        return t.day(moment)
    local = t.local(moment).date()
    try:
        hijri = Gregorian(local.year, local.month, local.day).to_hijri()
    except (OverflowError, ValueError):  # outside the Umm al-Qura table
        return t.day(moment)
    return f"{t.day(moment)} ({hijri.day} {hijri.month_name('en')} {hijri.year} AH)"


def qualification_notes(t: Translator, links: OpportunityQualifications) -> tuple[str, ...]:
    """The lines of an opportunity's detail about qualifications: what it requires, what it grants."""
    notes = []
    if links.requires:
        names = ("، " if t.rtl else ", ").join(qualification_name(t, q) for q in links.requires)
        notes.append(t.gettext("🎓 Requires: {names}").format(names=names))
    if links.grants is not None:
        notes.append(t.gettext("🎓 Attending grants the qualification: {name}").format(name=qualification_name(t, links.grants)))
    return tuple(notes)


def validity_text(t: Translator, held: HeldQualification, now: datetime) -> str:
    expires_at = held.grant.expires_at
    if expires_at is None:
        return t.gettext("valid with no end date")
    if expires_at < now:
        return t.gettext("expired on {day}").format(day=official_day(t, expires_at))
    return t.gettext("valid until {day}").format(day=official_day(t, expires_at))


def render_qualifications(t: Translator, held: list[HeldQualification], now: datetime) -> tuple[str, InlineKeyboardMarkup | None]:
    """Each qualification with its expiry; under an expired one, a button to a course renewing it."""
    lines, rows = [t.gettext("<b>🎓 Your qualifications</b>")], []
    if not held:
        lines.append(t.gettext("You hold no qualification yet. Training courses (🔎 Opportunities, category Training) grant them."))
    for entry in held:
        mark = "⚠️" if entry.grant.expires_at is not None and entry.grant.expires_at < now else "✅"
        lines.append(f"{mark} <b>{qualification_name(t, entry.qualification)}</b>: {validity_text(t, entry, now)}")
        if entry.next_session is not None and entry.course is not None:
            rows.append([InlineKeyboardButton(
                t.gettext("🎓 Renew {name}: {day}").format(name=localized(entry.qualification, "name", t.language),
                                                          day=t.day(entry.next_session.starts_at)),
                callback_data=cd.SignUp(entry.next_session.id or 0).data)])
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


def render_missing(t: Translator, missing: list[MissingQualification]) -> tuple[str, InlineKeyboardMarkup | None]:
    """Why a sign-up was refused: each missing qualification, and a button to the next session of
    a course that grants it."""
    lines = [t.gettext("Sorry, this opportunity requires a qualification you do not hold yet:")]
    rows = []
    for item in missing:
        name = qualification_name(t, item.qualification)
        if item.expires_at is not None:
            lines.append("• " + t.gettext("<b>{name}</b>: yours expires on {day}, before this shift ends.").format(
                name=name, day=official_day(t, item.expires_at)))
        else:
            lines.append(f"• <b>{name}</b>")
        if item.next_session is not None and item.course is not None:
            course = esc(opportunity_title(item.course, t.language))
            when = t.span(item.next_session.starts_at, item.next_session.ends_at)
            lines.append("  " + t.gettext("Take the course <b>{course}</b>: next session {when}.").format(course=course, when=when))
            rows.append([InlineKeyboardButton(t.gettext("🎓 Sign up for the course: {day}").format(day=t.day(item.next_session.starts_at)),
                                              callback_data=cd.SignUp(item.next_session.id or 0).data)])
        else:
            lines.append("  " + t.gettext("No course session is scheduled yet; ask your center's coordinator."))
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


async def show_qualifications(update: Update, context: BotContext) -> None:
    """/qualifications: the volunteer's qualifications and their expiry."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        assert volunteer.id is not None
        held = await qualifications_of(session, volunteer_id=volunteer.id, now=context.now())
    t = context.translator(volunteer.language)
    await reply(update, *render_qualifications(t, held, context.now()))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The volunteer's /qualifications, and the coordinators' commands that define and grant them."""
    # Local: the coordinator side imports this module's texts.
    from handlers.coordinator import qualifications as staff

    commands = {
        "qualifications": show_qualifications,
        "newqual": staff.new_qualification_command,
        "oppqual": staff.link_opportunity_command,
        "grantqual": staff.grant_qualification_command,
        "revokequal": staff.revoke_qualification_command,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=filters.ChatType.PRIVATE))
