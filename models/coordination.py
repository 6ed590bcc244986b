"""Who may do what: roles and centers, checked against the database on every call, and audited.

Nothing here trusts what a button or a command claims: the actor is looked up afresh by Telegram
id, and the center an action touches is derived from the row it touches (shift, opportunity,
attendance, sign-up), never from the payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import record_action
from models.tables import (
    Attendance,
    Center,
    CoordinatorCenter,
    OffSystemWork,
    Opportunity,
    Role,
    Shift,
    ShiftStatus,
    Signup,
    Volunteer,
)
from models.volunteers import get_volunteer

STAFF_ROLES = (Role.COORDINATOR.value, Role.ADMIN.value)


class Refusal(StrEnum):
    NOT_STAFF = "not_staff"
    ADMINS_ONLY = "admins_only"
    UNKNOWN_TARGET = "unknown_target"
    OTHER_CENTER = "other_center"


@dataclass(frozen=True)
class Actor:
    """A coordinator or admin, as the database says right now."""

    volunteer: Volunteer
    role: str
    center_ids: frozenset[int]

    @property
    def telegram_id(self) -> int:
        return self.volunteer.telegram_id

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def manages(self, center_id: int | None) -> bool:
        """Admins manage every center; coordinators the centers they are assigned to."""
        return self.is_admin or (center_id is not None and center_id in self.center_ids)


async def load_actor(session: AsyncSession, *, telegram_id: int) -> Actor | None:
    """The staff member behind this Telegram id, or None for volunteers and strangers."""
    volunteer = await get_volunteer(session, telegram_id=telegram_id)
    if volunteer is None or volunteer.role not in STAFF_ROLES:
        return None
    rows = await session.execute(
        select(col(CoordinatorCenter.center_id)).where(col(CoordinatorCenter.volunteer_id) == volunteer.id)
    )
    return Actor(volunteer=volunteer, role=volunteer.role, center_ids=frozenset(rows.scalars()))


async def authorize(
    session: AsyncSession,
    *,
    telegram_id: int,
    action: str,
    now: datetime,
    center_id: int | None = None,
    missing_target: bool = False,
    admin_only: bool = False,
    target: str | None = None,
) -> Actor | Refusal:
    """The actor when allowed; otherwise why not, after an audit line saying what was refused.

    center_id: the center the action touches (None: a program-wide action, which coordinators do
    within their own centers, e.g. /stats). missing_target=True: the row the action names does not
    exist (a stale or forged payload): refused for everyone, and logged.
    """
    actor = await load_actor(session, telegram_id=telegram_id)
    reason = None
    if actor is None:
        reason = Refusal.NOT_STAFF
    elif admin_only and not actor.is_admin:
        reason = Refusal.ADMINS_ONLY
    elif missing_target:
        reason = Refusal.UNKNOWN_TARGET
    elif center_id is not None and not actor.manages(center_id):
        reason = Refusal.OTHER_CENTER
    if actor is None or reason is not None:
        detail = f"{reason} center={center_id}" if center_id is not None else str(reason)
        await record_action(
            session, actor_telegram_id=telegram_id, action=action, target=target, allowed=False, detail=detail, now=now
        )
        return reason or Refusal.NOT_STAFF
    return actor


async def center_of_shift(session: AsyncSession, shift_id: int) -> int | None:
    row = await session.execute(
        select(col(Opportunity.center_id)).join(Shift, col(Shift.opportunity_id) == col(Opportunity.id)).where(col(Shift.id) == shift_id)
    )
    return row.scalar_one_or_none()


async def center_of_signup(session: AsyncSession, signup_id: int) -> int | None:
    signup = await session.get(Signup, signup_id)
    return await center_of_shift(session, signup.shift_id) if signup else None


async def center_of_attendance(session: AsyncSession, attendance_id: int) -> int | None:
    """The shift's center; for off-system hours (no shift), the center the work was done for, or
    the volunteer's home center (hours added before the center was asked for)."""
    attendance = await session.get(Attendance, attendance_id)
    if attendance is None:
        return None
    if attendance.shift_id is not None:
        return await center_of_shift(session, attendance.shift_id)
    work = await session.get(OffSystemWork, attendance_id)
    if work is not None and work.center_id is not None:
        return work.center_id
    volunteer = await session.get(Volunteer, attendance.volunteer_id)
    return volunteer.center_id if volunteer else None


async def managed_centers(session: AsyncSession, *, actor: Actor) -> list[Center]:
    """The centers this actor may act on, in a stable order."""
    query = select(Center).order_by(col(Center.id))
    if not actor.is_admin:
        query = query.where(col(Center.id).in_(actor.center_ids or {-1}))
    return list((await session.execute(query)).scalars())


async def center_by_code(session: AsyncSession, *, code: str) -> Center | None:
    """The center a command names by its code."""
    return (await session.execute(select(Center).where(col(Center.code) == code))).scalar_one_or_none()


@dataclass
class ShiftPage:
    """One page of the shifts a coordinator runs, each with its opportunity."""

    rows: list[tuple[Shift, Opportunity]] = field(default_factory=list)
    has_next: bool = False


