"""/privacy (what is kept, why, how long, who sees it), /mydata (a copy of all of it) and /deleteme."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import load_volunteer, reply, show
from handlers.context import BotContext
from infra.i18n import Translator
from infra.settings import Settings
from models.erasure import coming_signups, erase_volunteer
from models.personal_data import as_csv, as_json, personal_data
from models.volunteers import get_volunteer


def privacy_text(t: Translator, settings: Settings) -> str:
    """What the code keeps and does, in plain words (keep it true when the code changes)."""
    days = settings.outbox_retention_days
    if days > 0:
        messages = t.ngettext(
            "Messages the bot sends you are kept {n} day, then deleted (a thank-you sent once is kept so it is never sent twice).",
            "Messages the bot sends you are kept {n} days, then deleted (a thank-you sent once is kept so it is never sent twice).",
            days,
        ).format(n=t.number(days))
    else:
        messages = t.gettext("Messages the bot sends you are kept with no time limit on this installation.")
    if settings.backup_dir is not None:
        backups = t.ngettext(
            "The database is copied once a day; the newest {n} copy is kept, so erased data leaves the copies within {n} day.",
            "The database is copied once a day; the newest {n} copies are kept, so erased data leaves the copies within {n} days.",
            settings.backup_keep,
        ).format(n=t.number(settings.backup_keep))
    else:
        backups = t.gettext("The bot makes no automatic copies of the database here; copies the operators make follow the association's rules.")
    parts = [
        t.gettext("🔒 <b>Your data and your rights</b>"),
        t.gettext(
            "<b>What we keep:</b> your Telegram account number; the name, neighborhood center, gender and language you gave; "
            "your phone number and an emergency contact if you gave them; your sign-ups; your attendance (arrival and leaving "
            "times, how you checked in, the minutes credited, and while you share a live location only your distance from the "
            "site, never a track); hours a coordinator added for work outside the bot, with their reason; and the messages the "
            "bot sends you."
        ),
        t.gettext(
            "<b>And when you use them:</b> your year of birth, and for a volunteer under 18 their guardian's consent (the "
            "guardian's Telegram account and when they consented); your neighborhood team and the messages you send it; the "
            "ratings and comments you give shifts (coordinators read comments without your name); the qualifications you "
            "hold and until when; the interests you picked and whether you want the digest or a place on the leaderboard; "
            "and the certificates issued to you (name, hours, serial number), which anyone holding the link can verify."
        ),
        t.gettext(
            "<b>Why:</b> to offer you the shifts that fit you, to remind you of them, to count your volunteer hours for the "
            "association's official records, and to reach you about your shifts. Your phone is used only for that."
        ),
        t.gettext(
            "<b>Who sees it:</b> the coordinators of your center and the program's administrators (your name, phone, emergency "
            "contact, center, sign-ups and hours). A coordinator of another center whose shift you join sees your name and "
            "attendance, never your phone or emergency contact. Nobody else, and it is never sold or shared."
        ),
        t.gettext("<b>How long:</b>") + " " + " ".join([
            t.gettext("Your profile is kept while you take part."),
            messages,
            t.gettext("Wrong check-in codes you type are noted to stop guessing; they stop counting after ten minutes."),
            t.gettext(
                "A log of changes (who changed what, including coordinators' corrections of your hours) is kept to keep the "
                "hours trustworthy. Attendance records are the association's official records and are kept."
            ),
            backups,
        ]),
        t.gettext(
            "<b>Your rights:</b> /profile to see and correct your details; /mydata for a file with everything the bot holds "
            "about you; /deleteme to erase your personal data. Your hours then stay in the program's totals without your name."
        ),
    ]
    return "\n\n".join(parts)


async def show_privacy(update: Update, context: BotContext) -> None:
    """/privacy: what is stored, why, for how long, and who can see it."""
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
    t = context.translator(volunteer.language)
    await reply(update, privacy_text(t, context.settings))


async def send_my_data(update: Update, context: BotContext) -> None:
    """/mydata: a JSON file and a CSV file with every row about the person, built off the update loop."""
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
    t = context.translator(volunteer.language)
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    await reply(update, t.gettext("⏳ Preparing a copy of your data… Two files (JSON and CSV) will arrive here in a moment."))
    now = context.now()

    async def build_and_send() -> None:
        async with context.services.report_sessions() as reader, reader.begin():
            person = await get_volunteer(reader, telegram_id=user.id)
            if person is None:  # erased meanwhile
                return
            data = await personal_data(reader, volunteer=person)
        rows = sum(len(table) for table in data.values())
        caption = t.ngettext("Everything the bot holds about you: {n} record.", "Everything the bot holds about you: {n} records.", rows)
        await chat.send_document(InputFile(as_json(data, generated_at=now), filename="my-data.json"), caption=caption.format(n=t.number(rows)))
        await chat.send_document(InputFile(as_csv(data), filename="my-data.csv"),
                                 caption=t.gettext("The same, readable in a spreadsheet."))

    async def tell_failure() -> None:
        await chat.send_message(t.gettext("Sorry, your data could not be prepared. Please try again in a few minutes."))

    context.services.reports.start(build_and_send, on_error=tell_failure, name="mydata")


def erase_question(t: Translator, coming: int) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        t.gettext("⚠️ <b>Erase my data</b>"),
        "",
        t.gettext("If you confirm:"),
        t.gettext("• your name, phone number and emergency contact are deleted, and your Telegram account is no longer linked "
                  "to anything here (an anonymous number takes its place);"),
        t.ngettext("• your {n} coming place on a shift is given up, and the next person on the waitlist gets it;",
                   "• your {n} coming places on shifts are given up, and the next people on the waitlists get them;",
                   coming).format(n=t.number(coming)) if coming else t.gettext("• you hold no coming places on shifts;"),
        t.gettext("• messages waiting to be sent to you are dropped, and the bot sends you nothing more;"),
        t.gettext("• your name, number and account are taken out of the log of changes;"),
        t.gettext("• your personal pass stops working;"),
        t.gettext("• the hours you gave stay in the program's totals, with your center and gender but without your name: "
                  "attendance records are the association's official records."),
        "",
        t.gettext("This cannot be undone. If you write to the bot again you start as a new volunteer, and your earlier hours "
                  "are not yours again. Get a copy first with /mydata if you want one."),
    ]
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("🗑 Yes, erase my data"), callback_data=cd.EraseMe("yes").data),
        InlineKeyboardButton(t.gettext("Keep my data"), callback_data=cd.EraseMe("no").data),
    ]])
    return "\n".join(lines), markup


async def ask_erase(update: Update, context: BotContext) -> None:
    """/deleteme: says exactly what will happen, and asks."""
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
        assert volunteer.id is not None
        coming = len(await coming_signups(session, volunteer_id=volunteer.id, now=context.now()))
    t = context.translator(volunteer.language)
    await reply(update, *erase_question(t, coming))


async def erase_button(update: Update, context: BotContext) -> None:
    """🗑 Yes (erased, in one transaction) or Keep my data."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    decision = cd.EraseMe.parse(query.data).decision
    async with context.transaction() as session:
        volunteer = await get_volunteer(session, telegram_id=user.id)  # not created: nothing to erase then
        t = context.translator(volunteer.language if volunteer else context.settings.default_language)
        if volunteer is None:
            await query.answer(t.gettext("There is no data of yours to erase."), show_alert=True)
            return
        if decision == "no":
            await query.answer()
            await show(query, t.gettext("Nothing was erased. Your data stays as it is."))
            return
        await erase_volunteer(session, volunteer=volunteer, now=context.now(), offers=context.settings.offer_rules)
    await query.answer()
    await show(query, t.gettext("🗑 Your personal data is erased. Thank you for the time you gave to the program."))
    await reply(update, t.gettext("Goodbye."), ReplyKeyboardRemove())


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("privacy", show_privacy, filters=private))
    app.add_handler(CommandHandler("mydata", send_my_data, filters=private))
    app.add_handler(CommandHandler("deleteme", ask_erase, filters=private))
    app.add_handler(CallbackQueryHandler(erase_button, pattern=cd.EraseMe.pattern))
