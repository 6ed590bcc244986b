"""/newopp: a guided conversation that creates an opportunity, previews it and publishes it.

The draft lives in the coordinator's conversation JSON, so a restart in the middle loses nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop

from handlers import callback_data as cd
from handlers.common import category_label, center_name, esc, reply, show
from handlers.context import BotContext
from handlers.coordinator.access import (
    parse_or_refuse,
    peek_conversation,
    refuse_forged,
    require_staff,
)
from handlers.coordinator.onsite import shift_problem_text
from infra.i18n import Translator
from models.authoring import (
    DESCRIPTION_MAX,
    MIN_AGE_CHOICES,
    TITLE_MAX,
    OpportunityDraft,
    ShiftSpecError,
    parse_shift_series,
    publish_opportunity,
    within,
)
from models.coordination import managed_centers
from models.tables import CATEGORIES, Center, GenderRule, Volunteer
from models.volunteers import read_conversation, write_conversation

FLOW = "new_opportunity"
TEXT_STEPS = ("title_ar", "title_en", "description_ar", "description_en")
MAX_SHIFTS = 60  # a few weekly series of up to 26 weeks


def _load(volunteer: Volunteer) -> tuple[str, OpportunityDraft]:
    state = read_conversation(volunteer)
    return state.get("step", ""), OpportunityDraft(**state.get("draft", {}))


def _save(volunteer: Volunteer, step: str, draft: OpportunityDraft) -> None:
    write_conversation(volunteer, {"flow": FLOW, "step": step, "draft": asdict(draft)})


def _prompt(t: Translator, step: str) -> str:
    return {
        "title_ar": t.gettext("1/8 · Send the opportunity's title in Arabic."),
        "title_en": t.gettext("2/8 · Send the title in English."),
        "description_ar": t.gettext("3/8 · Send the description in Arabic (or - to leave it empty)."),
        "description_en": t.gettext("4/8 · Send the description in English (or - to leave it empty)."),
        "center": t.gettext("5/8 · Which center runs it?"),
        "category": t.gettext("6/8 · Which category?"),
        "gender": t.gettext("7/8 · Who may join?"),
        "site": t.gettext("8/8 · Share the site's location with 📎 → Location, or skip (check-in will then be by QR code only)."),
        "shifts": t.gettext("Now send the shifts, one per line: 2026-12-05 16:00-20:00 25 (date, start-end, seats). Press ✅ Preview when done.")
        + "\n" + t.gettext("To repeat a shift every week, add the number of weeks: 2026-12-04 16:00-19:00 25 weekly 8. An end time earlier than the start means the next day (22:00-02:00)."),
    }[step]


async def _ask(update: Update, session: AsyncSession, t: Translator, step: str, actor_centers: list[Center]) -> None:
    markup = None
    if step == "center":
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(center_name(c, t.language)[:60], callback_data=cd.NewOpportunity("ctr", str(c.id or 0)).data)] for c in actor_centers[:20]])
    elif step == "category":
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(category_label(t, c), callback_data=cd.NewOpportunity("cat", c).data)] for c in CATEGORIES])
    elif step == "gender":
        markup = InlineKeyboardMarkup([[
            InlineKeyboardButton(t.gettext("Everyone"), callback_data=cd.NewOpportunity("gen", GenderRule.ALL.value).data),
            InlineKeyboardButton(t.gettext("Men only"), callback_data=cd.NewOpportunity("gen", GenderRule.MALE.value).data),
            InlineKeyboardButton(t.gettext("Women only"), callback_data=cd.NewOpportunity("gen", GenderRule.FEMALE.value).data),
        ]])
    elif step == "site":
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("Skip"), callback_data=cd.NewOpportunity("site", "skip").data)]])
    elif step == "shifts":
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("✅ Preview"), callback_data=cd.NewOpportunity("pub", "preview").data)]])
    await reply(update, _prompt(t, step), markup)


async def start_new_opportunity(update: Update, context: BotContext) -> None:
    """/newopp."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="opportunity.create")
        if actor is None:
            return
        if not await managed_centers(session, actor=actor):
            await reply(update, t.gettext("You are not assigned to any center yet. Ask an admin."))
            return
        _save(actor.volunteer, "title_ar", OpportunityDraft())
    await reply(update, _prompt(t, "title_ar"))


