"""/export (volunteers, attendance, hours), /exportopps and /importopps (the opportunities CSV), /audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Document, InputFile, Update

from handlers.common import esc, load_volunteer, reply
from handlers.context import BotContext
from handlers.coordinator.access import peek_conversation, require_staff
from infra.i18n import Translator
from models.audit import recent_actions, record_action
from models.coordination import Actor, center_by_code, load_actor, managed_centers
from models.exports import EXPORT_KINDS, FORMATS, PHONE_KINDS, build_export
from models.imports import export_csv, import_rows, within_managed_centers
from models.opportunity_csv import ImportErrors, ParsedRow, parse_csv
from models.tables import Volunteer
from models.volunteers import write_conversation

IMPORT_FLOW = "import_opportunities"
TOO_BIG = "too_big"
MAX_DAYS = 366
MAX_IMPORT_ERRORS = 15
# An opportunities file is a few hundred lines; these bounds keep a mistaken (or hostile) upload
# from tying up the bot: the size is checked before the download, the lines before the parse.
MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_LINES = 5_000


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


async def export_command(update: Update, context: BotContext) -> None:
    """/export <volunteers|attendance|hours> <csv|xlsx> <from> <to> [center code]."""
    args = context.args or []
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="export.data")
        if actor is None:
            return
        usage = esc(t.gettext("Usage: /export <volunteers|attendance|hours> <csv|xlsx> <from YYYY-MM-DD> <to YYYY-MM-DD> [center code]\nExample: /export hours xlsx 2026-01-01 2026-12-31 awali"))
        if len(args) not in (4, 5) or args[0] not in EXPORT_KINDS or args[1] not in FORMATS:
            await reply(update, usage)
            return
        first, last = _day(args[2]), _day(args[3])
        if first is None or last is None:
            await reply(update, t.gettext("That date does not exist. Please write dates as YYYY-MM-DD, for example 2026-02-28."))
            return
        if last < first:
            await reply(update, t.gettext("The end date must not be before the start date."))
            return
        if (last - first).days >= MAX_DAYS:
            await reply(update, t.gettext("Please choose a range of at most one year."))
            return
        center_id = await _scope_center(update, context, session, actor, args[4] if len(args) == 5 else None, t)
        if center_id == -1:
            return
        zone = context.settings.zone
        start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        await record_action(session, actor_telegram_id=actor.telegram_id, action="export.data", target=" ".join(args)[:128],
                            detail=f"{first}..{last}" + (" with phones" if args[0] in PHONE_KINDS else ""), now=context.now())
    # Built after the permission check has committed, off the update loop and in a read that holds
    # no write lock: a program-wide export takes seconds, and volunteers' updates must not wait.
    chat = update.effective_chat
    assert chat is not None
    kind, fmt = args[0], args[1]
    name = f"{kind}_{first}_{last}{'_' + args[4] if len(args) == 5 else ''}.{fmt}"
    await reply(update, t.gettext("⏳ Preparing {file}… It will arrive here in a moment.").format(file=esc(name)))

    async def build_and_send() -> None:
        async with context.services.report_sessions() as reader, reader.begin():
            data, count = await build_export(reader, kind=kind, fmt=fmt, start=start, end=end, zone=zone, center_id=center_id)
        await chat.send_document(InputFile(data, filename=name),
                                 caption=t.ngettext("{n} row", "{n} rows", count).format(n=t.number(count)))

    async def tell_failure() -> None:
        await chat.send_message(t.gettext("Sorry, {file} could not be prepared. Please try again in a few minutes.").format(file=name))

    context.services.reports.start(build_and_send, on_error=tell_failure, name=name)


async def _scope_center(
    update: Update, context: BotContext, session: AsyncSession, actor: Actor, code: str | None, t: Translator
) -> int | None:
    """The center asked for (checked), None for all of an admin's, or -1 after a refusal."""
    if code is None:
        if actor.is_admin:
            return None
        centers = await managed_centers(session, actor=actor)
        if len(centers) != 1:
            await reply(update, t.gettext("Please add the center code at the end. Your centers: {codes}").format(
                codes=esc(", ".join(c.code for c in centers))))
            return -1
        return centers[0].id
    center = await center_by_code(session, code=code)
    allowed, _ = await require_staff(update, context, session, action="export.data", center_id=center.id if center else None,
                                     missing_target=center is None, target=f"center:{code}"[:128])
    return center.id if allowed and center else -1


async def export_opportunities(update: Update, context: BotContext) -> None:
    """/exportopps [center code]: opportunities and shifts in the CSV import format."""
    args = context.args or []
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="opportunity.export")
        if actor is None:
            return
        center_id = await _scope_center(update, context, session, actor, args[0] if args else None, t)
        if center_id == -1:
            return
        text = await export_csv(session, zone=context.settings.zone, center_id=center_id)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(InputFile(("\ufeff" + text).encode(), filename="opportunities.csv"),
                             caption=t.gettext("Opportunities in the import format. Edit and send it back with /importopps."))


