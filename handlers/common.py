"""What every handler shares: the current volunteer, the main menu, labels and replies."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers.context import BotContext
from infra.i18n import N_, Translator
from models.tables import Center, Opportunity, Role, Volunteer
from models.volunteers import get_or_create_volunteer

MAX_TEXT = 4096

CATEGORY_LABELS = {
    "community": N_("Community"),
    "elderly": N_("Elderly care"),
    "environment": N_("Environment"),
    "health": N_("Health"),
    "education": N_("Education"),
    "events": N_("Events"),
    "pilgrims": N_("Serving pilgrims"),
    "training": N_("Training"),
}

# Main menu: action -> label. Reply-keyboard buttons arrive as plain text, so we match the label
# in either language (a volunteer may switch language while an old keyboard is still shown).
MENU_LABELS = {
    "browse": N_("🔎 Opportunities"),
    "schedule": N_("📅 My schedule"),
    "checkin": N_("📍 Check in"),
    "checkout": N_("🏁 Check out"),
    "hours": N_("⏱ My hours"),
    "language": N_("🌐 Language"),
    "help": N_("❓ Help"),
}


def esc(text: str | None) -> str:
    """User- or coordinator-supplied text made safe for HTML messages."""
    return html.escape(text or "", quote=False)


def localized(obj: Any, field: str, language: str) -> str:
    """`title_ar` or `title_en`, falling back to the other language when one is empty."""
    primary = getattr(obj, f"{field}_{language}", None)
    other = getattr(obj, f"{field}_{'en' if language == 'ar' else 'ar'}", None)
    return str(primary or other or "")


def center_name(center: Center, language: str) -> str:
    return localized(center, "name", language)


def opportunity_title(opportunity: Opportunity, language: str) -> str:
    return localized(opportunity, "title", language)


def category_label(t: Translator, category: str) -> str:
    return t.gettext(CATEGORY_LABELS.get(category, category))


def main_menu(t: Translator) -> ReplyKeyboardMarkup:
    label = {action: t.gettext(text) for action, text in MENU_LABELS.items()}
    rows = [
        [label["browse"], label["schedule"]],
        [label["checkin"], label["checkout"]],
        [label["hours"], label["language"]],
        [label["help"]],
    ]
    return ReplyKeyboardMarkup(
        [[KeyboardButton(text) for text in row] for row in rows], resize_keyboard=True, is_persistent=True
    )


def menu_action_for(text: str, translators: list[Translator]) -> str | None:
    """The main-menu action whose label (in any language) is this text."""
    cleaned = text.strip()
    for t in translators:
        for action, label in MENU_LABELS.items():
            if t.gettext(label) == cleaned:
                return action
    return None


async def load_volunteer(session: AsyncSession, update: Update, context: BotContext) -> Volunteer:
    """The volunteer behind this update, created on first contact in the default language."""
    user = update.effective_user
    assert user is not None
    is_admin = user.id in context.settings.coordinator_ids
    # New users start in the default language (Arabic); onboarding asks them first thing.
    return await get_or_create_volunteer(
        session,
        telegram_id=user.id,
        language=context.settings.default_language,
        now=context.now(),
        role=Role.ADMIN if is_admin else Role.VOLUNTEER,
    )


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Keep a message inside Telegram's limit (cutting at a line end when possible)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1] + "…"


async def reply(update: Update, text: str, markup: Any = None) -> Message:
    """Answer in the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(clip(text), parse_mode=ParseMode.HTML, reply_markup=markup)


# Telegram's answers to an edit of a message that is gone (deleted since the press was sent).
GONE = ("message to edit not found", "message can't be edited")


async def show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message's text and buttons (an inline flow stays in one bubble).

    A message the bot can no longer access (deleted, or too old: the press carries it with date 0)
    cannot be edited: the volunteer gets the answer as a fresh message instead. Pressing the same
    button twice edits to the same content; the bot (bot.refusals) takes Telegram's refusal.
    """
    message = query.message
    if message is not None and message.is_accessible:
        try:
            await query.edit_message_text(clip(text), parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except BadRequest as exc:
            if not any(reason in exc.message.lower() for reason in GONE):
                raise
    if message is not None:
        await message.chat.send_message(clip(text), parse_mode=ParseMode.HTML, reply_markup=markup)


async def show_buttons(query: CallbackQuery, markup: InlineKeyboardMarkup, *, text_if_gone: str | None = None) -> None:
    """Replace only the pressed message's buttons; when the message is gone, send `text_if_gone`
    with them as a fresh message (or nothing, when the answer to the press said it all)."""
    message = query.message
    if message is not None and message.is_accessible:
        try:
            await query.edit_message_reply_markup(markup)
            return
        except BadRequest as exc:
            if not any(reason in exc.message.lower() for reason in GONE):
                raise
    if message is not None and text_if_gone is not None:
        await message.chat.send_message(clip(text_if_gone), parse_mode=ParseMode.HTML, reply_markup=markup)