async def new_opportunity_text(update: Update, context: BotContext, session: AsyncSession, volunteer: Volunteer) -> None:
    """Text flow: titles, descriptions and shift lines."""
    message = update.effective_message
    assert message is not None
    actor, t = await require_staff(update, context, session, action="opportunity.create")
    if actor is None:
        write_conversation(volunteer, None)
        return
    step, draft = _load(volunteer)
    text = message.text or ""
    if step in TEXT_STEPS:
        limit = TITLE_MAX if step.startswith("title") else DESCRIPTION_MAX
        value = "" if step.startswith("description") and text.strip() == "-" else within(text, limit)
        if value is None:
            await reply(update, t.gettext("Please send a text of at most {n} characters.").format(n=t.number(limit)))
            return
        setattr(draft, step, value)
        following = TEXT_STEPS[TEXT_STEPS.index(step) + 1] if step != TEXT_STEPS[-1] else "center"
        _save(volunteer, following, draft)
        await _ask(update, session, t, following, await managed_centers(session, actor=actor))
        return
    if step == "shifts":
        shifts = list(draft.shifts or [])
        for line in [line for line in text.splitlines() if line.strip()]:
            try:
                series = parse_shift_series(line, zone=context.settings.zone, now=context.now())
            except ShiftSpecError as error:
                await reply(update, esc(line) + "\n" + shift_problem_text(t, error.problem))
                return
            shifts.extend(spec.to_json() for spec in series)
        draft.shifts = shifts[:MAX_SHIFTS]
        _save(volunteer, "shifts", draft)
        await reply(update, t.ngettext("{n} shift added so far. Send more, or press ✅ Preview.", "{n} shifts added so far. Send more, or press ✅ Preview.", len(draft.shifts)).format(n=t.number(len(draft.shifts))),
                    InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("✅ Preview"), callback_data=cd.NewOpportunity("pub", "preview").data)]]))
        return
    await _ask(update, session, t, step, await managed_centers(session, actor=actor))  # waiting for a button: ask again


async def new_opportunity_location(update: Update, context: BotContext) -> None:
    """The site's location (group -1: locations outside this flow are check-ins)."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    state = await peek_conversation(update, context)
    if state.get("flow") != FLOW or state.get("step") != "site":
        return
    async with context.unit_of_work(update) as session:
        if session is not None:
            actor, t = await require_staff(update, context, session, action="opportunity.create")
            if actor is not None:
                _, draft = _load(actor.volunteer)
                draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
                _save(actor.volunteer, "shifts", draft)
                await _ask(update, session, t, "shifts", [])
    raise ApplicationHandlerStop


def render_preview(t: Translator, draft: OpportunityDraft, center: Center | None) -> str:
    from handlers.common import localized

    gender = {GenderRule.ALL.value: t.gettext("Everyone"), GenderRule.MALE.value: t.gettext("Men only"), GenderRule.FEMALE.value: t.gettext("Women only")}[draft.gender]
    lines = [
        t.gettext("👀 <b>Preview</b> — this is how volunteers will see it:"), "",
        f"<b>{esc(localized(draft, 'title', t.language))}</b>",
        f"{esc(center_name(center, t.language) if center else '')} · {category_label(t, draft.category or '')} · {gender}",
        "", esc(localized(draft, "description", t.language)), "",
    ]
    lines += [f"• {t.span(s.starts_at, s.ends_at)} · " + t.gettext("Seats taken: {taken} of {capacity}").format(taken=t.number(0), capacity=t.number(s.capacity)) for s in draft.shift_specs()]
    if draft.latitude is None:
        lines.append(t.gettext("📍 No site location: check-in by QR code only."))
    if draft.min_age:
        lines.append(t.gettext("🔞 For volunteers aged {age} and over.").format(age=t.number(draft.min_age)))
    return "\n".join(lines)


def preview_markup(t: Translator, draft: OpportunityDraft) -> InlineKeyboardMarkup:
    """Publish or discard, and the minimum age (issue 13): the chosen one is marked."""
    def age(value: int) -> InlineKeyboardButton:
        label = t.gettext("Any age") if value == 0 else t.gettext("{age}+").format(age=t.number(value))
        chosen = (draft.min_age or 0) == value
        return InlineKeyboardButton(("• " if chosen else "") + label, callback_data=cd.NewOpportunityAge(value).data)
    return InlineKeyboardMarkup([
        [age(value) for value in MIN_AGE_CHOICES],
        [InlineKeyboardButton(t.gettext("🚀 Publish"), callback_data=cd.NewOpportunity("pub", "go").data),
         InlineKeyboardButton(t.gettext("🗑 Discard"), callback_data=cd.NewOpportunity("drop", "1").data)],
    ])


async def min_age_button(update: Update, context: BotContext) -> None:
    """Any age / 12+ / 16+ / 18+ on the preview: set the draft's minimum age and show it again."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.NewOpportunityAge, action="opportunity.create")
    if parsed is None:
        return
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="opportunity.create")
        if actor is None:
            return
        step, draft = _load(actor.volunteer)
        if read_conversation(actor.volunteer).get("flow") != FLOW or step != "preview" or parsed.min_age not in MIN_AGE_CHOICES:
            await query.answer(t.gettext("This draft is no longer open. Send /newopp to start again."), show_alert=True)
            return
        draft.min_age = parsed.min_age or None
        _save(actor.volunteer, "preview", draft)
        center = await session.get(Center, draft.center_id) if draft.center_id else None
    await query.answer()
    await show(query, render_preview(t, draft, center), preview_markup(t, draft))


