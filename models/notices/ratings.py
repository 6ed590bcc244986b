"""Loader of the question "how was your shift?" (facts from `models.ratings`)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.ratings import RatingRequestFacts, rating_request_facts


async def load_rating_request(session: AsyncSession, payload: dict[str, Any], zone: tzinfo) -> RatingRequestFacts | None:
    """The shift to rate; None when it was rated meanwhile or its check-out was taken back."""
    return await rating_request_facts(session, int(payload["attendance_id"]))