async def running_and_upcoming_shifts(
    session: AsyncSession, *, actor: Actor, now: datetime, page: int, page_size: int
) -> ShiftPage:
    """Active shifts of the actor's centers that have not ended, soonest first, one page of them."""
    query = (
        select(Shift, Opportunity)
        .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
        .where(col(Shift.ends_at) > now, col(Shift.status) == ShiftStatus.ACTIVE)
        .order_by(col(Shift.starts_at), col(Shift.id))
        .offset(page * page_size)
        .limit(page_size + 1)  # one more tells whether there is a next page
    )
    if not actor.is_admin:
        query = query.where(col(Opportunity.center_id).in_(actor.center_ids or {-1}))
    rows = [(shift, opportunity) for shift, opportunity in await session.execute(query)]
    return ShiftPage(rows[:page_size], has_next=len(rows) > page_size)


class RoleChange(StrEnum):
    DONE = "done"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_CENTER = "unknown_center"
    SELF = "self"
    PROTECTED = "protected"  # an admin from the settings cannot be demoted from the chat


async def assign_role(
    session: AsyncSession,
    *,
    actor: Actor,
    telegram_id: int,
    role: Role,
    center_codes: list[str],
    now: datetime,
    protected_ids: frozenset[int] = frozenset(),
) -> RoleChange:
    """Make someone a volunteer, a coordinator of some centers, or an admin (admins only)."""
    person = await get_volunteer(session, telegram_id=telegram_id)
    if person is None:
        return RoleChange.UNKNOWN_PERSON
    if telegram_id == actor.telegram_id:
        return RoleChange.SELF
    if telegram_id in protected_ids and role != Role.ADMIN:
        return RoleChange.PROTECTED
    centers: list[Center] = []
    if center_codes:
        rows = await session.execute(select(Center).where(col(Center.code).in_(center_codes)))
        centers = list(rows.scalars())
        if len(centers) != len(set(center_codes)):
            return RoleChange.UNKNOWN_CENTER
    person.role, person.role_granted_by, person.role_granted_at = role.value, actor.telegram_id, now
    await session.execute(delete(CoordinatorCenter).where(col(CoordinatorCenter.volunteer_id) == person.id))
    if role == Role.COORDINATOR:
        session.add_all([CoordinatorCenter(volunteer_id=person.id, center_id=c.id) for c in centers])  # type: ignore[arg-type]  # the row is flushed: its id is set
    await session.flush()
    await record_action(
        session,
        actor_telegram_id=actor.telegram_id,
        action="role.assign",
        target=f"volunteer:{telegram_id}",
        detail=f"role={role.value} centers={','.join(sorted(c.code for c in centers))}",
        now=now,
    )
    return RoleChange.DONE


async def list_staff(session: AsyncSession) -> list[tuple[Volunteer, list[Center]]]:
    """Every coordinator and admin with their centers."""
    staff = (
        await session.execute(
            select(Volunteer).where(col(Volunteer.role).in_(STAFF_ROLES)).order_by(col(Volunteer.role), col(Volunteer.id))
        )
    ).scalars()
    result = []
    for person in staff:
        centers = await session.execute(
            select(Center)
            .join(CoordinatorCenter, col(CoordinatorCenter.center_id) == col(Center.id))
            .where(col(CoordinatorCenter.volunteer_id) == person.id)
            .order_by(col(Center.id))
        )
        result.append((person, list(centers.scalars())))
    return result


@dataclass
class AdminReconciliation:
    """What one start changed: admins from COORDINATOR_IDS, and those no longer in it."""

    granted: list[Volunteer] = field(default_factory=list)
    revoked: list[Volunteer] = field(default_factory=list)


async def reconcile_admins(session: AsyncSession, *, admin_ids: frozenset[int], now: datetime) -> AdminReconciliation:
    """Admin powers follow COORDINATOR_IDS, read at every start; explicit /role grants stay.

    An admin without a /role grant (role_granted_by is None) whose id left the setting goes back
    to coordinating the centers still assigned to them, or to being a volunteer. Each change is
    an audit line without an actor: the setting did it.
    """
    changes = AdminReconciliation()
    ids = list(admin_ids)
    missing = list((await session.execute(
        select(Volunteer).where(col(Volunteer.telegram_id).in_(ids), col(Volunteer.role) != Role.ADMIN)
        .with_for_update()  # several instances starting at once: the first changes a row, the rest see it changed
    )).scalars())
    for person in missing:
        before = person.role
        person.role, person.role_granted_by, person.role_granted_at = Role.ADMIN.value, None, None
        changes.granted.append(person)
        await record_action(session, actor_telegram_id=None, action="role.settings_grant", target=f"volunteer:{person.telegram_id}",
                            detail=f"in COORDINATOR_IDS: {before} -> admin", now=now)
    has_centers = exists().where(col(CoordinatorCenter.volunteer_id) == col(Volunteer.id))
    removed = list(await session.execute(
        select(Volunteer, has_centers).where(
            col(Volunteer.role) == Role.ADMIN, col(Volunteer.role_granted_by).is_(None), col(Volunteer.telegram_id).not_in(ids)
        ).with_for_update(of=Volunteer)
    ))
    for person, coordinates in removed:
        person.role = (Role.COORDINATOR if coordinates else Role.VOLUNTEER).value
        changes.revoked.append(person)
        await record_action(session, actor_telegram_id=None, action="role.settings_revoke", target=f"volunteer:{person.telegram_id}",
                            detail=f"no longer in COORDINATOR_IDS: admin -> {person.role}", now=now)
    await session.flush()
    return changes


async def people_by_telegram_id(session: AsyncSession, *, telegram_ids: set[int]) -> dict[int, Volunteer]:
    """The people behind these ids (those who ever wrote to the bot)."""
    rows = await session.execute(select(Volunteer).where(col(Volunteer.telegram_id).in_(telegram_ids)))
    return {person.telegram_id: person for person in rows.scalars()}
