"""Loaders of the notices a minor gets when a guardian's consent is given or withdrawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import ConsentStatus, GuardianConsent


@dataclass(frozen=True)
class ConsentFacts:
    method: str  # telegram | paper
    cancelled: int  # withdrawn: the places on upcoming shifts given up


async def _load(session: AsyncSession, payload: dict[str, Any], status: ConsentStatus) -> ConsentFacts | None:
    consent = await session.get(GuardianConsent, int(payload["consent_id"]))
    if consent is None or consent.status != status:
        return None  # it changed again before the notice left: the newer notice says what holds
    return ConsentFacts(consent.method or "telegram", int(payload.get("cancelled", 0)))


async def load_consent_given(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> ConsentFacts | None:
    return await _load(session, payload, ConsentStatus.GRANTED)


async def load_consent_withdrawn(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> ConsentFacts | None:
    return await _load(session, payload, ConsentStatus.WITHDRAWN)
