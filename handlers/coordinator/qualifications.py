"""/newqual, /oppqual, /grantqual and /revokequal: defining qualifications, linking them to
opportunities, and granting or withdrawing them by hand (audited; the volunteer is told)."""

from __future__ import annotations

from telegram import Update

from handlers.common import esc, opportunity_title, reply
from handlers.context import BotContext
from handlers.coordinator.access import require_staff
from handlers.qualifications import official_day, qualification_name
from infra.i18n import Translator
from models.qualification_setup import (
    DefineProblem,
    LinkOutcome,
    all_qualifications,
    define_qualification,
    link_opportunity,
    opportunity_by_ref,
    parse_definition,
    qualification_by_code,
)
from models.qualifications import HandOutcome, grant_by_hand, revoke_by_hand
from models.tables import Qualification
from models.volunteers import volunteers_by_id_or_phone


def _known(t: Translator, qualifications: list[Qualification]) -> str:
    if not qualifications:
        return t.gettext("No qualification is defined yet (admins: /newqual).")
    lines = [t.gettext("Qualifications:")]
    for q in qualifications:
        months = (t.ngettext("{n} month", "{n} months", q.validity_months).format(n=t.number(q.validity_months))
                  if q.validity_months else t.gettext("no end date"))
        lines.append(f"• <code>{esc(q.code)}</code>: {qualification_name(t, q)} ({months})")
    return "\n".join(lines)


async def new_qualification_command(update: Update, context: BotContext) -> None:
    """/newqual code | name_ar | name_en | validity months (admins): define or update one."""
    text = " ".join(context.args or [])
    now = context.now()
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="qualification.define", admin_only=True)
        if actor is None:
            return
        draft = parse_definition(text) if text.strip() else DefineProblem.FORMAT
        if isinstance(draft, DefineProblem):
            problems = {
                DefineProblem.FORMAT: "",
                DefineProblem.CODE: t.gettext("The code must be 2 to 64 Latin letters, digits, - or _."),
                DefineProblem.NAME: t.gettext("Both names are needed (at most 200 characters each)."),
                DefineProblem.MONTHS: t.gettext("The validity is a whole number of months (at most 120), or empty for no end date."),
            }
            usage = esc(t.gettext("Usage: /newqual code | Arabic name | English name | validity in months\n"
                                  "Example: /newqual first-aid | الإسعافات الأولية | First aid | 24"))
            known = _known(t, await all_qualifications(session))
            await reply(update, "\n\n".join(part for part in (problems[draft], usage, known) if part))
            return
        qualification, created = await define_qualification(session, draft=draft, actor_telegram_id=actor.telegram_id, now=now)
    text = (t.gettext("✅ Qualification <b>{name}</b> (<code>{code}</code>) defined.") if created
            else t.gettext("✅ Qualification <b>{name}</b> (<code>{code}</code>) updated."))
    await reply(update, text.format(name=qualification_name(t, qualification), code=esc(qualification.code)) + "\n"
                + esc(t.gettext("Link it to an opportunity with /oppqual <ref> grants|requires <code>.")))


async def link_opportunity_command(update: Update, context: BotContext) -> None:
    """/oppqual <opportunity ref> grants|requires <qualification code>."""
    args = context.args or []
    now = context.now()
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="qualification.link")
        if actor is None:
            return
        if len(args) != 3 or args[1].lower() not in ("grants", "requires"):
            await reply(update, esc(t.gettext("Usage: /oppqual <opportunity ref> grants|requires <qualification code>\n"
                                              "grants: attending this training grants it; requires: only holders may sign up.")))
            return
        opportunity = await opportunity_by_ref(session, ref=args[0])
        qualification = await qualification_by_code(session, code=args[2])
        if opportunity is None:
            await reply(update, t.gettext("No opportunity has the ref “{ref}” (see /exportopps).").format(ref=esc(args[0])))
            return
        if qualification is None:
            await reply(update, t.gettext("No qualification has the code “{code}”.").format(code=esc(args[2])) + "\n\n"
                        + _known(t, await all_qualifications(session)))
            return
        allowed, t = await require_staff(update, context, session, action="qualification.link", center_id=opportunity.center_id,
                                         target=f"opportunity:{opportunity.ref}")
        if allowed is None:
            return
        grants = args[1].lower() == "grants"
        outcome = await link_opportunity(session, opportunity=opportunity, qualification=qualification, grants=grants,
                                         actor_telegram_id=actor.telegram_id, now=now)
    title, name = esc(opportunity_title(opportunity, t.language)), qualification_name(t, qualification)
    if outcome == LinkOutcome.NOT_TRAINING:
        await reply(update, t.gettext("Only an opportunity in the Training category can be a course."))
    elif grants:
        await reply(update, t.gettext("✅ Attending <b>{title}</b> now grants <b>{name}</b>.").format(title=title, name=name))
    else:
        await reply(update, t.gettext("✅ Only volunteers holding <b>{name}</b> can now sign up for <b>{title}</b>.").format(title=title, name=name))


