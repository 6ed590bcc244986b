"""Browsing opportunities: the paged list, its filters and the detail view."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import callback_data as cd
from handlers.callback_data import Browse, BrowseMine
from handlers.common import (
    CATEGORY_LABELS,
    category_label,
    center_name,
    esc,
    load_volunteer,
    localized,
    opportunity_title,
    reply,
    show,
)
from handlers.context import BotContext
from handlers.gate import require_registration
from handlers.offers import offer_buttons, offer_deadline
from handlers.qualifications import qualification_notes
from infra.i18n import Translator
from models.interests import InterestingPage, Interests, browse_interesting, interests_of
from models.opportunities import (
    BrowseFilter,
    OpportunityDetail,
    OpportunityPage,
    browse_opportunities,
    centers_with_open_opportunities,
    opportunity_detail,
)
from models.qualification_setup import opportunity_qualifications
from models.tables import Center, GenderRule, SignupStatus, Volunteer

DESCRIPTION_LIMIT = 1500


def render_list(
    t: Translator, page: OpportunityPage, state: Browse, centers: dict[int, Center], *, has_interests: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The list message: a heading with the active filters and one button per opportunity."""
    filters = []
    if state.center_id and state.center_id in centers:
        filters.append(center_name(centers[state.center_id], t.language))
    if state.category != "-":
        filters.append(category_label(t, state.category))
    if page.total == 0:
        text = t.gettext("No upcoming opportunities match right now. Try another filter or come back soon.")
    else:
        text = t.ngettext(
            "{n} upcoming opportunity. Tap one to see its shifts.",
            "{n} upcoming opportunities. Tap one to see its shifts.",
            page.total,
        ).format(n=t.number(page.total))
        if page.pages > 1:
            text += "\n" + t.gettext("Page {page} of {pages}").format(
                page=t.number(page.page + 1), pages=t.number(page.pages)
            )
    if filters:
        text = t.gettext("Filter: {filters}").format(filters=esc(" · ".join(filters))) + "\n" + text
    rows = [
        [InlineKeyboardButton(opportunity_title(o, t.language)[:60], callback_data=cd.ShowOpportunity(o.id or 0, state).data)]
        for o in page.items
    ]
    nav = []
    if page.page > 0:
        nav.append(InlineKeyboardButton(t.gettext("« Previous"), callback_data=Browse(page.page - 1, *state.filters_key()).data))
    if page.page < page.pages - 1:
        nav.append(InlineKeyboardButton(t.gettext("Next »"), callback_data=Browse(page.page + 1, *state.filters_key()).data))
    if nav:
        rows.append(nav)
    rows.append(
        [InlineKeyboardButton(t.gettext("🏢 Center"), callback_data=cd.FilterMenu("c", *state.filters_key()).data),
         InlineKeyboardButton(t.gettext("🏷 Category"), callback_data=cd.FilterMenu("k", *state.filters_key()).data)]
    )
    if state.center_id or state.category != "-":
        rows.append([InlineKeyboardButton(t.gettext("✖ Clear filters"), callback_data=Browse().data)])
    if has_interests:
        rows.append([InlineKeyboardButton(t.gettext("⭐ Show my interests"), callback_data=BrowseMine().data)])
    return text, InlineKeyboardMarkup(rows)


