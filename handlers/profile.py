"""/profile: a volunteer sees and changes their own profile; a gender change goes to a coordinator.

The card's buttons change one thing each; typed answers (a name, an emergency contact) are a small
text flow kept on the volunteer's row. The models audit every change (models.own_profile,
models.gender_requests). /privacy, /mydata and /deleteme live in handlers.privacy.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import callback_data as cd
from handlers import privacy
from handlers.common import center_name, esc, main_menu, reply, show, show_buttons
from handlers.context import BotContext
from handlers.coordinator.access import require_staff
from handlers.gate import require_registration
from handlers.notices.profiles import gender_label, seat_lines
from infra.i18n import Translator
from models.gender_requests import (
    DecisionOutcome,
    RequestOutcome,
    decide_gender_change,
    request_gender_change,
    seats_closed_to,
)
from models.own_profile import (
    OwnChange,
    change_center,
    change_language,
    change_name,
    change_phone,
    remove_emergency_contact,
    set_emergency_contact,
)
from models.tables import Center, Gender, Volunteer
from models.volunteers import (
    InvalidName,
    clean_display_name,
    get_volunteer_by_id,
    list_centers,
    read_conversation,
    write_conversation,
)

FLOW = "profile"
CENTERS_PER_PAGE = 8
LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}


def render_profile(t: Translator, volunteer: Volunteer, center: Center | None) -> tuple[str, InlineKeyboardMarkup]:
    none = t.gettext("not given")
    gender = gender_label(t, volunteer.gender)
    if volunteer.pending_gender:
        gender += " " + t.gettext("(⏳ your request to be recorded as {gender} waits for a coordinator)").format(
            gender=gender_label(t, volunteer.pending_gender))
    emergency = (
        f"{esc(volunteer.emergency_name)}, {esc(volunteer.emergency_phone)}" if volunteer.emergency_phone else none
    )
    lines = [
        t.gettext("👤 <b>Your profile</b>"),
        "",
        t.gettext("Name: {value}").format(value=esc(volunteer.display_name) or none),
        t.gettext("Center: {value}").format(value=esc(center_name(center, t.language)) if center else none),
        t.gettext("Phone: {value}").format(value=esc(volunteer.phone) or none),
        t.gettext("Gender: {value}").format(value=gender),
        t.gettext("Language: {value}").format(value=LANGUAGE_NAMES.get(volunteer.language, volunteer.language)),
        t.gettext("Emergency contact: {value}").format(value=emergency),
        "",
        t.gettext("What is stored about you and why: /privacy. A copy of all of it: /mydata."),
    ]

    def button(label: str, field: cd.ProfileField) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=cd.ProfileEdit(field).data)

    markup = InlineKeyboardMarkup([
        [button(t.gettext("✏️ Name"), "name"), button(t.gettext("🏘 Center"), "center")],
        [button(t.gettext("📱 Phone"), "phone"), button(t.gettext("🌐 Language"), "language")],
        [button(t.gettext("🆘 Emergency contact"), "emergency")],
        [button(t.gettext("⚧ Gender"), "gender")],
    ])
    return "\n".join(lines), markup


async def _card(session: AsyncSession, t: Translator, volunteer: Volunteer) -> tuple[str, InlineKeyboardMarkup]:
    center = await session.get(Center, volunteer.center_id) if volunteer.center_id is not None else None
    return render_profile(t, volunteer, center)


async def show_profile(update: Update, context: BotContext) -> None:
    """/profile: the volunteer's profile and what they may change (a typed answer left half done is dropped)."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        if read_conversation(volunteer).get("flow") == FLOW:
            write_conversation(volunteer, None)
        t = context.translator(volunteer.language)
        await reply(update, *await _card(session, t, volunteer))


def back_button(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t.gettext("« Back to my profile"), callback_data=cd.ProfileEdit("show").data)]


async def centers_markup(session: AsyncSession, t: Translator, page: int) -> InlineKeyboardMarkup:
    centers = await list_centers(session)
    pages = max(1, -(-len(centers) // CENTERS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    chunk = centers[page * CENTERS_PER_PAGE : (page + 1) * CENTERS_PER_PAGE]
    rows = [[InlineKeyboardButton(center_name(c, t.language), callback_data=cd.ProfileCenter(c.id or 0).data)] for c in chunk]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(t.gettext("« Previous"), callback_data=cd.ProfileCentersPage(page - 1).data))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(t.gettext("Next »"), callback_data=cd.ProfileCentersPage(page + 1).data))
    if nav:
        rows.append(nav)
    rows.append(back_button(t))
    return InlineKeyboardMarkup(rows)


def phone_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t.gettext("📱 Share my phone number"), request_contact=True)]], resize_keyboard=True, one_time_keyboard=True
    )