async def start_import(update: Update, context: BotContext) -> None:
    """/importopps: wait for the CSV (a file, or pasted text)."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="opportunity.import")
        if actor is None:
            return
        write_conversation(actor.volunteer, {"flow": IMPORT_FLOW})
    await reply(update, t.gettext("Send the CSV file of opportunities (or paste its text). Nothing changes unless every line is valid."))


async def import_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Text flow: a pasted CSV."""
    message = update.effective_message
    assert message is not None
    await _import(update, context, session, volunteer, _parse(context, message.text or ""))


async def import_document(update: Update, context: BotContext) -> None:
    """A document while an import is awaited (group -1: other documents go on to other handlers)."""
    from telegram.ext import ApplicationHandlerStop

    message = update.effective_message
    if message is None or message.document is None:
        return
    if (await peek_conversation(update, context)).get("flow") != IMPORT_FLOW:
        return
    # The role first, read without the write lock: a revoked coordinator's file is never fetched.
    async with context.services.report_sessions() as reader:
        allowed = await load_actor(reader, telegram_id=message.chat.id) is not None
    parsed: list[ParsedRow] | ImportErrors | str | None = None
    if allowed:
        parsed = await _download_and_parse(context, message.document)
    async with context.unit_of_work(update) as session:
        if session is not None:
            await _import(update, context, session, await load_volunteer(session, update, context), parsed)
    raise ApplicationHandlerStop


async def _download_and_parse(context: BotContext, document: Document) -> list[ParsedRow] | ImportErrors | str:
    """The file's rows, its errors, or "too_big", all outside the database's write lock."""
    if (document.file_size or 0) > MAX_IMPORT_BYTES:
        return TOO_BIG
    file = await document.get_file()
    content = bytes(await file.download_as_bytearray())
    if len(content) > MAX_IMPORT_BYTES:
        return TOO_BIG
    return _parse(context, content.decode("utf-8", errors="replace"))


def _parse(context: BotContext, text: str) -> list[ParsedRow] | ImportErrors | str:
    if text.count("\n") > MAX_IMPORT_LINES:
        return TOO_BIG
    try:
        return parse_csv(text, zone=context.settings.zone)
    except ImportErrors as errors:
        return errors


async def _import(
    update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer,
    parsed: list[ParsedRow] | ImportErrors | str | None,
) -> None:
    actor, t = await require_staff(update, context, session, action="opportunity.import")
    if actor is None or parsed is None:
        write_conversation(volunteer, None)
        return
    if parsed == TOO_BIG:
        await reply(update, t.gettext("This file is too large to import: at most {lines} lines and 1 MB. Please split it and send the parts one by one.").format(
            lines=t.number(MAX_IMPORT_LINES)))
        return
    try:
        if isinstance(parsed, ImportErrors):
            raise parsed
        assert isinstance(parsed, list)
        rows = parsed
        if not await within_managed_centers(session, actor=actor, rows=rows):
            await require_staff(update, context, session, action="opportunity.import", center_id=-1, target="csv")
            return
        async with session.begin_nested():
            result = await import_rows(session, rows, now=context.now(), offers=context.settings.offer_rules)
    except ImportErrors as errors:
        lines = [t.gettext("Nothing was imported. Please fix these lines and send the file again:")]
        lines += [t.gettext("Line {line}: {problem}").format(line=e.line, problem=esc(t.gettext(e.template).format(**e.params)))
                  for e in errors.errors[:MAX_IMPORT_ERRORS]]
        await reply(update, "\n".join(lines))
        return
    await record_action(session, actor_telegram_id=actor.telegram_id, action="opportunity.import", target="csv",
                        detail=f"opportunities={result.opportunities} shifts={result.shifts}", now=context.now())
    write_conversation(volunteer, None)
    await reply(update, t.gettext("✅ Imported: {created} new and {updated} updated opportunities; {shifts} new and {changed} changed shifts.").format(
        created=t.number(result.opportunities_created), updated=t.number(result.opportunities_updated),
        shifts=t.number(result.shifts_created), changed=t.number(result.shifts_updated)))


async def show_audit(update: Update, context: BotContext) -> None:
    """/audit: the latest lines of the audit log (admins)."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="audit.show", admin_only=True)
        if actor is None:
            return
        lines = await recent_actions(session, limit=20)
    text = [t.gettext("<b>Audit log</b> (newest first)")]
    for line in lines:
        mark = "✅" if line.allowed else "⛔"
        text.append(f"{mark} {t.local(line.at):%m-%d %H:%M} <code>{line.actor_telegram_id}</code> {esc(line.action)} "
                    f"{esc(line.target or '')} {esc((line.detail or '')[:80])}")
    await reply(update, "\n".join(text))
