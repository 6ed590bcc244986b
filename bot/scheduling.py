"""Periodic sweeps on the Application's JobQueue (APScheduler); all their state is in the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

from infra.database import transaction
from infra.services import Services
from models.digest import enqueue_digest, plan_digest
from models.leaderboard import plan_board_refresh, write_entries
from models.milestones import (
    MILESTONE_LOOKBACK,
    enqueue_milestone_thanks,
    plan_milestone_thanks,
    queue_volunteer_day,
)
from models.offers import expire_offers
from models.outbox import prune_outbox
from models.ratings import (
    RATING_LOOKBACK,
    STEADY_RATING_LOOKBACK,
    enqueue_rating_requests,
    plan_rating_requests,
)
from models.reminders import (
    close_forgotten_checkouts,
    mark_no_shows,
    no_show_candidates,
    queue_due_reminders,
)
from models.team_bookings import release_unclaimed
from models.updates import forget_old_updates

log = logging.getLogger(__name__)

SWEEP_INTERVAL_S = 60
SWEEP_JOB = "outbox:sweeps"
# After the first sweep of a process (which looks back as far as the rules allow, to catch up on
# downtime), sweeps only read what changed lately: at 2M records a full read holds SQLite's write
# lock for seconds, every minute, and every reply waits behind it.
STEADY_NO_SHOW_LOOKBACK = timedelta(days=2)
STEADY_MILESTONE_LOOKBACK = timedelta(hours=1)


@dataclass
class SweepReport:
    """What one run of the sweeps did (for the log and for tests)."""

    counts: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def queued(self) -> int:
        return sum(v for k, v in self.counts.items() if k not in ("dropped", "no_shows", "forgotten_updates", "pruned_outbox", "expired_offers", "released_team_seats", "leaderboard"))


async def run_sweeps(services: Services) -> SweepReport:
    """Every sweep once, each in its own short transaction (one failing does not stop the others).

    Order matters a little: forgotten check-outs are closed before milestones are counted, so the
    hours they credit are thanked in the same run.
    """
    settings, now = services.settings, services.clock()
    report = SweepReport()
    steady = services.sweeps_caught_up
    no_show_lookback = STEADY_NO_SHOW_LOOKBACK if steady else None
    milestone_lookback = STEADY_MILESTONE_LOOKBACK if steady else MILESTONE_LOOKBACK
    rating_lookback = STEADY_RATING_LOOKBACK if steady else RATING_LOOKBACK
    # A step is one short write transaction, or a pair (read, write): the read runs in a read
    # session, without SQLite's write lock, so the catch-up scans after a start (about a second
    # each at 2M records) do not stall volunteers' updates; the write checks its rows again.
    steps: dict[str, Any] = {
        # Unanswered seat offers pass to the next in line first, whose own offer then goes out.
        "expired_offers": lambda s: expire_offers(s, now=now, offers=settings.offer_rules),
        # Team seats nobody confirmed by the deadline go back to the shift (and its waitlist).
        "released_team_seats": lambda s: release_unclaimed(s, now=now, offers=settings.offer_rules),
        "reminders": lambda s: queue_due_reminders(s, now=now, hours_before=settings.reminder_hours_before),
        "auto_checkouts": lambda s: close_forgotten_checkouts(s, now=now, grace_minutes=settings.checkout_grace_minutes),
        "no_shows": (
            lambda s: no_show_candidates(s, now=now, lookback=no_show_lookback),
            lambda s, ids: mark_no_shows(s, now=now, lookback=no_show_lookback, signup_ids=ids),
        ),
        "milestones": (
            lambda s: plan_milestone_thanks(s, now=now, milestones_hours=settings.milestones_hours, lookback=milestone_lookback),
            enqueue_milestone_thanks,
        ),
        # Issue 12: "how was your shift?" once per attended shift, after the check-out's undo window.
        "rating_requests": (
            lambda s: plan_rating_requests(s, now=now, zone=settings.zone, lookback=rating_lookback),
            enqueue_rating_requests,
        ),
        "volunteer_day": lambda s: queue_volunteer_day(s, now=now, zone=settings.zone),
        # The leaderboard's kept sums of volunteers whose records changed lately (issue 12).
        "leaderboard": (
            lambda s: plan_board_refresh(s, now=now, zone=settings.zone, lookback=milestone_lookback),
            write_entries,
        ),
        # The morning digest (issue 12): matched for every subscriber in a read session.
        "digest": (
            lambda s: plan_digest(s, now=now, zone=settings.zone),
            lambda s, plan: enqueue_digest(s, plan, now=now),
        ),
        "forgotten_updates": lambda s: forget_old_updates(s, now=now),
        "pruned_outbox": lambda s: prune_outbox(s, now=now, keep_days=settings.outbox_retention_days),
    }
    failed = False
    for name, step in steps.items():
        try:
            if isinstance(step, tuple):
                read, write = step
                async with services.report_sessions() as reader, reader.begin():
                    planned = await read(reader)
                async with transaction(services.sessions) as session:
                    result = await write(session, planned)
            else:
                async with transaction(services.sessions) as session:
                    result = await step(session)
        except Exception:
            log.exception("sweep %s failed; the next run will try again", name)
            failed = True
            report.failed.append(name)
            continue
        if isinstance(result, int):
            report.counts[name] = result
        else:
            report.counts[name] = result.queued
            report.counts["dropped"] = report.counts.get("dropped", 0) + result.dropped
    if not failed:
        services.sweeps_caught_up = True
    if any(report.counts.values()):
        log.info("sweeps: %s", report.counts)
    return report


async def sweep_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback: run the sweeps (their commits wake the sender for what they queued).

    Every instance schedules them; only the leader (bot/leader.py) runs them, confirming its lock
    just before, so that two instances on one PostgreSQL sweep once per period, not twice.
    """
    data = context.application.bot_data
    if data.leader is not None and not await data.leader.check():
        return
    report = await run_sweeps(data.services)
    data.metrics.sweeps.inc()
    if report.failed:
        data.metrics.errors.labels("sweep").inc(len(report.failed))


def schedule_sweeps(app: Application, interval_s: float = SWEEP_INTERVAL_S) -> None:  # type: ignore[type-arg]
    """Run the sweeps every minute, first a few seconds after start-up.

    APScheduler skips a run that is more than misfire_grace_time late (one second by default), and
    an event loop busy draining a broadcast can be that late: no grace limit, coalesced, one at a
    time. Nothing is lost by a skipped or merged run anyway: each run reads the database afresh.
    """
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
    app.job_queue.run_repeating(
        sweep_job,
        interval=interval_s,
        first=5,
        name=SWEEP_JOB,
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )
