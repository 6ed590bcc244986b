"""/certificate and /letter: a PDF a volunteer can show; `/start v-<code>` and /verify check one.

The volunteer picks what the document covers (this year, last year, all time, one opportunity)
and its language; the row is issued at once (or "no confirmed hours" said), then the PDF is drawn
off the update loop and delivered through the outbox as a document. Anyone holding the document,
registered or not, can open its QR code's link to see whether it is genuine.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import esc, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, require_staff
from handlers.gate import require_registration
from infra.certificates_pdf import content_of, draw_off_loop, issue_date, period_text
from infra.database import transaction
from infra.i18n import Translator
from infra.services import Services
from models.certificates import (
    LINK_PREFIX,
    DocumentKind,
    IssueOutcome,
    RevokeOutcome,
    Scope,
    Verdict,
    Verification,
    deliver_certificate,
    issue_certificate,
    opportunities_with_hours,
    revoke_certificate,
    verification_link,
    verify_code,
    verify_serial,
)
from models.tables import IssuedCertificate
from models.volunteers import get_volunteer, is_registered

DOCUMENTS = {"c": DocumentKind.CERTIFICATE, "l": DocumentKind.LETTER}
PAGE_SIZE = 6


# -- choosing -------------------------------------------------------------------------------------
def menu(t: Translator, year: int) -> tuple[str, InlineKeyboardMarkup]:
    text = t.gettext(
        "🎓 <b>Your volunteer certificate</b>\n\nChoose what it should cover. It states your confirmed hours "
        "(hours still waiting for a coordinator's review are not counted), and anyone can check it with its QR code."
    )
    rows = [
        [InlineKeyboardButton(t.gettext("This year ({year})").format(year=year), callback_data=cd.CertificateScope("c", f"y{year}").data),
         InlineKeyboardButton(t.gettext("Last year ({year})").format(year=year - 1), callback_data=cd.CertificateScope("c", f"y{year - 1}").data)],
        [InlineKeyboardButton(t.gettext("All time"), callback_data=cd.CertificateScope("c", "all").data),
         InlineKeyboardButton(t.gettext("One opportunity…"), callback_data=cd.CertificateOpportunities(0).data)],
        [InlineKeyboardButton(t.gettext("📄 Experience letter (for a job or university)"), callback_data=cd.CertificateScope("l", "all").data)],
    ]
    return text, InlineKeyboardMarkup(rows)


def language_question(t: Translator, document: str, scope: str) -> tuple[str, InlineKeyboardMarkup]:
    other = "en" if t.language == "ar" else "ar"
    names = {"ar": "العربية", "en": "English"}
    text = t.gettext("In which language?") if document == "c" else t.gettext("📄 Experience letter: in which language?")
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(names[t.language], callback_data=cd.CertificateIssue(document, scope, t.language).data),  # type: ignore[arg-type]
        InlineKeyboardButton(names[other], callback_data=cd.CertificateIssue(document, scope, other).data),  # type: ignore[arg-type]
        InlineKeyboardButton(t.gettext("Both"), callback_data=cd.CertificateIssue(document, scope, "both").data),
    ]])
    return text, markup


async def certificate_command(update: Update, context: BotContext) -> None:
    """/certificate: what should it cover?"""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
    if volunteer is None:
        return
    t = context.translator(volunteer.language)
    text, markup = menu(t, t.local(context.now()).year)
    await reply(update, text, markup)


async def letter_command(update: Update, context: BotContext) -> None:
    """/letter: the experience letter (all time); which language?"""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
    if volunteer is None:
        return
    text, markup = language_question(context.translator(volunteer.language), "l", "all")
    await reply(update, text, markup)


async def menu_button(update: Update, context: BotContext) -> None:
    """🎓 under a thank-you: the /certificate menu, as a new message."""
    query = update.callback_query
    assert query is not None
    if await parse_or_refuse(update, context, cd.CertificateMenu, action="certificate.choose") is None:
        return
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
    if volunteer is None:
        return
    await query.answer()
    t = context.translator(volunteer.language)
    text, markup = menu(t, t.local(context.now()).year)
    await reply(update, text, markup)


async def opportunities_button(update: Update, context: BotContext) -> None:
    """One opportunity…: the ones with confirmed hours, a page at a time."""
    query = update.callback_query
    assert query is not None
    choice = await parse_or_refuse(update, context, cd.CertificateOpportunities, action="certificate.choose")
    if choice is None:
        return
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        assert volunteer.id is not None
        lines = await opportunities_with_hours(session, volunteer_id=volunteer.id, zone=context.settings.zone, now=context.now())
    t = context.translator(volunteer.language)
    await query.answer()
    if not lines:
        await show(query, t.gettext("You have no confirmed hours in any opportunity yet, so there is no certificate to issue."))
        return
    page = min(choice.page, (len(lines) - 1) // PAGE_SIZE)
    shown = lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [[InlineKeyboardButton(
        f"{(line.title_ar if t.language == 'ar' else line.title_en) or line.title_en or line.title_ar} · {t.duration(line.minutes)}",
        callback_data=cd.CertificateScope("c", f"o{line.opportunity_id}").data,
    )] for line in shown]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(t.gettext("◀️ Previous"), callback_data=cd.CertificateOpportunities(page - 1).data))
    if (page + 1) * PAGE_SIZE < len(lines):
        nav.append(InlineKeyboardButton(t.gettext("Next ▶️"), callback_data=cd.CertificateOpportunities(page + 1).data))
    if nav:
        rows.append(nav)
    await show(query, t.gettext("Which opportunity should the certificate be for?"), InlineKeyboardMarkup(rows))


async def scope_button(update: Update, context: BotContext) -> None:
    """A period (or opportunity) was chosen: which language?"""
    query = update.callback_query
    assert query is not None
    choice = await parse_or_refuse(update, context, cd.CertificateScope, action="certificate.choose")
    if choice is None:
        return
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
    if volunteer is None:
        return
    t = context.translator(volunteer.language)
    if Scope.parse(choice.scope) is None:
        await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)
        return
    await query.answer()
    text, markup = language_question(t, choice.document, choice.scope)
    await show(query, text, markup)


async def issue_button(update: Update, context: BotContext) -> None:
    """The language was chosen: answer at once; issue, draw and send it in the background.

    Issuing reads the volunteer's records and writes a row: done here, a Volunteer Day rush of
    presses would hold SQLite's single writer ahead of every other volunteer's reply. The
    background runner issues two at a time, so other updates wait for two at most.
    """
    query = update.callback_query
    assert query is not None
    choice = await parse_or_refuse(update, context, cd.CertificateIssue, action="certificate.issue")
    if choice is None:
        return
    scope = Scope.parse(choice.scope)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
    if volunteer is None:
        return
    t = context.translator(volunteer.language)
    if scope is None:
        await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)
        return
    await query.answer()
    if choice.document == "l":
        waiting = t.gettext("⏳ Preparing your experience letter… It will arrive here in a moment.")
    else:
        waiting = t.gettext("⏳ Preparing your certificate… It will arrive here in a moment.")
    await show(query, waiting)
    user = update.effective_user
    request = Request(
        telegram_id=volunteer.telegram_id, document=DOCUMENTS[choice.document], scope=scope, language=choice.language,
        fallback_name=(user.full_name if user else "")[:64],
        message_id=query.message.message_id if query.message is not None else None,
    )
    start_building(context, request, t=t)


@dataclass(frozen=True)
class Request:
    """A document asked for, handed to the background job."""

    telegram_id: int
    document: DocumentKind
    scope: Scope
    language: str
    fallback_name: str  # Telegram's name, for a volunteer who never gave one
    message_id: int | None  # the "⏳ Preparing…" message, edited when there is nothing to issue


def no_hours_text(t: Translator, scope: Scope) -> str:
    if scope.year is not None:
        return t.gettext("You have no confirmed volunteer hours in {year}, so there is no certificate to issue for it.").format(year=scope.year)
    if scope.opportunity_id is not None:
        return t.gettext("You have no confirmed hours in this opportunity, so there is no certificate to issue for it.")
    return t.gettext(
        "You have no confirmed volunteer hours yet, so there is no certificate to issue. "
        "Hours count once you have checked out (and a coordinator has reviewed any flagged record)."
    )


def start_building(context: BotContext, request: Request, *, t: Translator) -> None:
    """Issue the document, draw its PDF off the update loop, keep it on its row and queue it."""
    services, bot, username = context.services, context.bot, context.bot.username

    async def issue_and_build() -> None:
        async with transaction(services.sessions, write_lock=services.write_lock) as session:
            volunteer = await get_volunteer(session, telegram_id=request.telegram_id)
            if volunteer is None:
                return
            if not volunteer.display_name and request.fallback_name:
                volunteer.display_name = request.fallback_name
            result = await issue_certificate(
                session, volunteer=volunteer, document=request.document, scope=request.scope,
                language=request.language, zone=services.settings.zone, now=services.clock(),
            )
        if result.outcome is IssueOutcome.NO_HOURS or result.certificate is None or result.certificate.id is None:
            text = no_hours_text(t, request.scope)
            if request.message_id is not None:
                await bot.edit_message_text(text, request.telegram_id, request.message_id)
            else:
                await bot.send_message(request.telegram_id, text)
            return
        await build_certificate(services, certificate_id=result.certificate.id, chat_id=request.telegram_id, bot_username=username)

    async def tell_failure() -> None:
        await bot.send_message(request.telegram_id, t.gettext("Sorry, your document could not be prepared. Please try again in a few minutes."))

    services.certificates.start(issue_and_build, on_error=tell_failure, name=f"certificate:{request.telegram_id}")


async def build_certificate(services: Services, *, certificate_id: int, chat_id: int, bot_username: str) -> None:
    """Read the issued row, draw its PDF (in the executor), store it and queue its delivery."""
    settings = services.settings
    async with services.report_sessions() as reader, reader.begin():
        certificate = await reader.get(IssuedCertificate, certificate_id)
        if certificate is None:
            return
        content = content_of(
            certificate, link=verification_link(bot_username, certificate.code),
            association={"ar": settings.association_name_ar, "en": settings.association_name_en},
            zone=settings.timezone,
        )
    pdf = await draw_off_loop(services.certificate_executor, content)
    async with transaction(services.sessions, write_lock=services.write_lock) as session:
        await deliver_certificate(session, certificate_id=certificate_id, pdf=pdf, chat_id=chat_id, now=services.clock())


# -- checking -------------------------------------------------------------------------------------
def render_verification(t: Translator, verification: Verification) -> str:
    """What anyone sees for a certificate: never a phone number or a Telegram id."""
    certificate, snapshot = verification.certificate, verification.snapshot
    if verification.verdict is Verdict.UNKNOWN or certificate is None or snapshot is None:
        return t.gettext(
            "❌ <b>Not a certificate of ours.</b>\n\nWe have issued no certificate with this code. It may have been "
            "mistyped or cut short; if it was printed on a document, that document is not genuine."
        )
    kind = t.gettext("Experience letter") if certificate.document == DocumentKind.LETTER else t.gettext("Certificate")
    serial_line = t.gettext("{kind} {serial} · version {version}").format(kind=kind, serial=certificate.serial, version=certificate.version)
    issued = t.gettext("Issued: {date}").format(date=issue_date(t, certificate.issued_at))
    if verification.verdict is Verdict.HOLDER_REMOVED:
        return "\n".join([
            t.gettext("ℹ️ <b>Issued, holder removed.</b>"), "",
            t.gettext("We issued this document, but its holder has since removed their data from the program, so we can no longer show what it states."),
            "", serial_line, issued,
        ])
    scope = Scope.parse(certificate.scope) or Scope.all_time()
    details = [
        t.gettext("Holder: {name}").format(name=esc(certificate.holder_name)),
        t.gettext("Confirmed hours: {hours} in {shifts}").format(
            hours=t.duration(certificate.minutes),
            shifts=t.ngettext("{n} shift", "{n} shifts", certificate.shifts).format(n=t.number(certificate.shifts)),
        ),
        t.gettext("Period: {period}").format(period=period_text(t, scope, snapshot)),
        issued,
        serial_line,
    ]
    headings = {
        Verdict.GENUINE: t.gettext("✅ <b>Genuine.</b> This document was issued by the program and matches its records."),
        Verdict.SUPERSEDED: t.gettext(
            "⚠️ <b>Superseded by a newer version.</b> This document was genuine, but a newer version of it has been "
            "issued since. Please ask its holder for the latest one."
        ),
        Verdict.CORRECTED: t.gettext(
            "⚠️ <b>Superseded: the hours were corrected after it was issued.</b> This document was genuine, but the "
            "records it counts have been corrected since, so it no longer matches them. Please ask its holder for a new one."
        ),
    }
    if verification.verdict is Verdict.REVOKED:
        assert certificate.revoked_at is not None
        heading = t.gettext("⛔ <b>Revoked.</b> This document was withdrawn on {date}. Reason: {reason}").format(
            date=issue_date(t, certificate.revoked_at), reason=esc(certificate.revoked_reason),
        )
    else:
        heading = headings[verification.verdict]
    return "\n".join([heading, "", *details])


async def verify_link(update: Update, context: BotContext, rest: str) -> None:
    """`/start v-<code>`: anyone (registered or not) sees whether the document is genuine."""
    user = update.effective_user
    assert user is not None
    async with context.transaction() as session:
        viewer = await get_volunteer(session, telegram_id=user.id)
        verification = await verify_code(session, code=rest.strip(), zone=context.settings.zone)
    stored = viewer.language if viewer is not None and is_registered(viewer) else None
    t = context.translator(context.services.catalogs.pick_language(stored, user.language_code))
    await reply(update, render_verification(t, verification))


async def verify_command(update: Update, context: BotContext) -> None:
    """/verify <serial> (coordinators): the same answer, by the serial printed on the document."""
    args = context.args or []
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="certificate.verify")
        if actor is None:
            return
        if len(args) != 1:
            await reply(update, t.gettext("Usage: /verify <serial number>\nExample: /verify C-2026-000042"))
            return
        verification = await verify_serial(session, serial=args[0], zone=context.settings.zone)
    text = render_verification(t, verification)
    if verification.certificate is not None and verification.verdict is not Verdict.REVOKED:
        text += "\n\n" + t.gettext("To withdraw it: /revokecert {serial} <reason>").format(serial=verification.certificate.serial)
    await reply(update, text)


async def revoke_command(update: Update, context: BotContext) -> None:
    """/revokecert <serial> <reason> (coordinators): withdraw a document, audited."""
    args = context.args or []
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="certificate.revoke")
        if actor is None:
            return
        if not args:
            await reply(update, t.gettext("Usage: /revokecert <serial number> <reason>\nExample: /revokecert C-2026-000042 hours entered by mistake"))
            return
        outcome, certificate = await revoke_certificate(
            session, serial=args[0], reason=" ".join(args[1:]), actor_telegram_id=actor.telegram_id, now=context.now(),
        )
    texts = {
        RevokeOutcome.REVOKED: t.gettext("⛔ {serial} is revoked. Anyone who checks it is told so, with your reason."),
        RevokeOutcome.ALREADY: t.gettext("{serial} was already revoked."),
        RevokeOutcome.UNKNOWN: t.gettext("There is no certificate with the serial number {serial}."),
        RevokeOutcome.NO_REASON: t.gettext("Please give a reason after the serial number: it is shown to whoever checks {serial}."),
    }
    serial = certificate.serial if certificate is not None else args[0]
    await reply(update, texts[outcome].format(serial=esc(serial)))


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.bot_data.deep_links[LINK_PREFIX] = verify_link
    app.add_handler(CommandHandler("certificate", certificate_command, filters=private))
    app.add_handler(CommandHandler("letter", letter_command, filters=private))
    app.add_handler(CommandHandler("verify", verify_command, filters=private))
    app.add_handler(CommandHandler("revokecert", revoke_command, filters=private))
    app.add_handler(CallbackQueryHandler(menu_button, pattern=cd.CertificateMenu.pattern))
    app.add_handler(CallbackQueryHandler(opportunities_button, pattern=cd.CertificateOpportunities.pattern))
    app.add_handler(CallbackQueryHandler(scope_button, pattern=cd.CertificateScope.pattern))
    app.add_handler(CallbackQueryHandler(issue_button, pattern=cd.CertificateIssue.pattern))

