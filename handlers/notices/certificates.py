"""Renderer of a certificate or experience letter: the PDF, with a short caption."""

from __future__ import annotations

from handlers.notices.rendered import Rendered, RenderedDocument
from infra.i18n import Translator
from models.certificates import DocumentKind
from models.notices.certificates import CertificateFacts


def render_certificate(t: Translator, facts: CertificateFacts) -> Rendered:
    certificate = facts.certificate
    if certificate.document == DocumentKind.LETTER:
        heading = t.gettext("📄 Your volunteer experience letter is ready.")
    else:
        heading = t.gettext("🎓 Your volunteer certificate is ready.")
    text = t.gettext(
        "{heading}\n\nIt states {hours} of confirmed volunteering. Serial number: <code>{serial}</code>.\n"
        "Anyone can check that it is genuine by scanning its code."
    ).format(heading=heading, hours=t.duration(certificate.minutes), serial=certificate.serial)
    return Rendered(text, document=RenderedDocument(f"{certificate.serial}.pdf", facts.pdf))
