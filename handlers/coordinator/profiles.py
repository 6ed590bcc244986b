"""/setprofile: a registered volunteer's center or gender, changed by the staff of their center."""

from __future__ import annotations

from telegram import Update

from handlers.common import center_name, esc, reply
from handlers.context import BotContext
from handlers.coordinator.access import require_staff
from infra.i18n import Translator
from models.profiles import PROFILE_FIELDS, ProfileChange, change_profile
from models.tables import Center, Gender, Volunteer
from models.volunteers import get_volunteer, list_centers


def usage_text(t: Translator) -> str:
    """Escaped: the placeholders in angle brackets are text, not HTML."""
    return esc(t.gettext(
        "Usage: /setprofile <telegram id> center <center code>\n"
        "or: /setprofile <telegram id> gender <male|female>\n"
        "Example: /setprofile 123456789 center shoqiyah"
    ))


def done_text(t: Translator, person: Volunteer, field: str, centers: list[Center]) -> str:
    name = esc(person.display_name or str(person.telegram_id))
    if field == "center":
        center = next(c for c in centers if c.id == person.center_id)
        return t.gettext("Done: {name} now belongs to {center}.").format(name=name, center=esc(center_name(center, t.language)))
    if person.gender == Gender.FEMALE:
        return t.gettext("Done: {name} is now recorded as a woman.").format(name=name)
    return t.gettext("Done: {name} is now recorded as a man.").format(name=name)


async def set_profile_command(update: Update, context: BotContext) -> None:
    """/setprofile <telegram id> center <code> | gender <male|female> (staff of the volunteer's center)."""
    args = context.args or []
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="profile.change", target=" ".join(args)[:128])
        if actor is None:
            return
        if len(args) != 3 or not args[0].isdigit() or args[1] not in PROFILE_FIELDS:
            await reply(update, usage_text(t))
            return
        person = await get_volunteer(session, telegram_id=int(args[0]))
        if person is None:
            await reply(update, t.gettext("Nobody with the Telegram id {person} has written to the bot yet.").format(person=esc(args[0])))
            return
        # Whoever manages the volunteer's present center decides (admins: every center).
        actor, t = await require_staff(
            update, context, session, action=f"profile.{args[1]}", center_id=person.center_id, target=f"volunteer:{person.telegram_id}"
        )
        if actor is None:
            return
        field, value = args[1], args[2].lower()
        outcome = await change_profile(session, actor=actor, person=person, field=field, value=value, now=context.now())
        centers = await list_centers(session)
    texts = {
        ProfileChange.UNCHANGED: t.gettext("Nothing to change: the profile already says so."),
        ProfileChange.UNKNOWN_CENTER: t.gettext("Unknown center code. The known codes are: {codes}").format(
            codes=esc(", ".join(c.code for c in centers))
        ),
        ProfileChange.UNKNOWN_GENDER: usage_text(t),
        ProfileChange.HOLDS_RESTRICTED_SEAT: t.gettext(
            "{name} holds a place on a coming shift for men only or for women only. "
            "They need to give it up first (in /my); then the change can be made."
        ).format(name=esc(person.display_name or str(person.telegram_id))),
    }
    await reply(update, done_text(t, person, field, centers) if outcome == ProfileChange.DONE else texts[outcome])