async def edit_profile_button(update: Update, context: BotContext) -> None:
    """A button of the card: ask for the new value, or act at once (remove a number)."""
    query = update.callback_query
    assert query is not None
    choice = cd.ProfileEdit.parse(query.data).field
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        now = context.now()
        if choice == "show":
            await query.answer()
            await show(query, *await _card(session, t, volunteer))
        elif choice in ("name", "emergency"):
            write_conversation(volunteer, {"flow": FLOW, "step": "name" if choice == "name" else "emergency_name"})
            await query.answer()
            await reply(update, t.gettext("Please type your name as it should be shown.") if choice == "name" else t.gettext(
                "Who should we call if something happens to you on a shift? Please type their name."
            ) + "\n" + t.gettext("(Send /profile to leave this without changing anything.)"))
            if choice == "emergency" and volunteer.emergency_phone:
                await reply(update, t.gettext("Or remove the emergency contact you gave:"), InlineKeyboardMarkup([[InlineKeyboardButton(
                    t.gettext("🗑 Remove the emergency contact"), callback_data=cd.ProfileEdit("emergency_remove").data)]]))
        elif choice == "center":
            await query.answer()
            await show(query, t.gettext("Which neighborhood center are you closest to?"), await centers_markup(session, t, 0))
        elif choice == "language":
            await query.answer()
            await show(query, t.gettext("Choose your language:"), InlineKeyboardMarkup([
                [InlineKeyboardButton(name, callback_data=cd.ProfileLanguage(code).data) for code, name in LANGUAGE_NAMES.items()],
                back_button(t),
            ]))
        elif choice == "phone":
            await query.answer()
            await reply(update, t.gettext("To change your number, share it with the button below (Telegram sends your own number)."),
                        phone_keyboard(t))
            if volunteer.phone:
                await reply(update, t.gettext("Or remove the number you gave:"), InlineKeyboardMarkup([[InlineKeyboardButton(
                    t.gettext("🗑 Remove my number"), callback_data=cd.ProfileEdit("phone_remove").data)]]))
        elif choice == "phone_remove":
            outcome = await change_phone(session, person=volunteer, shared=None, now=now)
            await query.answer(t.gettext("Your number is removed.") if outcome == OwnChange.DONE else t.gettext("There is no number to remove."))
            await show(query, *await _card(session, t, volunteer))
        elif choice == "emergency_remove":
            write_conversation(volunteer, None)
            outcome = await remove_emergency_contact(session, person=volunteer, now=now)
            await query.answer(t.gettext("The emergency contact is removed.") if outcome == OwnChange.DONE
                               else t.gettext("There is no emergency contact to remove."))
            await show(query, *await _card(session, t, volunteer))
        else:  # gender
            await query.answer()
            await show(query, *await _gender_question(session, t, volunteer, context))


async def _gender_question(session: AsyncSession, t: Translator, volunteer: Volunteer, context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    assert volunteer.id is not None
    other = Gender.MALE if volunteer.gender == Gender.FEMALE else Gender.FEMALE
    closed = await seats_closed_to(session, volunteer_id=volunteer.id, gender=other, now=context.now())
    text = t.gettext(
        "You are recorded as {old}. Some opportunities are for men or for women only, so a coordinator of your center "
        "confirms a change. Ask to be recorded as {new}?"
    ).format(old=gender_label(t, volunteer.gender), new=gender_label(t, other))
    if closed:
        text += "\n\n" + t.ngettext(
            "If it is confirmed, you give up this place, which is for {old_plural} only:",
            "If it is confirmed, you give up these {n} places, which are for {old_plural} only:",
            len(closed),
        ).format(n=t.number(len(closed)), old_plural=t.gettext("women") if other == Gender.MALE else t.gettext("men")) + "\n" + seat_lines(t, closed)
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(t.gettext("📨 Send the request"), callback_data=cd.GenderChangeAsk(other.value).data)],
        back_button(t),
    ])
    return text, markup


async def pick_center_button(update: Update, context: BotContext) -> None:
    """A center picked from the profile's list."""
    query = update.callback_query
    assert query is not None
    center_id = cd.ProfileCenter.parse(query.data).center_id
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        outcome = await change_center(session, person=volunteer, center_id=center_id, now=context.now())
        if outcome == OwnChange.UNKNOWN_CENTER:
            await query.answer(t.gettext("This center is no longer available. Please choose another."), show_alert=True)
            return
        await query.answer(t.gettext("Center saved.") if outcome == OwnChange.DONE else t.gettext("That is already your center."))
        await show(query, *await _card(session, t, volunteer))


async def page_centers_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    page = cd.ProfileCentersPage.parse(query.data).page
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        await query.answer()
        await show_buttons(query, await centers_markup(session, t, page), text_if_gone=t.gettext("Which neighborhood center are you closest to?"))


async def pick_language_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    language = cd.ProfileLanguage.parse(query.data).code
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        await change_language(session, person=volunteer, language=language, now=context.now())
        t = context.translator(volunteer.language)
        await query.answer()
        await show(query, *await _card(session, t, volunteer))
    await reply(update, t.gettext("Done. I will speak to you in this language from now on."), main_menu(t))


