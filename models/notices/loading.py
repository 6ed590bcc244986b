"""The shape of a notice loader."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

# (session, the row's payload, the program's time zone) -> facts for the renderer, or None when
# there is nothing to say any more (the seat was cancelled again, a coordinator corrected it ...).
Loader = Callable[[AsyncSession, dict[str, Any], tzinfo], Awaitable[Any | None]]