async def _grant_or_revoke(update: Update, context: BotContext, *, grant: bool) -> None:
    args = context.args or []
    action = "qualification.grant" if grant else "qualification.revoke"
    now = context.now()
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action=action)
        if actor is None:
            return
        if len(args) < 3:
            usage = (t.gettext("Usage: /grantqual <telegram id or phone> <qualification code> <reason>\n"
                               "Example: /grantqual 0501234567 first-aid Red Crescent certificate, November 2026") if grant
                     else t.gettext("Usage: /revokequal <telegram id or phone> <qualification code> <reason>"))
            await reply(update, esc(usage) + "\n\n" + _known(t, await all_qualifications(session)))
            return
        qualification = await qualification_by_code(session, code=args[1])
        if qualification is None:
            await reply(update, t.gettext("No qualification has the code “{code}”.").format(code=esc(args[1])) + "\n\n"
                        + _known(t, await all_qualifications(session)))
            return
        people = await volunteers_by_id_or_phone(session, text=args[0], limit=2)
        if len(people) != 1:
            await reply(update, t.gettext("No volunteer has this Telegram id or phone number.") if not people
                        else t.gettext("More than one volunteer has this phone number. Please use their Telegram id (find it with /records)."))
            return
        person = people[0]
        # Coordinators act for the volunteers of their centers; one without a center, admins only.
        allowed, t = await require_staff(update, context, session, action=action, center_id=person.center_id,
                                         missing_target=person.center_id is None and not actor.is_admin,
                                         target=f"volunteer:{person.telegram_id}")
        if allowed is None:
            return
        change = grant_by_hand if grant else revoke_by_hand
        result = await change(session, volunteer=person, qualification=qualification, reason=" ".join(args[2:]),
                              actor_telegram_id=actor.telegram_id, now=now)
    name, who = qualification_name(t, qualification), esc(person.display_name or str(person.telegram_id))
    if result.outcome == HandOutcome.REASON:
        await reply(update, t.gettext("Please add a short reason (at least 3 characters) after the qualification code."))
    elif result.outcome == HandOutcome.NOT_HELD:
        await reply(update, t.gettext("{who} does not hold <b>{name}</b>, so there is nothing to withdraw.").format(who=who, name=name))
    elif result.outcome == HandOutcome.REVOKED:
        await reply(update, t.gettext("✅ <b>{name}</b> withdrawn from {who}. They will be told, with the reason.").format(who=who, name=name))
    else:
        assert result.grant is not None
        until = (t.gettext("valid until {day}").format(day=official_day(t, result.grant.expires_at)) if result.grant.expires_at
                 else t.gettext("valid with no end date"))
        await reply(update, t.gettext("✅ {who} now holds <b>{name}</b> ({until}). They will be told, with the reason.").format(
            who=who, name=name, until=until))


async def grant_qualification_command(update: Update, context: BotContext) -> None:
    """/grantqual <telegram id or phone> <code> <reason>: grant (or renew) a qualification by hand."""
    await _grant_or_revoke(update, context, grant=True)


async def revoke_qualification_command(update: Update, context: BotContext) -> None:
    """/revokequal <telegram id or phone> <code> <reason>: withdraw a qualification."""
    await _grant_or_revoke(update, context, grant=False)
