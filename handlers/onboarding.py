"""Onboarding: language, name, phone, center, gender; state kept on the volunteer's row."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from handlers import callback_data as cd
from handlers.attendance import check_in_pending_scan
from handlers.common import center_name, esc, load_volunteer, main_menu, reply, show, show_buttons
from handlers.context import BotContext
from handlers.guardians import ask_guardian_consent
from infra.i18n import N_, Translator
from models.ages import BirthYearMode, BirthYearProblem, is_minor, parse_birth_year, plausible_years
from models.own_profile import change_language, change_phone
from models.tables import OnboardingStep, Volunteer
from models.volunteers import (
    InvalidName,
    accepts_onboarding_answer,
    choose_language,
    is_registered,
    list_centers,
    set_birth_year,
    set_center,
    set_display_name,
    set_gender,
    set_phone,
)

CENTERS_PER_PAGE = 8
SKIP_LABELS = ("Skip", "تخطي")


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("العربية", callback_data=cd.ChooseLanguage("ar").data),
          InlineKeyboardButton("English", callback_data=cd.ChooseLanguage("en").data)]]
    )


def language_prompt(context: BotContext) -> str:
    """Shown before the volunteer has chosen: in both languages, Arabic first."""
    ar, en = context.translator("ar"), context.translator("en")
    text = N_("Welcome to the volunteer program! Please choose your language.")
    return f"{ar.gettext(text)}\n\n{en.gettext(text)}"


def phone_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t.gettext("📱 Share my phone number"), request_contact=True)],
         [KeyboardButton(t.gettext("Skip"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def centers_keyboard(session: AsyncSession, t: Translator, page: int) -> InlineKeyboardMarkup:
    centers = await list_centers(session)
    pages = max(1, -(-len(centers) // CENTERS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    chunk = centers[page * CENTERS_PER_PAGE : (page + 1) * CENTERS_PER_PAGE]
    rows = [[InlineKeyboardButton(center_name(c, t.language), callback_data=cd.ChooseCenter(c.id or 0).data)] for c in chunk]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(t.gettext("« Previous"), callback_data=cd.CentersPage(page - 1).data))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(t.gettext("Next »"), callback_data=cd.CentersPage(page + 1).data))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def skip_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton(t.gettext("Skip"))]], resize_keyboard=True, one_time_keyboard=True)


def gender_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.gettext("Male"), callback_data=cd.ChooseGender("male").data),
          InlineKeyboardButton(t.gettext("Female"), callback_data=cd.ChooseGender("female").data)]]
    )


async def prompt_step(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Ask the question of the step the volunteer is on (used on /start and after each answer)."""
    t = context.translator(volunteer.language)
    step = volunteer.onboarding_step
    if step == OnboardingStep.LANGUAGE:
        await reply(update, language_prompt(context), language_keyboard())
    elif step == OnboardingStep.NAME:
        await reply(update, t.gettext("What name should we call you? Please type your name."), ReplyKeyboardRemove())
    elif step == OnboardingStep.BIRTH_YEAR:
        optional = context.settings.birth_year_mode == BirthYearMode.OPTIONAL
        text = t.gettext("In which year were you born? Please type the year, for example 2001. "
                         "Volunteers under 18 need a parent's or guardian's consent before their first sign-up.")
        if optional:
            text += "\n" + t.gettext("You can skip this.")
        await reply(update, text, skip_keyboard(t) if optional else ReplyKeyboardRemove())
    elif step == OnboardingStep.PHONE:
        await reply(
            update,
            t.gettext(
                "Would you like to share your phone number? Coordinators use it only to reach you "
                "about your shifts. You can skip this."
            ),
            phone_keyboard(t),
        )
    elif step == OnboardingStep.CENTER:
        await reply(update, t.gettext("Which neighborhood center are you closest to?"), ReplyKeyboardRemove())
        await reply(update, t.gettext("Choose a center:"), await centers_keyboard(session, t, 0))
    elif step == OnboardingStep.GENDER:
        await reply(
            update,
            t.gettext("Are you a man or a woman? Some opportunities are for men or for women only."),
            gender_keyboard(t),
        )


async def welcome_registered(update: Update, context: BotContext, volunteer: Volunteer, first_time: bool) -> None:
    t = context.translator(volunteer.language)
    if first_time:
        text = t.gettext(
            "You are registered, {name}! Thank you for joining. Use the menu below to find an "
            "opportunity and sign up."
        )
    else:
        text = t.gettext("Welcome back, {name}! What would you like to do?")
    await reply(update, text.format(name=esc(volunteer.display_name)), main_menu(t))


async def choose_language_button(update: Update, context: BotContext) -> None:
    """Language buttons, during onboarding and from /language."""
    query = update.callback_query
    assert query is not None
    language = cd.ChooseLanguage.parse(query.data).code
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await load_volunteer(session, update, context)
        onboarding = not is_registered(volunteer)
        if onboarding:
            choose_language(volunteer, language=language)
        else:  # /language after registration: an audited profile change
            await change_language(session, person=volunteer, language=language, now=context.now())
        t = context.translator(language)
        await query.answer()
        await show(query, t.gettext("Language set: English") if language == "en" else t.gettext("Language set: Arabic"))
        if onboarding:
            await prompt_step(update, context, session, volunteer)
        else:
            await reply(update, t.gettext("Done. I will speak to you in this language from now on."), main_menu(t))