async def new_opportunity_button(update: Update, context: BotContext) -> None:
    """A choice of center, category, gender or site; preview, publish or discard."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.NewOpportunity, action="opportunity.create")
    if parsed is None:
        return
    field, value = parsed.field, parsed.value
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="opportunity.create")
        if actor is None:
            return
        state = read_conversation(actor.volunteer)
        if state.get("flow") != FLOW:
            await query.answer(t.gettext("This draft is no longer open. Send /newopp to start again."), show_alert=True)
            return
        step, draft = _load(actor.volunteer)
        centers = await managed_centers(session, actor=actor)
        following: str | None = None
        answer: Any = None
        forged = False
        if field == "ctr" and step == "center" and value.isdigit():
            center_id = int(value)
            allowed, t = await require_staff(update, context, session, action="opportunity.create", center_id=center_id, target=f"center:{center_id}")
            if allowed is None:
                return
            draft.center_id, following = center_id, "category"
        elif field == "cat" and step == "category" and value in CATEGORIES:
            draft.category, following = value, "gender"
        elif field == "gen" and step == "gender" and value in tuple(GenderRule):
            draft.gender, following = value, "site"
        elif field == "site" and step == "site" and value == "skip":
            following = "shifts"
        elif field == "pub" and value == "preview" and step in ("shifts", "preview"):
            if not draft.shifts:
                await query.answer(t.gettext("Please add at least one shift first."), show_alert=True)
                return
            following = "preview"
        elif field == "pub" and value == "go" and step == "preview" and draft.complete():
            if not actor.manages(draft.center_id):
                await require_staff(update, context, session, action="opportunity.create", center_id=draft.center_id)
                return
            opportunity = await publish_opportunity(session, draft=draft, actor_telegram_id=actor.telegram_id,
                                                    radius_m=context.settings.default_radius_m, now=context.now())
            write_conversation(actor.volunteer, None)
            answer = t.gettext("✅ Published! Volunteers can now find it under 🔎 Opportunities (reference {ref}). Use /shifts for its QR codes.").format(ref=opportunity.ref)
        elif field == "drop":
            write_conversation(actor.volunteer, None)
            answer = t.gettext("The draft was discarded.")
        else:
            forged = True
        if following is not None:
            _save(actor.volunteer, following, draft)
        center = await session.get(Center, draft.center_id) if draft.center_id else None
    if forged:  # a choice that does not fit this step: stale (pressed twice) or made up
        await refuse_forged(update, context, action="opportunity.create")
        return
    await query.answer()
    if answer is not None:
        await show(query, answer)
    elif following == "preview":
        await reply(update, render_preview(t, draft, center), preview_markup(t, draft))
    else:
        assert following is not None
        await _ask(update, session, t, following, centers)
