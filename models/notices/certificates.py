"""Loader of a certificate (or experience letter) delivered as a PDF document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import IssuedCertificate


@dataclass(frozen=True)
class CertificateFacts:
    certificate: IssuedCertificate
    pdf: bytes


async def load_certificate(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> CertificateFacts | None:
    """The stored PDF; None when it is gone (holder erased) or was revoked before it could be sent."""
    certificate = await session.get(IssuedCertificate, int(payload["certificate_id"]))
    if certificate is None or certificate.pdf is None or certificate.revoked_at is not None:
        return None
    return CertificateFacts(certificate, certificate.pdf)