async def onboarding_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Text typed while onboarding: the name, a skipped phone, or a nudge back to the buttons."""
    text = (update.effective_message.text or "") if update.effective_message else ""
    t = context.translator(volunteer.language)
    if volunteer.onboarding_step == OnboardingStep.NAME:
        try:
            set_display_name(volunteer, text=text, ask_birth_year=context.settings.birth_year_mode != BirthYearMode.OFF)
        except InvalidName:
            await reply(update, t.gettext("Please send a name between 2 and 64 letters."))
            return
        await prompt_step(update, context, session, volunteer)
    elif volunteer.onboarding_step == OnboardingStep.BIRTH_YEAR:
        await birth_year_text(update, context, session, volunteer, text)
    elif volunteer.onboarding_step == OnboardingStep.PHONE and text.strip() in (t.gettext("Skip"), *SKIP_LABELS):
        set_phone(volunteer, phone=None)
        await prompt_step(update, context, session, volunteer)
    else:
        await reply(update, t.gettext("Please answer with the buttons below so we can finish your registration."))
        await prompt_step(update, context, session, volunteer)


async def birth_year_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer, text: str) -> None:
    """The year of birth typed during onboarding (or Skip, when the question is optional)."""
    t = context.translator(volunteer.language)
    if context.settings.birth_year_mode == BirthYearMode.OPTIONAL and text.strip() in (t.gettext("Skip"), *SKIP_LABELS):
        set_birth_year(volunteer, year=None)
        await prompt_step(update, context, session, volunteer)
        return
    year = parse_birth_year(text, now=context.now())
    if year == BirthYearProblem.FORMAT:
        await reply(update, t.gettext("Please type your year of birth in four digits, for example 2001."))
        return
    if isinstance(year, BirthYearProblem):
        earliest, latest = plausible_years(now=context.now())
        await reply(update, t.gettext("Please type a year of birth between {earliest} and {latest}.").format(
            earliest=earliest, latest=latest))
        return
    set_birth_year(volunteer, year=year)
    await prompt_step(update, context, session, volunteer)


async def share_contact(update: Update, context: BotContext) -> None:
    """The contact button: keep the volunteer's own phone number."""
    message = update.effective_message
    assert message is not None and message.contact is not None and update.effective_user is not None
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await load_volunteer(session, update, context)
        t = context.translator(volunteer.language)
        if message.contact.user_id != update.effective_user.id:
            await reply(update, t.gettext("Please share your own number with the button below."), phone_keyboard(t))
            return
        was_onboarding = volunteer.onboarding_step == OnboardingStep.PHONE
        if is_registered(volunteer):  # shared again from /profile: an audited change
            await change_phone(session, person=volunteer, shared=message.contact.phone_number, now=context.now())
        else:
            set_phone(volunteer, phone=message.contact.phone_number)
        if was_onboarding:
            await reply(update, t.gettext("Thank you, your number is saved."), ReplyKeyboardRemove())
            await prompt_step(update, context, session, volunteer)
        else:
            await reply(update, t.gettext("Thank you, your number is saved."), main_menu(t))


async def choose_center_button(update: Update, context: BotContext) -> None:
    """A center picked from the onboarding list."""
    query = update.callback_query
    assert query is not None
    center_id = cd.ChooseCenter.parse(query.data).center_id
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await load_volunteer(session, update, context)
        t = context.translator(volunteer.language)
        if not accepts_onboarding_answer(volunteer, "center"):
            await _refuse_profile_change(query, t, volunteer)
            return
        if not await set_center(session, volunteer, center_id=center_id):
            await query.answer(t.gettext("This center is no longer available. Please choose another."), show_alert=True)
            return
        await query.answer()
        await show(query, t.gettext("Center saved."))
        if volunteer.onboarding_step == OnboardingStep.GENDER:
            await prompt_step(update, context, session, volunteer)


async def _refuse_profile_change(query: CallbackQuery, t: Translator, volunteer: Volunteer) -> None:
    """An onboarding button after registration: nothing changes, and they learn whom to ask."""
    await query.answer(
        t.gettext("Your profile is already complete, so this button no longer changes it. "
                  "To change your center or other details, please ask a coordinator of your center."),
        show_alert=True,
    )


async def page_centers_button(update: Update, context: BotContext) -> None:
    """Next/previous page of the center list."""
    query = update.callback_query
    assert query is not None
    page = cd.CentersPage.parse(query.data).page
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
        t = context.translator(volunteer.language)
        await query.answer()
        await show_buttons(query, await centers_keyboard(session, t, page), text_if_gone=t.gettext("Choose a center:"))


async def choose_gender_button(update: Update, context: BotContext) -> None:
    """The last onboarding answer; completes registration."""
    query = update.callback_query
    assert query is not None
    gender = cd.ChooseGender.parse(query.data).gender
    async with context.unit_of_work(update) as session:
        if session is None:
            return
        volunteer = await load_volunteer(session, update, context)
        t = context.translator(volunteer.language)
        if is_registered(volunteer):
            await _refuse_profile_change(query, t, volunteer)
            return
        if not set_gender(volunteer, gender=gender, now=context.now()):
            await query.answer()
            await prompt_step(update, context, session, volunteer)
            return
        first_time = True
        await query.answer()
        await show(query, t.gettext("Saved."))
        await welcome_registered(update, context, volunteer, first_time=first_time)
        if is_minor(volunteer, on=context.now()):
            await ask_guardian_consent(update, context, session, volunteer)
        await check_in_pending_scan(update, context, session, volunteer)
