"""Opportunities in bulk, in the database: the idempotent import of parsed CSV rows, and the export.

The file's format and its validation are in `models.opportunity_csv`; here rows are applied.

A row's `center` that matches no center creates one, with `code` a slug of the value (lowercase,
other characters turned into `-`) and both names equal to the value; a coordinator can rename it
later, and the next import still finds it by its code.

The import is all or nothing and can be repeated: an opportunity is found by its `ref`, a shift by
its opportunity and its start and end. An existing shift keeps its id, check-in code and seats
taken; its capacity and site follow the file, and seats a raised capacity adds go first to the
shift's waitlist. The import only adds and updates: a shift missing from the file is left alone,
and an opportunity's status (a cancelled one stays cancelled) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.coordination import Actor, managed_centers
from models.opportunities import new_checkin_code
from models.opportunity_csv import (
    N_,
    OPPORTUNITY_COLUMNS,
    SHIFT_COLUMNS,
    ImportErrors,
    ParsedRow,
    RowError,
    format_csv,
)
from models.signups import DEFAULT_OFFER_RULES, OfferRules, promote_waitlist
from models.tables import (
    Center,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftStatus,
)


@dataclass
class ImportResult:
    """What an import did; `centers_created` holds the codes of centers it had to create."""

    opportunities_created: int = 0
    opportunities_updated: int = 0
    opportunities_unchanged: int = 0
    shifts_created: int = 0
    shifts_updated: int = 0
    shifts_unchanged: int = 0
    centers_created: list[str] = field(default_factory=list)
    waitlist_promoted: int = 0  # waitlisted volunteers given the seats a raised capacity added

    @property
    def opportunities(self) -> int:
        return self.opportunities_created + self.opportunities_updated + self.opportunities_unchanged

    @property
    def shifts(self) -> int:
        return self.shifts_created + self.shifts_updated + self.shifts_unchanged


def center_slug(value: str) -> str:
    """The code given to a center that an import creates (Arabic letters are kept as they are)."""
    return re.sub(r"[\W_]+", "-", value.strip().lower()).strip("-")[:64] or "center"


class _CenterFinder:
    """A file's `center` value is a code, else an Arabic name, else an English name, else a slug."""

    def __init__(self, centers: Iterable[Center]) -> None:
        self.by_key: dict[str, Center] = {}
        ordered = sorted(centers, key=lambda center: center.id or 0)
        for attribute in ("code", "name_ar", "name_en"):
            for center in ordered:
                self.by_key.setdefault(getattr(center, attribute), center)

    async def find_or_create(self, session: AsyncSession, value: str, result: ImportResult) -> Center:
        center = self.by_key.get(value) or self.by_key.get(center_slug(value))
        if center is None:
            center = Center(code=center_slug(value), name_ar=value, name_en=value)
            session.add(center)
            await session.flush()
            result.centers_created.append(center.code)
            self.by_key.setdefault(value, center)
            self.by_key.setdefault(center.code, center)
        return center


async def import_rows(
    session: AsyncSession, rows: list[ParsedRow], *, now: datetime, offers: OfferRules = DEFAULT_OFFER_RULES
) -> ImportResult:
    """Create or update the rows' opportunities and shifts, in the caller's transaction; a shift
    whose capacity rose gives its new seats to its waitlist first (each promoted volunteer is told;
    close to the start they are offered under `offers`: the bot passes its settings, the command
    line, which reads no bot settings, the program's defaults).

    Raises ImportErrors, having changed nothing, when a row cannot be applied: its capacity is below
    the seats already taken on that shift.
    """
    refs = {row.ref for row in rows}
    found = await session.execute(select(Opportunity).where(col(Opportunity.ref).in_(refs)))
    opportunities = {opportunity.ref: opportunity for opportunity in found.scalars()}
    ids = [opportunity.id for opportunity in opportunities.values()]
    found_shifts = await session.execute(select(Shift).where(col(Shift.opportunity_id).in_(ids)))
    shifts = {(shift.opportunity_id, shift.starts_at, shift.ends_at): shift for shift in found_shifts.scalars()}

    errors: list[RowError] = []
    for row in rows:
        known = opportunities.get(row.ref)
        shift = shifts.get((known.id or 0, row.starts_at, row.ends_at)) if known is not None else None
        if shift is not None and row.capacity < shift.seats_taken:
            template = N_("capacity {capacity} is below the {taken} seats already taken on this shift")
            errors.append(RowError(row.line, template, {"capacity": row.capacity, "taken": shift.seats_taken}))
    if errors:
        raise ImportErrors(errors)

    result = ImportResult()
    centers = _CenterFinder((await session.execute(select(Center))).scalars())
    by_ref: dict[str, list[ParsedRow]] = {}
    for row in rows:
        by_ref.setdefault(row.ref, []).append(row)
    raised: list[Shift] = []
    for ref, group in by_ref.items():
        center = await centers.find_or_create(session, group[0].center, result)
        opportunity = await _upsert_opportunity(session, opportunities.get(ref), group[0], center, now, result)
        assert opportunity.id is not None
        for row in group:
            shift = shifts.get((opportunity.id, row.starts_at, row.ends_at))
            if shift is not None and row.capacity > shift.capacity:
                raised.append(shift)
            _upsert_shift(session, shift, opportunity.id, row, result)
    await session.flush()
    # The seats a raised capacity adds are the waitlist's, as a freed seat is: left open, a newcomer
    # would take them ahead of the volunteers who have been waiting.
    for shift in raised:
        result.waitlist_promoted += len(await promote_waitlist(session, shift=shift, now=now, offers=offers))
    return result


