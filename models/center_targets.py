"""Yearly targets per center: what one center's /stats is measured against.

The program's targets (100,000 volunteers, ...) are the whole program's; a center's figures are
compared with the center's own, which an admin sets per year with /settarget. A figure whose
target is 0 has none and is shown without a percentage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import record_action
from models.tables import Center, CenterTarget

TARGET_FIELDS = ("volunteers", "hours", "opportunities")
MAX_TARGET = 1_000_000_000  # beyond any program; a typo with too many zeros is refused
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Targets:
    volunteers: int
    hours: int
    opportunities: int

    @property
    def any(self) -> bool:
        return bool(self.volunteers or self.hours or self.opportunities)


@dataclass(frozen=True)
class TargetRequest:
    center_code: str
    year: int
    values: dict[str, int]  # the figures given, by name in TARGET_FIELDS


def parse_target_request(args: list[str]) -> TargetRequest | None:
    """`<center code> <year> volunteers=500 hours=20000 opportunities=40` (one or more of the
    three, each once), or None when it is not that."""
    if len(args) < 3 or not args[1].isdigit() or not FIRST_YEAR <= int(args[1]) <= LAST_YEAR:
        return None
    values: dict[str, int] = {}
    for arg in args[2:]:
        name, _, number = arg.lower().partition("=")
        if name not in TARGET_FIELDS or name in values or not number.isdigit() or int(number) > MAX_TARGET:
            return None
        values[name] = int(number)
    return TargetRequest(args[0], int(args[1]), values)


def _targets(row: CenterTarget) -> Targets:
    return Targets(row.volunteers, row.hours, row.opportunities)


async def center_targets(session: AsyncSession, *, center_id: int, year: int) -> Targets | None:
    """The center's targets for the year, or None when an admin has set none."""
    row = await session.get(CenterTarget, (center_id, year))
    return None if row is None or not _targets(row).any else _targets(row)


async def set_center_targets(
    session: AsyncSession, *, actor_telegram_id: int, center: Center, year: int, values: dict[str, int], now: datetime
) -> Targets:
    """Set the given figures' targets (the others keep theirs), with an audit line of the change.

    The caller has checked that the actor is an admin."""
    assert center.id is not None
    row = await session.get(CenterTarget, (center.id, year))
    if row is None:
        row = CenterTarget(center_id=center.id, year=year, updated_at=now)
        session.add(row)
    before = _targets(row) if row.volunteers or row.hours or row.opportunities else None
    for name, value in values.items():
        setattr(row, name, value)
    row.set_by_telegram_id, row.updated_at = actor_telegram_id, now
    await session.flush()
    after = _targets(row)
    await record_action(
        session, actor_telegram_id=actor_telegram_id, action="stats.set_target", target=f"center:{center.id}:{year}",
        detail=f"{before} -> {after}", now=now,
    )
    return after


# The demo's first two centers have targets (their /stats shows percentages); the others show
# what a center without targets says.
DEMO_TARGETS = {"awali": Targets(volunteers=400, hours=12_000, opportunities=30), "aziziyah": Targets(300, 9_000, 20)}


async def seed_demo_center_targets(session: AsyncSession, *, now: datetime, zone: tzinfo) -> None:
    """This year's targets of the demo centers that have none yet (safe to repeat)."""
    year = now.astimezone(zone).year
    for code, targets in DEMO_TARGETS.items():
        center = (await session.execute(select(Center).where(col(Center.code) == code))).scalar_one_or_none()
        if center is None or center.id is None or await session.get(CenterTarget, (center.id, year)) is not None:
            continue
        session.add(CenterTarget(center_id=center.id, year=year, updated_at=now, **asdict(targets)))
    await session.flush()
