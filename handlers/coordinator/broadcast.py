"""/broadcast: compose, choose the audience, count, preview, confirm once, follow the progress."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationHandlerStop

from handlers import callback_data as cd
from handlers.common import center_name, esc, load_volunteer, opportunity_title, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, peek_conversation, require_staff
from handlers.coordinator.broadcast_progress import follow_progress
from handlers.notices.announcements import announcement_text
from infra.i18n import Translator
from models.audit import record_action
from models.broadcasts import (
    ACTIVE_DAYS,
    Audience,
    BadAudience,
    ConfirmOutcome,
    audience_center,
    audience_subject,
    cancel_draft,
    confirm_broadcast,
    create_draft,
    opportunities_to_address,
    remember_progress_message,
    shifts_to_address,
)
from models.coordination import Actor, managed_centers
from models.tables import LANGUAGES, BroadcastStatus, Volunteer
from models.volunteers import read_conversation, write_conversation

FLOW = "broadcast"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MENU_LIMIT = 20


def _too_long(context: BotContext, text: str, has_photo: bool) -> bool:
    # The header differs per language; the longest rendering must fit.
    limit = CAPTION_LIMIT if has_photo else TEXT_LIMIT
    return any(len(announcement_text(context.translator(lang), text)) > limit for lang in LANGUAGES)


def audience_menu(t: Translator, scoped: bool) -> InlineKeyboardMarkup:
    everyone = t.gettext("👥 Everyone in my centers") if scoped else t.gettext("👥 Everyone")
    rows = [
        [InlineKeyboardButton(everyone, callback_data=cd.BroadcastAudience("all").data)],
        [InlineKeyboardButton(t.gettext("🏢 One center"), callback_data=cd.BroadcastAudience("menu", "center").data),
         InlineKeyboardButton(t.gettext("📌 An opportunity or shift"), callback_data=cd.BroadcastAudience("menu", "opportunity").data)],
        [InlineKeyboardButton(t.gettext("⏳ Waitlisted"), callback_data=cd.BroadcastAudience("waitlisted").data),
         InlineKeyboardButton(t.gettext("🌐 One language"), callback_data=cd.BroadcastAudience("menu", "lang").data)],
        [InlineKeyboardButton(t.gettext("🔥 Active recently"), callback_data=cd.BroadcastAudience("menu", "active").data),
         InlineKeyboardButton(t.gettext("🌱 Never completed a shift"), callback_data=cd.BroadcastAudience("never").data)],
        [InlineKeyboardButton(t.gettext("✖️ Cancel"), callback_data=cd.BroadcastAudience("stop").data)],
    ]
    return InlineKeyboardMarkup(rows)


async def describe_audience(session: AsyncSession, t: Translator, audience: Audience, scoped: bool) -> str:
    kind = audience.kind
    subject = await audience_subject(session, audience=audience)
    if kind == "center":
        center = subject.center
        return t.gettext("volunteers of {center}").format(center=esc(center_name(center, t.language) if center else "?"))
    if kind == "opportunity":
        opportunity = subject.opportunity
        title = opportunity_title(opportunity, t.language) if opportunity else "?"
        return t.gettext("volunteers signed up for {title}").format(title=esc(title))
    if kind == "shift":
        shift, opportunity = subject.shift, subject.opportunity
        title = opportunity_title(opportunity, t.language) if opportunity else "?"
        when = t.span(shift.starts_at, shift.ends_at) if shift else ""
        return t.gettext("volunteers signed up for {title}, {when}").format(title=esc(title), when=when)
    texts = {
        "all": t.gettext("every registered volunteer"),
        "waitlisted": t.gettext("volunteers waiting on a waitlist"),
        "never": t.gettext("volunteers who never completed a shift"),
    }
    if kind == "lang":
        text = t.gettext("volunteers who use Arabic") if audience.arg == "ar" else t.gettext("volunteers who use English")
    elif kind == "active":
        text = t.ngettext(
            "volunteers active in the last {n} day", "volunteers active in the last {n} days", audience.number
        ).format(n=t.number(audience.number))
    else:
        text = texts[kind]
    return text + (" " + t.gettext("(in the centers you manage)") if scoped else "")


async def start_broadcast(update: Update, context: BotContext) -> None:
    """/broadcast: ask for the message."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="broadcast.start")
        if actor is None:
            return
        write_conversation(actor.volunteer, {"flow": FLOW})
    await reply(
        update,
        t.gettext("📢 Send me the message for the volunteers: a text, or a photo with a caption."),
        InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("✖️ Cancel"), callback_data=cd.BroadcastAudience("stop").data)]]),
    )


async def _take_message(
    update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer, text: str, photo: str | None
) -> None:
    actor, t = await require_staff(update, context, session, action="broadcast.compose")
    if actor is None:
        write_conversation(volunteer, None)
        return
    text = text.strip()
    if not text and photo is None:
        await reply(update, t.gettext("The message is empty. Please send the text of the message."))
        return
    if _too_long(context, text, photo is not None):
        limit = CAPTION_LIMIT if photo else TEXT_LIMIT
        await reply(
            update,
            t.gettext("This message is too long: with the heading volunteers see, it must stay under {limit} characters. Please shorten it and send it again.").format(
                limit=t.number(limit)
            ),
        )
        return
    write_conversation(volunteer, {"flow": FLOW, "text": text, "photo": photo})
    await reply(update, t.gettext("Who should receive it?"), audience_menu(t, scoped=not actor.is_admin))


async def broadcast_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Text flow: the broadcast's text."""
    message = update.effective_message
    assert message is not None
    await _take_message(update, context, session, volunteer, message.text or "", None)


async def broadcast_photo(update: Update, context: BotContext) -> None:
    """A photo while composing a broadcast (group -1: other photos go on to the volunteer handlers)."""
    message = update.effective_message
    if message is None or not message.photo:
        return
    if (await peek_conversation(update, context)).get("flow") != FLOW:
        return
    async with context.unit_of_work(update) as session:
        if session is not None:
            volunteer = await load_volunteer(session, update, context)
            await _take_message(update, context, session, volunteer, message.caption or "", message.photo[-1].file_id)
    raise ApplicationHandlerStop


async def _submenu(session: AsyncSession, t: Translator, actor: Actor, which: str, now: Any) -> tuple[str, InlineKeyboardMarkup] | None:
    back = [InlineKeyboardButton(t.gettext("⬅️ Back"), callback_data=cd.BroadcastAudience("menu", "root").data)]
    if which == "center":
        centers = await managed_centers(session, actor=actor)
        rows = [[InlineKeyboardButton(center_name(c, t.language)[:60], callback_data=cd.BroadcastAudience("center", str(c.id or 0)).data)] for c in centers[:MENU_LIMIT]]
        return t.gettext("Which center?"), InlineKeyboardMarkup([*rows, back])
    if which == "lang":
        rows = [[InlineKeyboardButton("العربية", callback_data=cd.BroadcastAudience("lang", "ar").data),
                 InlineKeyboardButton("English", callback_data=cd.BroadcastAudience("lang", "en").data)]]
        return t.gettext("Volunteers who use which language?"), InlineKeyboardMarkup([*rows, back])
    if which == "active":
        rows = [[InlineKeyboardButton(t.ngettext("{n} day", "{n} days", d).format(n=t.number(d)), callback_data=cd.BroadcastAudience("active", str(d)).data) for d in ACTIVE_DAYS]]
        return t.gettext("Volunteers who came to a shift in the last…"), InlineKeyboardMarkup([*rows, back])
    if which == "opportunity":
        opportunities = await opportunities_to_address(session, actor=actor, now=now, limit=MENU_LIMIT)
        if not opportunities:
            return t.gettext("No upcoming opportunity in your centers."), InlineKeyboardMarkup([back])
        rows = [[InlineKeyboardButton(opportunity_title(o, t.language)[:60], callback_data=cd.BroadcastAudience("menu", f"o{o.id}").data)] for o in opportunities]
        return t.gettext("Which opportunity?"), InlineKeyboardMarkup([*rows, back])
    if which.startswith("o") and which[1:].isdigit():
        found = await shifts_to_address(session, actor=actor, opportunity_id=int(which[1:]), now=now, limit=MENU_LIMIT)
        if found is None:
            return None
        opportunity, shifts = found.opportunity, found.shifts
        rows = [[InlineKeyboardButton(t.gettext("Every shift of this opportunity"), callback_data=cd.BroadcastAudience("opportunity", str(opportunity.id or 0)).data)]]
        rows += [[InlineKeyboardButton(t.span(s.starts_at, s.ends_at)[:60], callback_data=cd.BroadcastAudience("shift", str(s.id or 0)).data)] for s in shifts]
        return esc(opportunity_title(opportunity, t.language)), InlineKeyboardMarkup([*rows, back])
    if which == "root":
        return t.gettext("Who should receive it?"), audience_menu(t, scoped=not actor.is_admin)
    return None