async def ask_gender_change_button(update: Update, context: BotContext) -> None:
    """📨 Send the request: kept on the row and sent to the coordinators who may confirm it."""
    query = update.callback_query
    assert query is not None
    gender = cd.GenderChangeAsk.parse(query.data).gender
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        result = await request_gender_change(session, person=volunteer, gender=gender, now=context.now())
        if result.outcome != RequestOutcome.REQUESTED:
            await query.answer(t.gettext("Your profile already says so."), show_alert=True)
            return
        await query.answer()
        await show(query, t.gettext(
            "📨 Your request is sent. A coordinator of your center will confirm it; you will get a message here. "
            "Until then your profile stays as it is."
        ), InlineKeyboardMarkup([back_button(t)]))


async def decide_gender_change_button(update: Update, context: BotContext) -> None:
    """A coordinator's ✅/❌ under a request: checked against who manages the volunteer's center now."""
    query = update.callback_query
    assert query is not None
    parsed = cd.GenderChangeDecide.parse(query.data)
    async with context.transaction() as session:
        person = await get_volunteer_by_id(session, volunteer_id=parsed.volunteer_id)
        actor, t = await require_staff(
            update, context, session, action="profile.gender", center_id=person.center_id if person else None,
            missing_target=person is None, target=f"volunteer:{person.telegram_id if person else parsed.volunteer_id}",
        )
        if actor is None or person is None:
            return
        decision = await decide_gender_change(
            session, actor=actor, person=person, gender=parsed.gender, confirm=parsed.decision == "yes", now=context.now(),
            offers=context.settings.offer_rules,
        )
        name = esc(person.display_name)
    if decision.outcome == DecisionOutcome.NOT_PENDING:
        await query.answer(t.gettext("This request was already decided, or asked again since."), show_alert=True)
        await show_buttons(query, InlineKeyboardMarkup([]))
        return
    if decision.outcome == DecisionOutcome.ON_SHIFT:
        await query.answer(t.gettext("They are on a shift for men only or for women only right now. Please decide after it ends."), show_alert=True)
        return
    await query.answer()
    if decision.outcome == DecisionOutcome.DECLINED:
        text = t.gettext("❌ Declined: {name}'s profile stays as it was. They are told.").format(name=name)
    else:
        text = t.gettext("✅ Confirmed: {name} is now recorded as {gender}. They are told.").format(
            name=name, gender=gender_label(t, parsed.gender))
        if decision.released:
            text += "\n" + t.ngettext("{n} place was given up.", "{n} places were given up.", len(decision.released)).format(
                n=t.number(len(decision.released)))
    await show(query, text)


async def profile_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Typed answers of /profile: a new name, then an emergency contact's name and phone."""
    message = update.effective_message
    assert message is not None
    text, t, now = message.text or "", context.translator(volunteer.language), context.now()
    state = read_conversation(volunteer)
    step = state.get("step")
    if step == "name":
        outcome = await change_name(session, person=volunteer, text=text, now=now)
        if outcome == OwnChange.INVALID_NAME:
            await reply(update, t.gettext("Please send a name between 2 and 64 letters."))
            return
    elif step == "emergency_name":
        # The name is checked now (onboarding's rule) and kept until the phone comes.
        try:
            clean_display_name(text)
        except InvalidName:
            await reply(update, t.gettext("Please send a name between 2 and 64 letters."))
            return
        write_conversation(volunteer, {"flow": FLOW, "step": "emergency_phone", "name": text})
        await reply(update, t.gettext("And their phone number? For example 0501234567."))
        return
    elif step == "emergency_phone":
        outcome = await set_emergency_contact(session, person=volunteer, name=str(state.get("name", "")), phone_text=text, now=now)
        if outcome == OwnChange.INVALID_PHONE:
            await reply(update, t.gettext(
                "That does not look like a phone number. Please send a mobile number such as 0501234567, "
                "or an international one starting with + or 00."))
            return
    write_conversation(volunteer, None)
    await reply(update, t.gettext("Saved."), main_menu(t))
    await reply(update, *await _card(session, t, volunteer))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """/profile, /privacy, /mydata, /deleteme, their buttons and the profile's text flow."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("profile", show_profile, filters=private))
    buttons = {
        cd.ProfileEdit: edit_profile_button,
        cd.ProfileCenter: pick_center_button,
        cd.ProfileCentersPage: page_centers_button,
        cd.ProfileLanguage: pick_language_button,
        cd.GenderChangeAsk: ask_gender_change_button,
        cd.GenderChangeDecide: decide_gender_change_button,
    }
    for kind, button in buttons.items():
        app.add_handler(CallbackQueryHandler(button, pattern=kind.pattern))
    app.bot_data.text_flows[FLOW] = profile_text
    privacy.register(app)
