"""Quality feedback: after a shift they attended, a volunteer is asked once to rate it (1-5) and
may add a short comment; coordinators read the averages in /stats and the comments in /comments.

The question goes through the outbox (NoticeKind.RATING_REQUEST), queued by a sweep over the
records a person closed lately (not the bot's closing of a forgotten check-out), once per attendance (its outbox key), never at night: a check-out between
22:00 and 08:00 (the program's zone) is asked about at 08:00. It waits out the undo window of a
check-out first, so a check-out taken back is never asked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.attendance import UNDO_WINDOW
from models.notices.kinds import NoticeKind
from models.outbox import enqueue_many, outbox_row, taken_keys
from models.tables import Attendance, Center, Opportunity, Shift, ShiftRating, Volunteer

SCORES = (1, 2, 3, 4, 5)
COMMENT_MAX = 500
# No question between these local hours: it waits for the morning.
QUIET_FROM, QUIET_UNTIL = time(22, 0), time(8, 0)
# The first sweep of a process looks back this far (downtime); later ones only at the last hours
# (a coordinator's late check-out of someone, dated hours ago, is still caught).
RATING_LOOKBACK = timedelta(days=2)
STEADY_RATING_LOOKBACK = timedelta(hours=6)


def rating_request_key(attendance_id: int) -> str:
    return f"rating-request:{attendance_id}"


def ask_at(checked_out_at: datetime, *, zone: tzinfo) -> datetime:
    """When to ask about a check-out: once its undo window has passed, and never at night."""
    moment = (checked_out_at + UNDO_WINDOW).astimezone(zone)
    if moment.time() >= QUIET_FROM:
        moment = datetime.combine(moment.date() + timedelta(days=1), QUIET_UNTIL, tzinfo=zone)
    elif moment.time() < QUIET_UNTIL:
        moment = datetime.combine(moment.date(), QUIET_UNTIL, tzinfo=zone)
    return moment.astimezone(checked_out_at.tzinfo)


async def queue_rating_requests(
    session: AsyncSession, *, now: datetime, zone: tzinfo, lookback: timedelta = RATING_LOOKBACK
) -> int:
    """Queue the question for every shift record closed lately (and past its undo window) that
    credited time, has not been rated and was not asked about before; how many were queued."""
    return await enqueue_rating_requests(session, await plan_rating_requests(session, now=now, zone=zone, lookback=lookback))


async def plan_rating_requests(
    session: AsyncSession, *, now: datetime, zone: tzinfo, lookback: timedelta = RATING_LOOKBACK
) -> list[dict[str, Any]]:
    """The outbox rows of the questions due (the read half: it may run in a read-only session)."""
    rows = (
        await session.execute(
            select(col(Attendance.id), col(Attendance.volunteer_id), col(Attendance.checked_out_at), col(Volunteer.telegram_id))
            .join(Volunteer, col(Volunteer.id) == col(Attendance.volunteer_id))
            .where(
                col(Attendance.checked_out_at) >= now - lookback,
                col(Attendance.checked_out_at) <= now - UNDO_WINDOW,
                col(Attendance.shift_id).is_not(None),  # off-system hours have no shift to rate
                col(Attendance.credited_minutes) > 0,
                # Closed by a person (the volunteer, or a coordinator for them): a forgotten
                # check-out the bot closed proves no stay, and its notice already asks them to
                # speak to their center.
                col(Attendance.checked_out_by).is_not(None),
                ~select(col(ShiftRating.id)).where(col(ShiftRating.attendance_id) == col(Attendance.id)).exists(),
            )
        )
    ).all()
    found: list[tuple[int, int, datetime, int]] = [tuple(row) for row in rows]  # type: ignore[misc]  # the query selects non-null ids and times
    taken = await taken_keys(session, [rating_request_key(row[0]) for row in found])
    planned = []
    for attendance_id, volunteer_id, checked_out_at, chat_id in found:
        key = rating_request_key(attendance_id)
        if key in taken:
            continue
        row = outbox_row(key=key, chat_id=chat_id, kind=NoticeKind.RATING_REQUEST, payload={"attendance_id": attendance_id},
                         now=now, volunteer_id=volunteer_id)
        row["not_before"] = max(now, ask_at(checked_out_at, zone=zone))
        planned.append(row)
    return planned


async def enqueue_rating_requests(session: AsyncSession, planned: list[dict[str, Any]]) -> int:
    """The write half: queue the planned rows (a key queued meanwhile is skipped; a record rated
    meanwhile is dropped by the loader)."""
    return await enqueue_many(session, planned) if planned else 0


@dataclass(frozen=True)
class RatingRequestFacts:
    """The attended shift a volunteer is asked to rate."""

    attendance: Attendance
    shift: Shift
    opportunity: Opportunity


async def rating_request_facts(session: AsyncSession, attendance_id: int) -> RatingRequestFacts | None:
    """The shift to rate, or None when there is nothing to ask any more (rated, reopened, gone)."""
    attendance = await session.get(Attendance, attendance_id)
    if attendance is None or attendance.shift_id is None or attendance.checked_out_at is None:
        return None
    if await _rating_of(session, attendance_id) is not None:
        return None
    shift = await session.get(Shift, attendance.shift_id)
    assert shift is not None
    opportunity = await session.get(Opportunity, shift.opportunity_id)
    assert opportunity is not None
    return RatingRequestFacts(attendance, shift, opportunity)


async def _rating_of(session: AsyncSession, attendance_id: int) -> ShiftRating | None:
    return (await session.execute(select(ShiftRating).where(col(ShiftRating.attendance_id) == attendance_id))).scalar_one_or_none()


class RateOutcome(StrEnum):
    RATED = "rated"
    ALREADY = "already"  # rated before (a second tap, an old message)
    UNKNOWN = "unknown"  # not this volunteer's closed record (a forged button)


@dataclass
class RateResult:
    outcome: RateOutcome
    rating: ShiftRating | None = None
    opportunity: Opportunity | None = None


async def rate_attendance(
    session: AsyncSession, *, volunteer: Volunteer, attendance_id: int, score: int, now: datetime
) -> RateResult:
    """Keep the volunteer's rating of a shift they attended; a second one is refused."""
    assert volunteer.id is not None and score in SCORES
    row = (
        await session.execute(
            select(Attendance, Opportunity)
            .join(Shift, col(Shift.id) == col(Attendance.shift_id))
            .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .where(
                col(Attendance.id) == attendance_id,
                col(Attendance.volunteer_id) == volunteer.id,
                col(Attendance.checked_out_at).is_not(None),
            )
        )
    ).first()
    if row is None:
        return RateResult(RateOutcome.UNKNOWN)
    _attendance, opportunity = row
    assert opportunity.id is not None
    rating = ShiftRating(
        attendance_id=attendance_id, volunteer_id=volunteer.id, opportunity_id=opportunity.id, center_id=opportunity.center_id,
        score=score, rated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(rating)
    except IntegrityError:  # uq_shift_rating_attendance: rated before, or a concurrent tap won
        return RateResult(RateOutcome.ALREADY, await _rating_of(session, attendance_id), opportunity)
    return RateResult(RateOutcome.RATED, rating, opportunity)


class CommentOutcome(StrEnum):
    SAVED = "saved"
    TOO_LONG = "too_long"
    EMPTY = "empty"
    ALREADY = "already"  # this rating has its comment
    UNKNOWN = "unknown"  # not this volunteer's rating


async def comment_rating(
    session: AsyncSession, *, volunteer: Volunteer, rating_id: int, text: str, now: datetime
) -> CommentOutcome:
    """Add the volunteer's comment to their rating (once; at most COMMENT_MAX characters)."""
    rating = await session.get(ShiftRating, rating_id, with_for_update=True)
    if rating is None or rating.volunteer_id != volunteer.id:
        return CommentOutcome.UNKNOWN
    if rating.comment is not None:
        return CommentOutcome.ALREADY
    cleaned = text.strip()
    if not cleaned:
        return CommentOutcome.EMPTY
    if len(cleaned) > COMMENT_MAX:
        return CommentOutcome.TOO_LONG
    rating.comment, rating.commented_at = cleaned, now
    return CommentOutcome.SAVED


async def own_rating(session: AsyncSession, *, volunteer: Volunteer, rating_id: int) -> ShiftRating | None:
    """The volunteer's own rating, or None (someone else's, or none: a forged button)."""
    rating = await session.get(ShiftRating, rating_id)
    return rating if rating is not None and rating.volunteer_id == volunteer.id else None


# -- What coordinators read ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreLine:
    """An average of ratings and how many there are, for a center or an opportunity."""

    label_ar: str
    label_en: str
    average: float
    count: int


@dataclass(frozen=True)
class RatingFigures:
    """A period's ratings in a scope (one center, or the whole program)."""

    average: float
    count: int
    centers: list[ScoreLine]  # the program's centers (whole program only), best-rated first
    opportunities: list[ScoreLine]  # the most rated opportunities of the scope


async def rating_figures(
    session: AsyncSession, *, start: datetime, end: datetime, center_id: int | None, top: int = 5
) -> RatingFigures:
    """Average and count of the ratings given in [start, end), per center and per opportunity."""
    in_period = [col(ShiftRating.rated_at) >= start, col(ShiftRating.rated_at) < end]
    if center_id is not None:
        in_period.append(col(ShiftRating.center_id) == center_id)
    average, count = (await session.execute(select(func.avg(col(ShiftRating.score)), func.count()).where(*in_period))).one()
    centers: list[ScoreLine] = []
    if center_id is None:
        # Grouped on the ids in the index alone; the few names are read afterwards.
        by_center = (await session.execute(
            select(col(ShiftRating.center_id), func.avg(col(ShiftRating.score)), func.count())
            .where(*in_period)
            .group_by(col(ShiftRating.center_id))
        )).all()
        names = {c.id: c for c in (await session.execute(select(Center).where(col(Center.id).in_([row[0] for row in by_center])))).scalars()}
        centers = sorted(
            (ScoreLine(names[cid].name_ar, names[cid].name_en, float(avg), int(n)) for cid, avg, n in by_center if cid in names),
            key=lambda line: (-line.average, line.label_en),
        )
    by_opportunity = (await session.execute(
        select(col(ShiftRating.opportunity_id), func.avg(col(ShiftRating.score)), func.count())
        .where(*in_period)
        .group_by(col(ShiftRating.opportunity_id))
        .order_by(func.count().desc(), col(ShiftRating.opportunity_id))
        .limit(top)
    )).all()
    titles = {o.id: o for o in (await session.execute(
        select(Opportunity).where(col(Opportunity.id).in_([row[0] for row in by_opportunity]))
    )).scalars()}
    opportunities = [
        ScoreLine(titles[oid].title_ar, titles[oid].title_en, float(avg), int(n)) for oid, avg, n in by_opportunity if oid in titles
    ]
    return RatingFigures(float(average or 0), int(count), centers, opportunities)


@dataclass(frozen=True)
class CommentsPage:
    rows: list[tuple[ShiftRating, Opportunity]]
    has_next: bool


async def rating_comments(
    session: AsyncSession, *, center_ids: frozenset[int] | None, opportunity_id: int | None, page: int, page_size: int = 10
) -> CommentsPage:
    """Comments newest first: of one opportunity, or of these centers (None: every center)."""
    # The page's ratings first (newest first, from a partial index of the commented ones), then
    # their few opportunities: joined in one statement, SQLite would start from the opportunities.
    query = select(ShiftRating).where(col(ShiftRating.comment).is_not(None))
    if opportunity_id is not None:
        query = query.where(col(ShiftRating.opportunity_id) == opportunity_id)
    if center_ids is not None:
        query = query.where(col(ShiftRating.center_id).in_(sorted(center_ids)))
    ratings = list((await session.execute(
        query.order_by(col(ShiftRating.rated_at).desc(), col(ShiftRating.id).desc()).offset(page * page_size).limit(page_size + 1)
    )).scalars())
    titles = {o.id: o for o in (await session.execute(
        select(Opportunity).where(col(Opportunity.id).in_({r.opportunity_id for r in ratings}))
    )).scalars()}
    found = [(rating, titles[rating.opportunity_id]) for rating in ratings]
    return CommentsPage(found[:page_size], len(found) > page_size)


async def opportunity_by_ref(session: AsyncSession, *, ref: str) -> Opportunity | None:
    return (await session.execute(select(Opportunity).where(col(Opportunity.ref) == ref))).scalar_one_or_none()