async def choose_audience_button(update: Update, context: BotContext) -> None:
    """An audience button: a sub-menu, or the audience itself (then count and preview)."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.BroadcastAudience, action="broadcast.audience")
    if parsed is None:
        return
    kind, arg = parsed.kind, parsed.arg
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="broadcast.audience", target=f"{kind}:{arg}")
        if actor is None:
            return
        volunteer = actor.volunteer
        state = read_conversation(volunteer)
        if kind == "stop":
            write_conversation(volunteer, None)
            await query.answer()
            await show(query, t.gettext("The broadcast was cancelled. Nothing was sent."))
            return
        if state.get("flow") != FLOW or ("text" not in state and "photo" not in state):
            await query.answer(t.gettext("This broadcast is no longer being prepared. Send /broadcast to start again."), show_alert=True)
            return
        if kind == "menu":
            menu = await _submenu(session, t, actor, arg, context.now())
            if menu is None:
                await record_action(session, actor_telegram_id=actor.telegram_id, action="broadcast.audience", target=f"menu:{arg}", allowed=False, detail="stale or forged", now=context.now())
                await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)
                return
            await query.answer()
            await show(query, *menu)
            return
        try:
            audience = Audience.parse(kind if arg == "-" else f"{kind}:{arg}")
        except BadAudience:
            await record_action(session, actor_telegram_id=actor.telegram_id, action="broadcast.audience", target=f"{kind}:{arg}", allowed=False, detail="bad audience", now=context.now())
            await query.answer(t.gettext("This button is no longer valid. Please open the menu again."), show_alert=True)
            return
        center_id = await audience_center(session, audience)
        if center_id is not None:
            allowed, t = await require_staff(
                update, context, session, action="broadcast.audience", center_id=center_id if center_id > 0 else None,
                missing_target=center_id < 0, target=str(audience),
            )
            if allowed is None:
                return
        draft = await create_draft(session, actor=actor, text=state.get("text", ""), photo_file_id=state.get("photo"), audience=audience, now=context.now())
        described = await describe_audience(session, t, audience, scoped=not actor.is_admin and center_id is None)
        if draft.recipients == 0:
            draft.status = BroadcastStatus.CANCELLED
            await query.answer()
            await show(query, t.gettext("Nobody is in this audience ({audience}). Please choose another one.").format(audience=described), audience_menu(t, scoped=not actor.is_admin))
            return
        write_conversation(volunteer, None)
    await query.answer()
    preview = announcement_text(t, draft.text)
    chat = update.effective_chat
    assert chat is not None
    if draft.photo_file_id:
        await chat.send_photo(draft.photo_file_id, caption=preview, parse_mode=ParseMode.HTML)
    else:
        await reply(update, preview)
    summary = t.gettext("👆 This is how the volunteers will see it.") + "\n" + t.ngettext(
        "Audience: {audience}. It will be sent to {n} volunteer.",
        "Audience: {audience}. It will be sent to {n} volunteers.",
        draft.recipients,
    ).format(audience=described, n=t.number(draft.recipients))
    buttons = InlineKeyboardMarkup([
        [InlineKeyboardButton(t.gettext("✅ Send now"), callback_data=cd.BroadcastConfirm(draft.id or 0).data)],
        [InlineKeyboardButton(t.gettext("✖️ Cancel"), callback_data=cd.BroadcastCancel(draft.id or 0).data)],
    ])
    await reply(update, summary, buttons)


async def confirm_broadcast_button(update: Update, context: BotContext) -> None:
    """✅ Send now: queue the broadcast once, then follow its progress in this message."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.BroadcastConfirm, action="broadcast.confirm")
    if parsed is None:
        return
    broadcast_id = parsed.broadcast_id
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="broadcast.confirm", target=f"broadcast:{broadcast_id}")
        if actor is None:
            return
        result = await confirm_broadcast(session, actor=actor, broadcast_id=broadcast_id, now=context.now())
        allowed = result.outcome != ConfirmOutcome.GONE
        await record_action(
            session, actor_telegram_id=actor.telegram_id, action="broadcast.confirm", target=f"broadcast:{broadcast_id}",
            allowed=allowed, detail=f"{result.outcome} queued={result.queued}", now=context.now(),
        )
    texts = {
        ConfirmOutcome.ALREADY: t.gettext("This broadcast was already sent. It is never sent twice."),
        ConfirmOutcome.DUPLICATE: t.gettext("You sent the same message to the same audience less than a minute ago, so it was not sent again."),
        ConfirmOutcome.EMPTY: t.gettext("Nobody is in this audience any more, so nothing was sent."),
        ConfirmOutcome.GONE: t.gettext("This broadcast is no longer available."),
    }
    if result.outcome != ConfirmOutcome.QUEUED:
        await query.answer(texts[result.outcome], show_alert=True)
        if result.outcome in (ConfirmOutcome.DUPLICATE, ConfirmOutcome.EMPTY):
            await show(query, texts[result.outcome])
        return
    await query.answer(t.gettext("Sending…"))
    assert result.broadcast is not None
    message = query.message
    assert message is not None
    if not message.is_accessible:  # the preview is gone (deleted, or too old): report in a new message
        message = await message.chat.send_message(t.gettext("Sending…"))
    async with context.transaction() as session:
        await remember_progress_message(session, broadcast_id=broadcast_id, chat_id=message.chat.id, message_id=message.message_id)
    await follow_progress(context, broadcast_id)


async def cancel_broadcast_button(update: Update, context: BotContext) -> None:
    """✖️ Cancel on the preview: drop the draft."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.BroadcastCancel, action="broadcast.cancel")
    if parsed is None:
        return
    broadcast_id = parsed.broadcast_id
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="broadcast.cancel", target=f"broadcast:{broadcast_id}")
        if actor is None:
            return
        dropped = await cancel_draft(session, actor=actor, broadcast_id=broadcast_id)
    if not dropped:
        await query.answer(t.gettext("This broadcast is no longer available."), show_alert=True)
        return
    await query.answer()
    await show(query, t.gettext("The broadcast was cancelled. Nothing was sent."))
