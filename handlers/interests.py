"""/interests: the categories and centers a volunteer cares about, and the morning digest."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.common import CATEGORY_LABELS, category_label, center_name, reply, show
from handlers.context import BotContext
from handlers.gate import require_registration
from infra.i18n import Translator
from models.interests import (
    Interests,
    all_centers,
    interests_of,
    set_digest,
    toggle_category,
    toggle_center,
)
from models.tables import Center, Volunteer

CENTERS_PER_PAGE = 8


def render_interests(
    t: Translator, *, interests: Interests, centers: list[Center], page: int, digest_on: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """What is picked, a toggle per category and per center (one page of them), the digest switch."""
    picked_categories = [category_label(t, key) for key in CATEGORY_LABELS if key in interests.categories]
    picked_centers = [center_name(c, t.language) for c in centers if c.id in interests.center_ids]
    lines = [
        t.gettext("🎯 <b>Your interests</b>"),
        t.gettext("Pick the categories and centers you care about: /opportunities starts from them, soonest shift first."),
        "",
        t.gettext("Categories: {picked}").format(picked="، ".join(picked_categories) if t.rtl else ", ".join(picked_categories))
        if picked_categories else t.gettext("Categories: any"),
        t.gettext("Centers: {picked}").format(picked="، ".join(picked_centers) if t.rtl else ", ".join(picked_centers))
        if picked_centers else t.gettext("Centers: any"),
        "",
        t.gettext("☀️ Morning digest: on. Each morning (at most once a day) you get the new opportunities that match.")
        if digest_on
        else t.gettext("☀️ Morning digest: off. Turn it on to hear each morning about new opportunities that match."),
    ]
    pages = max(1, -(-len(centers) // CENTERS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    mark = "✅ "
    categories = [
        InlineKeyboardButton((mark if key in interests.categories else "") + category_label(t, key), callback_data=cd.ToggleCategory(key, page).data)
        for key in CATEGORY_LABELS
    ]
    shown = centers[page * CENTERS_PER_PAGE : (page + 1) * CENTERS_PER_PAGE]
    center_buttons = [
        InlineKeyboardButton((mark if c.id in interests.center_ids else "") + center_name(c, t.language)[:40], callback_data=cd.ToggleCenter(c.id or 0, page).data)
        for c in shown
    ]
    rows = [categories[i : i + 2] for i in range(0, len(categories), 2)]
    rows += [center_buttons[i : i + 2] for i in range(0, len(center_buttons), 2)]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(t.gettext("« More centers"), callback_data=cd.InterestsPage(page - 1).data))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(t.gettext("More centers »"), callback_data=cd.InterestsPage(page + 1).data))
    if nav:
        rows.append(nav)
    rows.append(
        [InlineKeyboardButton(t.gettext("🔕 Stop the morning digest"), callback_data=cd.DigestSetting("off", "interests").data)]
        if digest_on
        else [InlineKeyboardButton(t.gettext("☀️ Turn on the morning digest"), callback_data=cd.DigestSetting("on", "interests").data)]
    )
    rows.append([InlineKeyboardButton(t.gettext("🔎 Show matching opportunities"), callback_data=cd.BrowseMine().data)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _render(context: BotContext, session, volunteer: Volunteer, page: int) -> tuple[str, InlineKeyboardMarkup]:  # type: ignore[no-untyped-def]
    t = context.translator(volunteer.language)
    interests = await interests_of(session, volunteer_id=volunteer.id or 0)
    centers = await all_centers(session)
    return render_interests(t, interests=interests, centers=centers, page=page, digest_on=volunteer.digest_opt_in)


async def show_interests(update: Update, context: BotContext) -> None:
    """/interests: what the volunteer picked, with a toggle for each choice."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        text, markup = await _render(context, session, volunteer, 0)
    await reply(update, text, markup)


async def interests_page_button(update: Update, context: BotContext) -> None:
    """Another page of centers (also the way in from /settings and the lists)."""
    query = update.callback_query
    assert query is not None
    page = cd.InterestsPage.parse(query.data).page
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        text, markup = await _render(context, session, volunteer, page)
    await query.answer()
    await show(query, text, markup)


async def toggle_category_button(update: Update, context: BotContext) -> None:
    """Pick or unpick a category."""
    query = update.callback_query
    assert query is not None
    pressed = cd.ToggleCategory.parse(query.data)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        await toggle_category(session, volunteer_id=volunteer.id or 0, category=pressed.category)
        text, markup = await _render(context, session, volunteer, pressed.page)
    await query.answer()
    await show(query, text, markup)


async def toggle_center_button(update: Update, context: BotContext) -> None:
    """Pick or unpick a center; a center that is gone is refused."""
    query = update.callback_query
    assert query is not None
    pressed = cd.ToggleCenter.parse(query.data)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        toggled = await toggle_center(session, volunteer_id=volunteer.id or 0, center_id=pressed.center_id)
        text, markup = await _render(context, session, volunteer, pressed.page)
    t = context.translator(volunteer.language)
    if toggled is None:
        await query.answer(t.gettext("This center is no longer available."), show_alert=True)
    else:
        await query.answer()
    await show(query, text, markup)


async def digest_setting_button(update: Update, context: BotContext) -> None:
    """Turn the morning digest on or off (from /interests, or under a digest)."""
    query = update.callback_query
    assert query is not None
    pressed = cd.DigestSetting.parse(query.data)
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        set_digest(volunteer, on=pressed.value == "on", now=context.now())
        text, markup = await _render(context, session, volunteer, 0)
    t = context.translator(volunteer.language)
    if volunteer.digest_opt_in:
        await query.answer(t.gettext("Morning digest on: see you tomorrow morning."))
    else:
        await query.answer(t.gettext("Morning digest off. You can turn it on again in /interests."))
    if pressed.where == "interests":
        await show(query, text, markup)
