"""/coord (the coordinator's menu of commands), /staff and /role (admins assign roles)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError

from handlers.common import center_name, esc, reply
from handlers.context import BotContext
from handlers.coordinator.access import require_staff
from infra.i18n import N_, Translator
from models.coordination import RoleChange, assign_role, list_staff, people_by_telegram_id
from models.tables import Role, Volunteer
from models.volunteers import get_volunteer, list_centers

log = logging.getLogger(__name__)

COORDINATOR_COMMANDS = (
    ("newopp", N_("Create an opportunity step by step")),
    ("shifts", N_("Upcoming shifts: check-in QR code, who is here, edit or cancel")),
    ("review", N_("Attendance to review: forgotten check-outs and edited times")),
    ("addhours", N_("Add hours for work done outside the bot")),
    ("records", N_("A volunteer's records (by name, id or phone): correct, check in or out")),
    ("broadcast", N_("Send a message to volunteers")),
    ("stats", N_("The program's figures against its targets")),
    ("comments", N_("Volunteers' comments on your centers' shifts")),
    ("settarget", N_("Set a center's yearly targets (admins)")),
    ("export", N_("Volunteers, attendance and hours as CSV or Excel")),
    ("importopps", N_("Import opportunities from a CSV file")),
    ("exportopps", N_("Export opportunities as a CSV file")),
    ("setprofile", N_("Change a volunteer's center or gender")),
    ("staff", N_("Coordinators and admins")),
    ("role", N_("Give someone a role (admins)")),
    ("audit", N_("The latest entries of the audit log (admins)")),
    ("grantqual", N_("Grant or renew a volunteer's qualification, with a reason")),
    ("revokequal", N_("Withdraw a volunteer's qualification, with a reason")),
    ("oppqual", N_("Make an opportunity a course, or require a qualification")),
    ("newqual", N_("Define a qualification (admins)")),
    ("verify", N_("Check a certificate by its serial number")),
    ("revokecert", N_("Revoke a certificate, with a reason")),
)


async def set_staff_menu(bot: Bot, t: Translator, *, chat_id: int, staff: bool) -> None:
    """The "/" menu of one person's chat: the volunteer commands plus the coordinator tools for
    staff, the common menu again for everyone else. A chat the bot cannot reach is only logged."""
    from handlers.general import COMMANDS  # general imports nothing of the coordinator tools

    scope = BotCommandScopeChat(chat_id)
    try:
        if not staff:
            await bot.delete_my_commands(scope=scope)
            return
        commands = [("coord", N_("Coordinator tools")), *COORDINATOR_COMMANDS, *COMMANDS]
        await bot.set_my_commands([BotCommand(name, t.gettext(text)) for name, text in commands], scope=scope)
    except TelegramError as error:
        log.info("could not set the staff menu of a chat: %s", error.message)


ROLE_LABELS = {
    Role.VOLUNTEER.value: N_("volunteer"),
    Role.COORDINATOR.value: N_("coordinator"),
    Role.ADMIN.value: N_("admin"),
}


def role_label(t: Translator, role: str) -> str:
    return t.gettext(ROLE_LABELS.get(role, role))


async def show_coordinator_menu(update: Update, context: BotContext) -> None:
    """/coord: what a coordinator can do here."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="coord.menu")
    if actor is None:
        return
    lines = [t.gettext("<b>Coordinator tools</b>"), ""]
    lines += [f"/{name} — {t.gettext(description)}" for name, description in COORDINATOR_COMMANDS]
    await reply(update, "\n".join(lines))


async def show_staff(update: Update, context: BotContext) -> None:
    """/staff: every coordinator and admin with their centers."""
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="role.list")
        if actor is None:
            return
        staff = await list_staff(session)
        granters = await people_by_telegram_id(session, telegram_ids={p.role_granted_by for p, _ in staff if p.role_granted_by})
    lines = [t.gettext("<b>Coordinators and admins</b>")]
    for person, centers in staff:
        names = "، ".join(center_name(c, t.language) for c in centers) if t.rtl else ", ".join(center_name(c, t.language) for c in centers)
        lines.append(
            f"• {esc(person.display_name or str(person.telegram_id))} (<code>{person.telegram_id}</code>) — "
            f"{role_label(t, person.role)}" + (f": {esc(names)}" if names else "") + grant_text(t, person, granters)
        )
    await reply(update, "\n".join(lines))


def grant_text(t: Translator, person: Volunteer, granters: dict[int, Volunteer]) -> str:
    """Where a role comes from: the settings, or the admin who gave it with /role (and when)."""
    if person.role_granted_by is None:
        return " · " + t.gettext("from the settings (COORDINATOR_IDS)") if person.role == Role.ADMIN else ""
    granter = granters.get(person.role_granted_by)
    name = esc(granter.display_name) if granter is not None and granter.display_name else str(person.role_granted_by)
    when = t.day(person.role_granted_at) if person.role_granted_at is not None else "—"
    return " · " + t.gettext("given by {name} on {date}").format(name=name, date=when)


async def assign_role_command(update: Update, context: BotContext) -> None:
    """/role <telegram id> <volunteer|coordinator|admin> [center codes...] (admins only)."""
    args = context.args or []
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="role.assign", admin_only=True, target=" ".join(args)[:128])
        if actor is None:
            return
        usage = esc(t.gettext(
            "Usage: /role <telegram id> <volunteer|coordinator|admin> [center codes]\n"
            "Example: /role 123456789 coordinator awali shoqiyah"
        ))
        if len(args) < 2 or not args[0].isdigit() or args[1] not in ROLE_LABELS:
            await reply(update, usage)
            return
        role = Role(args[1])
        centers = args[2:]
        if role == Role.COORDINATOR and not centers:
            await reply(update, t.gettext("A coordinator needs at least one center.") + "\n" + usage)
            return
        outcome = await assign_role(
            session,
            actor=actor,
            telegram_id=int(args[0]),
            role=role,
            center_codes=centers if role == Role.COORDINATOR else [],
            now=context.now(),
            protected_ids=context.settings.coordinator_ids,
        )
        codes = ", ".join(c.code for c in await list_centers(session))
        person = await get_volunteer(session, telegram_id=int(args[0]))
    if outcome == RoleChange.DONE and person is not None:
        await set_staff_menu(
            context.bot, context.translator(person.language), chat_id=person.telegram_id, staff=role != Role.VOLUNTEER
        )
    texts = {
        RoleChange.DONE: t.gettext("Done: {person} is now a {role}.").format(person=args[0], role=role_label(t, role)),
        RoleChange.UNKNOWN_PERSON: t.gettext("Nobody with the Telegram id {person} has written to the bot yet.").format(person=esc(args[0])),
        RoleChange.UNKNOWN_CENTER: t.gettext("Unknown center code. The known codes are: {codes}").format(codes=esc(codes)),
        RoleChange.SELF: t.gettext("You cannot change your own role."),
        RoleChange.PROTECTED: t.gettext("This admin is set in the bot's settings (COORDINATOR_IDS) and cannot be changed here."),
    }
    await reply(update, texts[outcome])
