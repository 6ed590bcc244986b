"""Renderers of the notices about a volunteer's qualifications (facts from `models.notices.qualifications`)."""

from __future__ import annotations

from handlers.common import esc, opportunity_title
from handlers.notices.rendered import Rendered
from handlers.qualifications import official_day, qualification_name
from infra.i18n import Translator
from models.notices.qualifications import QualificationFacts


def render_qualification_granted(t: Translator, facts: QualificationFacts) -> Rendered:
    name = qualification_name(t, facts.qualification)
    if facts.course is not None:
        text = t.gettext("🎓 Well done! You completed <b>{course}</b> and now hold the qualification <b>{name}</b>.").format(
            course=esc(opportunity_title(facts.course, t.language)), name=name)
    else:
        text = t.gettext("🎓 A coordinator granted you the qualification <b>{name}</b>.").format(name=name)
        if facts.grant.reason:
            text += "\n" + t.gettext("Reason: {reason}").format(reason=esc(facts.grant.reason))
    if facts.grant.expires_at is not None:
        text += "\n" + t.gettext("Valid until {day}.").format(day=official_day(t, facts.grant.expires_at))
    return Rendered(text + "\n\n" + t.gettext("Your qualifications are always in /qualifications."))


def render_qualification_revoked(t: Translator, facts: QualificationFacts) -> Rendered:
    text = t.gettext("A coordinator withdrew your qualification <b>{name}</b>.").format(name=qualification_name(t, facts.qualification))
    if facts.grant.revoke_reason:
        text += "\n" + t.gettext("Reason: {reason}").format(reason=esc(facts.grant.revoke_reason))
    return Rendered(text + "\n\n" + t.gettext("Your qualifications are always in /qualifications."))
