"""Minors and guardians: the consent link a minor sends, the guardian's page (`/start g-<code>`),
their buttons, and /consent (a minor's link; a coordinator's paper consent)."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers.common import center_name, esc, load_volunteer, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import require_staff
from handlers.gate import require_registration
from infra.i18n import N_, Translator
from models.ages import is_minor
from models.guardians import (
    LINK_PREFIX,
    GrantOutcome,
    GuardianPage,
    PaperOutcome,
    WithdrawOutcome,
    grant_consent,
    guardian_page,
    record_paper_consent,
    request_consent,
    withdraw_by_guardian,
    withdraw_on_paper,
)
from models.tables import ConsentStatus, GuardianConsent, OnboardingStep, Volunteer
from models.volunteers import volunteers_by_id_or_phone


def consent_link(context: BotContext, code: str) -> str:
    return f"https://t.me/{context.bot.username}?start={LINK_PREFIX}{code}"


def first_name(volunteer: Volunteer) -> str:
    """The minor's first name only: a guardian needs no more to know whom the link is for."""
    return esc((volunteer.display_name or "—").split()[0])


def consent_request(t: Translator, context: BotContext, consent: GuardianConsent) -> tuple[str, InlineKeyboardMarkup]:
    """What a minor reads: why, the link to send, and a button that shares it."""
    link = consent_link(context, consent.code)
    text = t.gettext(
        "You are under 18, so a parent or guardian must agree before your first sign-up. Send them this link: "
        "they open it in Telegram, read what they agree to, and confirm.\n{link}\n\n"
        "You will be told here as soon as they have answered."
    ).format(link=link)
    share = "https://t.me/share/url?url=" + quote(link, safe="") + "&text=" + quote(
        t.gettext("Please open this link to give your consent for my volunteering."), safe="")
    return text, InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("📨 Send the link to my guardian"), url=share)]])


