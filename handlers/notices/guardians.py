"""Renderers of the guardian-consent notices (facts from `models.notices.guardians`)."""

from __future__ import annotations

from handlers.notices.rendered import Rendered
from infra.i18n import Translator
from models.notices.guardians import ConsentFacts


def render_consent_given(t: Translator, facts: ConsentFacts) -> Rendered:
    if facts.method == "paper":
        text = t.gettext("✅ A coordinator recorded your guardian's written consent. You can now sign up for opportunities: /opportunities")
    else:
        text = t.gettext("✅ Your guardian gave their consent. You can now sign up for opportunities: /opportunities")
    return Rendered(text)


def render_consent_withdrawn(t: Translator, facts: ConsentFacts) -> Rendered:
    lines = [t.gettext("Your guardian withdrew their consent, so you cannot sign up for new shifts for now.")]
    if facts.cancelled:
        lines.append(t.ngettext("Your place on {n} upcoming shift was cancelled.", "Your places on {n} upcoming shifts were cancelled.",
                                facts.cancelled).format(n=t.number(facts.cancelled)))
    lines.append(t.gettext("If your guardian agrees again, send /consent for a new link to send them."))
    return Rendered("\n".join(lines))