def render_detail(
    t: Translator, detail: OpportunityDetail, state: Browse | BrowseMine, notes: tuple[str, ...] = ()
) -> tuple[str, InlineKeyboardMarkup]:
    """Title, description, center, `notes` (what it requires or grants), each shift's time and
    seats, and a button per shift."""
    o, lang = detail.opportunity, t.language
    description = localized(o, "description", lang)
    if len(description) > DESCRIPTION_LIMIT:
        description = description[:DESCRIPTION_LIMIT] + "…"
    lines = [f"<b>{esc(opportunity_title(o, lang))}</b>", ""]
    if description:
        lines += [esc(description), ""]
    lines.append(t.gettext("🏢 Center: {center}").format(center=esc(center_name(detail.center, lang))))
    lines.append(t.gettext("🏷 Category: {category}").format(category=category_label(t, o.category)))
    if o.gender == GenderRule.MALE:
        lines.append(t.gettext("👤 For men only"))
    elif o.gender == GenderRule.FEMALE:
        lines.append(t.gettext("👤 For women only"))
    lines += notes
    rows = []
    if not detail.shifts:
        lines += ["", t.gettext("No shifts are open any more.")]
    for number, view in enumerate(detail.shifts, start=1):
        s = view.shift
        seats = (
            t.ngettext("{n} seat left", "{n} seats left", view.seats_left).format(n=t.number(view.seats_left))
            if view.seats_left
            else t.gettext("full (waitlist open)")
        )
        lines += ["", t.gettext("<b>Shift {number}</b>: {when}").format(number=t.number(number), when=t.span(s.starts_at, s.ends_at))]
        lines.append(seats)
        if view.my_status == SignupStatus.CONFIRMED:
            lines.append(t.gettext("✅ You are signed up."))
            rows.append([InlineKeyboardButton(t.gettext("Cancel shift {number}").format(number=t.number(number)), callback_data=cd.Cancel(view.my_signup_id or 0).data)])
        elif view.my_status == SignupStatus.OFFERED:
            lines.append(offer_deadline(t, view.my_offer_expires_at))
            rows.append(offer_buttons(t, view.my_signup_id or 0, number=t.number(number)))
        elif view.my_status == SignupStatus.WAITLISTED:
            lines.append(t.gettext("⏳ You are on the waitlist."))
            rows.append([InlineKeyboardButton(t.gettext("Leave waitlist {number}").format(number=t.number(number)), callback_data=cd.Cancel(view.my_signup_id or 0).data)])
        elif view.seats_left:
            rows.append([InlineKeyboardButton(t.gettext("✋ Sign up for shift {number}").format(number=t.number(number)), callback_data=cd.SignUp(s.id or 0).data)])
        else:
            rows.append([InlineKeyboardButton(t.gettext("⏳ Join waitlist for shift {number}").format(number=t.number(number)), callback_data=cd.JoinWaitlist(s.id or 0).data)])
    rows.append([InlineKeyboardButton(t.gettext("« Back to the list"), callback_data=state.data)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _page(context: BotContext, session, volunteer: Volunteer, state: Browse):  # type: ignore[no-untyped-def]
    page = await browse_opportunities(
        session,
        now=context.now(),
        filters=BrowseFilter(
            center_id=state.center_id or None,
            category=None if state.category == "-" else state.category,
            gender=volunteer.gender,
        ),
        page=state.page,
        page_size=context.settings.page_size,
    )
    centers = {c.id: c for c in await centers_with_open_opportunities(session, now=context.now())} if state.center_id else {}
    return page, centers


async def list_opportunities(update: Update, context: BotContext) -> None:
    """/opportunities and the menu button: the first page, no filters."""
    async with context.transaction() as session:
        volunteer = await require_registration(update, context, session)
        if volunteer is None:
            return
        t = context.translator(volunteer.language)
        interests = await interests_of(session, volunteer_id=volunteer.id or 0)
        if interests.any:
            mine = await _mine(context, session, volunteer, interests, 0)
        else:
            page, centers = await _page(context, session, volunteer, Browse())
    if interests.any:
        await reply(update, *render_mine(t, mine))
        return
    text, markup = render_list(t, page, Browse(), centers)
    await reply(update, text, markup)


async def page_opportunities_button(update: Update, context: BotContext) -> None:
    """Paging and filtering buttons of the list."""
    query = update.callback_query
    assert query is not None
    state = Browse.parse(query.data)
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
        t = context.translator(volunteer.language)
        page, centers = await _page(context, session, volunteer, state)
        has_interests = (await interests_of(session, volunteer_id=volunteer.id or 0)).any
    await query.answer()
    text, markup = render_list(t, page, state, centers, has_interests=has_interests)
    await show(query, text, markup)


async def filter_menu_button(update: Update, context: BotContext) -> None:
    """Choose a center or a category to filter the list by."""
    query = update.callback_query
    assert query is not None
    menu = cd.FilterMenu.parse(query.data)
    which, center_id, category = menu.which, menu.center_id, menu.category
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
        t = context.translator(volunteer.language)
        centers = await centers_with_open_opportunities(session, now=context.now())
    if which == "c":
        text = t.gettext("Show opportunities of which center?")
        rows = [[InlineKeyboardButton(center_name(c, t.language), callback_data=Browse(0, c.id or 0, category).data)] for c in centers]
        rows.append([InlineKeyboardButton(t.gettext("All centers"), callback_data=Browse(0, 0, category).data)])
    else:
        text = t.gettext("Show opportunities of which category?")
        labels = [(key, category_label(t, key)) for key in CATEGORY_LABELS]
        rows = [
            [InlineKeyboardButton(label, callback_data=Browse(0, center_id, key).data) for key, label in labels[i : i + 2]]
            for i in range(0, len(labels), 2)
        ]
        rows.append([InlineKeyboardButton(t.gettext("All categories"), callback_data=Browse(0, center_id, "-").data)])
    await query.answer()
    await show(query, text, InlineKeyboardMarkup(rows))


async def show_opportunity_button(update: Update, context: BotContext) -> None:
    """The detail view of one opportunity."""
    query = update.callback_query
    assert query is not None
    shown = cd.ShowOpportunity.parse(query.data)
    await _show_detail(update, context, shown.opportunity_id, shown.state)


async def _show_detail(update: Update, context: BotContext, opportunity_id: int, state: Browse | BrowseMine) -> None:
    query = update.callback_query
    assert query is not None
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
        t = context.translator(volunteer.language)
        detail = await opportunity_detail(session, opportunity_id=opportunity_id, now=context.now(), volunteer_id=volunteer.id)
        links = await opportunity_qualifications(session, opportunity_id=opportunity_id)
    if detail is None:
        await query.answer(t.gettext("This opportunity is no longer available."), show_alert=True)
        return
    await query.answer()
    text, markup = render_detail(t, detail, state, qualification_notes(t, links))
    await show(query, text, markup)


# -- Browsing from the volunteer's interests (issue 12) ---------------------------------------------
def render_mine(t: Translator, page: InterestingPage) -> tuple[str, InlineKeyboardMarkup]:
    """The list narrowed to the volunteer's interests, the soonest shift first, with a way to all."""
    lines = [t.gettext("⭐ <b>Showing your interests</b>, the soonest shift first.")]
    if page.total == 0:
        lines.append(t.gettext("Nothing matching your interests is open right now. Show all, or widen your interests."))
    else:
        lines.append(
            t.ngettext(
                "{n} upcoming opportunity matches. Tap one to see its shifts.",
                "{n} upcoming opportunities match. Tap one to see its shifts.",
                page.total,
            ).format(n=t.number(page.total))
        )
        if page.pages > 1:
            lines.append(t.gettext("Page {page} of {pages}").format(page=t.number(page.page + 1), pages=t.number(page.pages)))
        lines.append("")
        for o in page.items:
            start = page.next_start[o.id or 0]
            lines.append(
                t.gettext("• {title}: next shift {when}").format(
                    title=esc(opportunity_title(o, t.language)), when=f"{t.day(start)} {t.time(start)}"
                )
            )
    rows = [
        [InlineKeyboardButton(opportunity_title(o, t.language)[:60], callback_data=cd.ShowMine(o.id or 0, page.page).data)]
        for o in page.items
    ]
    nav = []
    if page.page > 0:
        nav.append(InlineKeyboardButton(t.gettext("« Previous"), callback_data=BrowseMine(page.page - 1).data))
    if page.page < page.pages - 1:
        nav.append(InlineKeyboardButton(t.gettext("Next »"), callback_data=BrowseMine(page.page + 1).data))
    if nav:
        rows.append(nav)
    rows.append(
        [InlineKeyboardButton(t.gettext("🌐 Show all"), callback_data=Browse().data),
         InlineKeyboardButton(t.gettext("🎯 My interests"), callback_data=cd.InterestsPage().data)]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _mine(context: BotContext, session, volunteer: Volunteer, interests: Interests, page: int) -> InterestingPage:  # type: ignore[no-untyped-def]
    return await browse_interesting(
        session, now=context.now(), interests=interests, gender=volunteer.gender, page=page, page_size=context.settings.page_size
    )


async def page_mine_button(update: Update, context: BotContext) -> None:
    """Paging of the list narrowed to the volunteer's interests."""
    query = update.callback_query
    assert query is not None
    state = BrowseMine.parse(query.data)
    async with context.transaction() as session:
        volunteer = await load_volunteer(session, update, context)
        t = context.translator(volunteer.language)
        interests = await interests_of(session, volunteer_id=volunteer.id or 0)
        mine = await _mine(context, session, volunteer, interests, state.page)
    await query.answer()
    await show(query, *render_mine(t, mine))


async def show_mine_button(update: Update, context: BotContext) -> None:
    """An opportunity opened from the interests list or the morning digest."""
    query = update.callback_query
    assert query is not None
    shown = cd.ShowMine.parse(query.data)
    await _show_detail(update, context, shown.opportunity_id, BrowseMine(shown.page))