async def ask_guardian_consent(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Give the minor the link for their guardian (made on the first request, the same one after)."""
    consent = await request_consent(session, volunteer=volunteer, now=context.now())
    await reply(update, *consent_request(context.translator(volunteer.language), context, consent))


def _page_text(t: Translator, page: GuardianPage) -> str:
    center = center_name(page.center, t.language) if page.center is not None else "—"
    return t.gettext(
        "<b>Consent for a minor to volunteer</b>\n\n"
        "{name} ({center}) asks for your consent, as their parent or guardian, to volunteer in the neighborhood "
        "centers' volunteering program. With it they can sign up for volunteering shifts; each shift's place and "
        "time are shown to them before they sign up.\n\n"
        "What the program keeps about them: their first name, year of birth, center, gender, phone number if they "
        "shared it, their shifts and their volunteer hours. Only the coordinators of their center and the program's "
        "admins see their phone number.\n"
        "What it keeps about you: your Telegram account and when you consented.\n\n"
        "You can withdraw your consent at any time by opening this link again."
    ).format(name=first_name(page.minor), center=esc(center))


def _page(t: Translator, page: GuardianPage, viewer: Volunteer) -> tuple[str, InlineKeyboardMarkup | None]:
    """The guardian page as this viewer should see it."""
    consent, code = page.consent, page.consent.code
    if page.minor.telegram_id == viewer.telegram_id:
        return t.gettext("This link is for your parent or guardian: please send it to them. You cannot give consent for yourself."), None
    if consent.status == ConsentStatus.GRANTED:
        assert consent.granted_at is not None
        if consent.method == "telegram" and consent.guardian_telegram_id == viewer.telegram_id:
            text = t.gettext("You gave your consent for {name} to volunteer on {day}. You can withdraw it at any time.").format(
                name=first_name(page.minor), day=t.day(consent.granted_at))
            withdraw = cd.GuardianAnswer("wd", code).data
            return text, InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("Withdraw my consent"), callback_data=withdraw)]])
        return t.gettext("A guardian's consent for {name} is already on record. Thank you.").format(name=first_name(page.minor)), None
    yes = cd.GuardianAnswer("yes", code).data
    return _page_text(t, page), InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("✅ I consent, as their parent or guardian"), callback_data=yes)]])


def viewer_translator(update: Update, context: BotContext, viewer: Volunteer) -> Translator:
    """A guardian who never chose a language here reads the page in their Telegram's language."""
    if viewer.onboarding_step != OnboardingStep.LANGUAGE:
        return context.translator(viewer.language)
    code = update.effective_user.language_code if update.effective_user else None
    return context.translator(context.services.catalogs.pick_language(None, code))


UNKNOWN_LINK = N_("This link is not valid (any more). Please ask for a new one.")


async def open_guardian_link(update: Update, context: BotContext, rest: str) -> None:
    """`/start g-<code>`: the guardian page (consent, or withdraw a consent given)."""
    async with context.transaction() as session:
        viewer = await load_volunteer(session, update, context)
        t = viewer_translator(update, context, viewer)
        page = await guardian_page(session, code=rest) if rest else None
        if page is None:
            await reply(update, t.gettext(UNKNOWN_LINK))
            return
        await reply(update, *_page(t, page, viewer))


async def guardian_button(update: Update, context: BotContext) -> None:
    """✅ I consent / Withdraw my consent / Yes, withdraw / No, keep it, under the guardian page."""
    query = update.callback_query
    assert query is not None
    try:
        answer = cd.GuardianAnswer.parse(query.data)
    except cd.BadCallback:
        answer = None
    async with context.transaction() as session:
        viewer = await load_volunteer(session, update, context)
        t = viewer_translator(update, context, viewer)
        if answer is None:
            await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)
            return
        now = context.now()
        if answer.action == "yes":
            outcome, page = await grant_consent(session, code=answer.code, guardian=viewer, now=now)
            texts = {
                GrantOutcome.SELF: t.gettext("You cannot give consent for yourself. Please send the link to your parent or guardian."),
                GrantOutcome.MINOR: t.gettext("Sorry, consent must come from an adult parent or guardian."),
                GrantOutcome.UNKNOWN: t.gettext(UNKNOWN_LINK),
            }
            if outcome in texts:
                await query.answer(texts[outcome], show_alert=True)
                return
            assert page is not None
            await query.answer()
            text, markup = _page(t, page, viewer)
            if outcome == GrantOutcome.GRANTED:
                text = t.gettext("✅ Thank you. Your consent is recorded and {name} is told.").format(name=first_name(page.minor)) + "\n\n" + text
            await show(query, text, markup)
            return
        if answer.action in ("wd", "keep"):
            page = await guardian_page(session, code=answer.code)
            if page is None:
                await query.answer(t.gettext(UNKNOWN_LINK), show_alert=True)
                return
            await query.answer()
            if answer.action == "keep":
                await show(query, *_page(t, page, viewer))
                return
            await show(query, t.gettext(
                "Withdraw your consent for {name}? They will not be able to sign up for new shifts, and their places on "
                "upcoming shifts will be cancelled (the hours they already gave stay on record)."
            ).format(name=first_name(page.minor)), InlineKeyboardMarkup([[
                InlineKeyboardButton(t.gettext("Yes, withdraw"), callback_data=cd.GuardianAnswer("wdy", answer.code).data),
                InlineKeyboardButton(t.gettext("No, keep it"), callback_data=cd.GuardianAnswer("keep", answer.code).data)]]))
            return
        withdrawal = await withdraw_by_guardian(session, code=answer.code, guardian_telegram_id=viewer.telegram_id, now=now,
                                                offers=context.settings.offer_rules)
        if withdrawal.outcome != WithdrawOutcome.WITHDRAWN:
            refusals = {
                WithdrawOutcome.NOT_GRANTED: t.gettext("There is no consent to withdraw."),
                WithdrawOutcome.NOT_THEIRS: t.gettext("Only the guardian who gave this consent can withdraw it."),
                WithdrawOutcome.UNKNOWN: t.gettext(UNKNOWN_LINK),
            }
            await query.answer(refusals[withdrawal.outcome], show_alert=True)
            return
        assert withdrawal.page is not None
        await query.answer()
        await show(query, t.gettext("Your consent is withdrawn, and {name} is told.").format(name=first_name(withdrawal.page.minor)))