async def within_managed_centers(session: AsyncSession, *, actor: Actor, rows: list[ParsedRow]) -> bool:
    """Whether the actor may import these rows: an admin any; a coordinator only rows that name one
    of their centers by its code and touch no opportunity (by ref) that another center runs."""
    if actor.is_admin:
        return True
    managed = {center.code for center in await managed_centers(session, actor=actor)}
    refs = {row.ref for row in rows}
    existing = await session.execute(select(col(Opportunity.center_id)).where(col(Opportunity.ref).in_(refs)))
    return all(row.center in managed for row in rows) and all(actor.manages(center_id) for center_id in existing.scalars())


async def _upsert_opportunity(
    session: AsyncSession, opportunity: Opportunity | None, row: ParsedRow, center: Center, now: datetime,
    result: ImportResult,
) -> Opportunity:
    values = {column: getattr(row, column) for column in OPPORTUNITY_COLUMNS if column != "center"}
    values["center_id"] = center.id
    if opportunity is None:
        opportunity = Opportunity(ref=row.ref, status=OpportunityStatus.PUBLISHED, created_at=now, published_at=now, **values)
        session.add(opportunity)
        await session.flush()
        result.opportunities_created += 1
    elif any(getattr(opportunity, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(opportunity, name, value)
        result.opportunities_updated += 1
    else:
        result.opportunities_unchanged += 1
    return opportunity


def _upsert_shift(
    session: AsyncSession, shift: Shift | None, opportunity_id: int, row: ParsedRow, result: ImportResult
) -> None:
    values = {column: getattr(row, column) for column in ("capacity", "latitude", "longitude", "radius_m")}
    if shift is None:
        session.add(
            Shift(
                opportunity_id=opportunity_id, starts_at=row.starts_at, ends_at=row.ends_at,
                checkin_code=new_checkin_code(), **values,
            )
        )
        result.shifts_created += 1
    elif any(getattr(shift, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(shift, name, value)
        result.shifts_updated += 1
    else:
        result.shifts_unchanged += 1


async def export_csv(
    session: AsyncSession, *, zone: tzinfo, center_id: int | None = None, include_cancelled: bool = False
) -> str:
    """Opportunities and their shifts as an import file: importing it back changes nothing.

    Cancelled opportunities and shifts are left out unless asked for, since importing the file into
    another database would bring them back as active.
    """
    query = (
        select(Opportunity, Shift, Center)
        .join(Shift, col(Shift.opportunity_id) == col(Opportunity.id))
        .join(Center, col(Center.id) == col(Opportunity.center_id))
        .order_by(col(Opportunity.ref), col(Shift.starts_at), col(Shift.id))
    )
    if center_id is not None:
        query = query.where(col(Opportunity.center_id) == center_id)
    if not include_cancelled:
        query = query.where(col(Opportunity.status) != OpportunityStatus.CANCELLED, col(Shift.status) != ShiftStatus.CANCELLED)
    rows = [
        ParsedRow(
            0,
            center=center.code,
            **{column: getattr(opportunity, column) for column in OPPORTUNITY_COLUMNS[1:] + ("ref",)},
            **{column: getattr(shift, column) for column in SHIFT_COLUMNS},
        )
        for opportunity, shift, center in (await session.execute(query)).all()
    ]
    return format_csv(rows, zone=zone)