def consent_usage(t: Translator) -> str:
    return esc(t.gettext(
        "Usage: /consent <telegram id or phone> paper <note>\n"
        "Records a guardian's consent received on paper for a volunteer under 18 of your center, for example:\n"
        "/consent 0501234567 paper signed form from her father, kept at the center\n"
        "/consent <telegram id or phone> withdraw <note> records that the guardian withdrew it."))


async def consent_command(update: Update, context: BotContext) -> None:
    """/consent: a minor gets the link for their guardian; a coordinator records a consent on paper."""
    args = context.args or []
    if args:
        await _paper_consent(update, context, args)
        return
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        if not is_minor(volunteer, on=context.now()):
            await reply(update, t.gettext("You do not need a guardian's consent to volunteer."))
            return
        consent = await request_consent(session, volunteer=volunteer, now=context.now())
        if consent.status == ConsentStatus.GRANTED:
            await reply(update, t.gettext("Your guardian's consent is on record. You can sign up for opportunities: /opportunities"))
            return
        await reply(update, *consent_request(t, context, consent))


async def _paper_consent(update: Update, context: BotContext, args: list[str]) -> None:
    """/consent <id or phone> paper|withdraw <note>: coordinators of the volunteer's center, and admins."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="consent.paper")
        if actor is None:
            return
        if len(args) < 2 or args[1].lower() not in ("paper", "withdraw"):
            await reply(update, consent_usage(t))
            return
        people = await volunteers_by_id_or_phone(session, text=args[0], limit=2)
        if len(people) != 1:
            await reply(update, t.gettext("No volunteer has this Telegram id or phone number.") if not people
                        else t.gettext("More than one volunteer has this phone number. Please use their Telegram id (find it with /records)."))
            return
        minor = people[0]
        allowed, t = await require_staff(update, context, session, action="consent.paper", center_id=minor.center_id,
                                         missing_target=minor.center_id is None and not actor.is_admin,
                                         target=f"volunteer:{minor.telegram_id}")
        if allowed is None:
            return
        note, name = " ".join(args[2:]), esc(minor.display_name or str(minor.telegram_id))
        if args[1].lower() == "withdraw":
            withdrawal = await withdraw_on_paper(session, minor=minor, actor_telegram_id=actor.telegram_id, note=note or "-",
                                                 now=context.now(), offers=context.settings.offer_rules)
            if withdrawal.outcome != WithdrawOutcome.WITHDRAWN:
                await reply(update, t.gettext("{name} has no guardian's consent on record to withdraw.").format(name=name))
                return
            await reply(update, t.ngettext(
                "✅ Recorded: the consent for {name} is withdrawn; {n} upcoming place was cancelled. They are told.",
                "✅ Recorded: the consent for {name} is withdrawn; {n} upcoming places were cancelled. They are told.",
                withdrawal.cancelled).format(name=name, n=t.number(withdrawal.cancelled)))
            return
        outcome = await record_paper_consent(session, minor=minor, actor_telegram_id=actor.telegram_id, note=note, now=context.now())
    texts = {
        PaperOutcome.RECORDED: t.gettext("✅ Recorded: a guardian's consent on paper for {name}. They are told and can sign up now."),
        PaperOutcome.NOT_MINOR: t.gettext("{name} is not known to be under 18, so no guardian's consent is needed."),
        PaperOutcome.ALREADY: t.gettext("A guardian's consent for {name} is already on record."),
        PaperOutcome.NOTE: consent_usage(t),
    }
    await reply(update, texts[outcome].format(name=name))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """/consent, the guardian link and its buttons."""
    app.bot_data.deep_links[LINK_PREFIX] = open_guardian_link
    app.add_handler(CommandHandler("consent", consent_command, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(guardian_button, pattern=cd.GuardianAnswer.pattern))
