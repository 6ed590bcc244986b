"""Play a run of hostile steps in a fresh world and check every invariant after every update.

After each update (delivered once, or twice with the same update_id):
- the error handler saw nothing but the two refusals it exists for: a payload the bot did not
  make (answered as a stale button) and a reply to someone who blocked the bot;
- nothing was logged above INFO except the line about a forged payload, no traceback at all, and
  at most one INFO line;
- a callback query was answered exactly once (refused answers to late queries included);
- every request addressed to a chat went to the update's own chat, none edited an inline message;
- no text a user or a coordinator typed reached a message as markup (their `<b>zq…` markers);
- nobody's records changed but the sender's, except a waitlisted seat promoted and, for the
  coordinator, the records of shifts in the center they manage; no notice was queued for someone
  else but a promotion (or, from the coordinator, notices to volunteers outside the bystanders);
- an attendance record appeared only on its volunteer's own check-in, and hours were credited only
  on their own check-out (or by the coordinator of its center).
Telegram's limits (4,096 / 1,024 / 64 bytes / 200) are the double's to enforce: a breach is a
refused request, so an error.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from telegram import Update
from telegram.error import Forbidden

from handlers.callback_data import BadCallback
from models.tables import (
    Attendance,
    Opportunity,
    OutboxMessage,
    Shift,
    Signup,
    SignupStatus,
    Volunteer,
)
from tests.property.actions import Step, Wait
from tests.property.updates import Delivery, UpdateBuilder
from tests.property.world import ACTORS, BYSTANDERS, Database, World, open_world

USER_MARKUP = re.compile(r"<(b|i|u|s|a|code|pre|tg-spoiler)\b[^>]*>zq\d+")
FORGED_LINE = "refused a forged or stale callback payload"
OUR_LOGGERS = ("handlers", "bot", "infra", "models", "telegram")
MAX_KEPT_FAILURES = 40


@dataclass
class Tally:
    """What a hostile run tried and what went wrong, by kind of update."""

    tried: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    effects: Counter[str] = field(default_factory=Counter)  # how deep the runs went
    tracebacks: int = 0
    duplicates: int = 0
    runs: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def updates(self) -> int:
        return sum(self.tried.values())

    def clean(self) -> bool:
        return not self.failed and self.tracebacks == 0

    def fail(self, kind: str, problems: list[str]) -> None:
        """One update that broke one or more invariants."""
        self.failed[kind] += 1
        if len(self.failures) < MAX_KEPT_FAILURES:
            self.failures.append(f"{kind}: " + "; ".join(problems))

    def merge(self, other: Tally) -> None:
        self.tried.update(other.tried)
        self.failed.update(other.failed)
        self.refusals.update(other.refusals)
        self.effects.update(other.effects)
        self.tracebacks += other.tracebacks
        self.duplicates += other.duplicates
        self.runs += other.runs
        self.failures.extend(other.failures[: max(0, MAX_KEPT_FAILURES - len(self.failures))])

    def report(self) -> str:
        width = max((len(kind) for kind in self.tried), default=10)
        lines = [f"{'kind':<{width}}  {'tried':>7}  {'failed':>6}"]
        lines += [f"{kind:<{width}}  {count:>7}  {self.failed[kind]:>6}" for kind, count in sorted(self.tried.items())]
        lines.append(f"{'total':<{width}}  {self.updates:>7}  {sum(self.failed.values()):>6}")
        lines.append(f"runs: {self.runs}, delivered twice: {self.duplicates}, tracebacks: {self.tracebacks}")
        lines += [f"expected refusal: {what}: {count}" for what, count in sorted(self.refusals.items())]
        lines += [f"effect: {what}: {count}" for what, count in sorted(self.effects.items())]
        lines += ["failures:", *(f"  {failure}" for failure in self.failures)] if self.failures else []
        return "\n".join(lines)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class _Rows:
    """The rows of people and their seats, hours and notices, as plain tuples."""

    volunteers: dict[int, Any]
    signups: dict[int, Any]
    attendance: dict[int, Any]
    center_of_shift: dict[int, int]
    outbox_high: int


def _where(error: BaseException) -> str:
    """The innermost frame of a handler in the error's traceback."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/handlers/" in f.filename and "/site-packages/" not in f.filename]
    return f"{frames[-1].filename.rsplit('/', 2)[-2]}/{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"


async def _rows(world: World) -> _Rows:
    async with world.engine.connect() as connection:
        def rows(table: Any) -> Any:
            return connection.execute(select(table))

        volunteers = {r.id: r for r in (await rows(Volunteer.__table__)).all()}
        signups = {r.id: r for r in (await rows(Signup.__table__)).all()}
        attendance = {r.id: r for r in (await rows(Attendance.__table__)).all()}
        centers = dict((await connection.execute(
            select(Shift.id, Opportunity.center_id).join(Opportunity, Opportunity.id == Shift.opportunity_id)  # type: ignore[arg-type]
        )).all())
        high = (await connection.execute(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))).scalar()  # type: ignore[union-attr]
    return _Rows(volunteers, signups, attendance, centers, high or 0)


class Referee:
    """Delivers the steps of one run and checks each update."""

    def __init__(self, world: World, tally: Tally) -> None:
        self.world, self.tally = world, tally
        self.builder = UpdateBuilder(world)
        self.update_ids = iter(range(10_000_000, 20_000_000))
        self.coordinator_centers = {world.center_ids["other"]}
        self.blocked_for: dict[int, int] = {}  # user -> their updates still refused replies

    async def play(self, steps: list[Step]) -> None:
        records = _Records()
        root = logging.getLogger()
        saved = root.level
        root.addHandler(records)
        root.setLevel(logging.INFO)
        try:
            rows = await _rows(self.world)
            for step in steps:
                if isinstance(step.action, Wait):
                    self.world.harness.advance(minutes=step.action.minutes)
                    continue
                delivery = self.builder.build(ACTORS[step.actor], step.action)
                rows = await self.deliver(delivery, step.twice, records, rows)
        finally:
            root.removeHandler(records)
            root.setLevel(saved)

    async def deliver(self, delivery: Delivery, twice: bool, records: _Records, before: _Rows) -> _Rows:
        world, kind = self.world, delivery.kind
        telegram = world.telegram
        calls, inline_edits, errors = len(telegram.calls), len(telegram.inline_edits), len(world.errors)
        user = delivery.actor.user_id
        if delivery.blocks is not None:
            # Blocking races the updates already on their way: the next one still arrives, and its
            # replies are refused. Then the volunteer unblocks the bot (Telegram's "Restart").
            self.blocked_for[user] = 2 if delivery.blocks else 0
            (telegram.blocked.add if delivery.blocks else telegram.blocked.discard)(user)
        data = {"update_id": next(self.update_ids), **delivery.payload}
        was_blocked = user in telegram.blocked
        problems: list[str] = []
        answers_allowed = 1
        for delivered in range(2 if twice else 1):
            self.tally.tried[kind] += 1
            logged, seen = len(records.records), len(world.errors)
            await world.harness.app.process_update(Update.de_json(data, world.harness.app.bot))
            await world.harness.app.bot_data.services.reports.drain(timeout=60)
            self._logs(records.records[logged:], problems)
            # A reply refused because the user blocked the bot ends the update and rolls it back
            # whole (the error handler's one INFO line): a redelivery is handled afresh, and its
            # second answer is refused by Telegram as too old.
            if delivered == 0 and any(isinstance(e, Forbidden) for _, e in world.errors[seen:]):
                answers_allowed += twice
        self.tally.duplicates += twice
        if self.blocked_for.get(user):
            self.blocked_for[user] -= 1
            if not self.blocked_for[user]:
                telegram.blocked.discard(user)
        self._errors(world.errors[errors:], was_blocked, problems)
        self._requests(delivery, telegram.calls[calls:], telegram.inline_edits[inline_edits:], problems)
        if delivery.query_id is not None:
            attempts = telegram.answer_attempts.get(delivery.query_id, 0)
            if not 1 <= attempts <= answers_allowed:
                data = delivery.payload["callback_query"].get("data")
                problems.append(f"callback query ({data!r}) answered {attempts} times")
        after = await _rows(world)
        self._records(delivery, before, after, problems)
        if after.outbox_high > before.outbox_high:
            await self._notices(delivery, before.outbox_high, problems)
        if problems:
            self.tally.fail(kind, problems)
        return after

    def _errors(self, seen: list[tuple[object, BaseException]], was_blocked: bool, problems: list[str]) -> None:
        for _, error in seen:
            if isinstance(error, BadCallback):
                self.tally.refusals["forged payload (error handler: stale answer)"] += 1
            elif isinstance(error, Forbidden) and was_blocked:
                self.tally.refusals["blocked by the user (error handler: INFO)"] += 1
            else:
                problems.append(f"the error handler saw {type(error).__name__}: {error} (at {_where(error)})")

    def _logs(self, records: list[logging.LogRecord], problems: list[str]) -> None:
        for record in records:
            if not record.name.startswith(OUR_LOGGERS) and record.levelno < logging.WARNING:
                continue
            if record.exc_info:
                self.tally.tracebacks += 1
                problems.append(f"traceback logged by {record.name}: {record.getMessage()[:200]}")
            elif record.levelno >= logging.WARNING and record.getMessage() != FORGED_LINE:
                problems.append(f"{record.levelname} from {record.name}: {record.getMessage()[:200]}")
            elif record.levelno == logging.INFO:
                self.tally.refusals[f"INFO: {record.msg}"] += 1
        lines = [r.getMessage() for r in records if r.levelno == logging.INFO and r.name.startswith(OUR_LOGGERS)]
        if len(set(lines)) < len(lines):
            problems.append(f"the same INFO line more than once for one update: {lines}")

    def _requests(self, delivery: Delivery, calls: list[tuple[str, dict[str, Any]]], inline_edits: list[dict[str, Any]], problems: list[str]) -> None:
        if inline_edits:
            problems.append(f"edited an inline message (in a chat of someone else's): {inline_edits[0]}")
        for name, params in calls:
            if "chat_id" in params and int(params["chat_id"]) != delivery.chat_id:
                problems.append(f"{name} to chat {params['chat_id']}, not the update's chat {delivery.chat_id}")
            text = params.get("text") or params.get("caption") or ""
            if str(params.get("parse_mode", "")).upper() == "HTML" and USER_MARKUP.search(text):
                problems.append(f"user text rendered as markup in {name}: {USER_MARKUP.search(text).group(0)!r}")  # type: ignore[union-attr]

    def _records(self, delivery: Delivery, before: _Rows, after: _Rows, problems: list[str]) -> None:
        sender = delivery.actor.user_id
        coordinator = delivery.actor.role == "coordinator"
        owner_of = {vid: row.telegram_id for vid, row in after.volunteers.items()}

        def in_my_center(row: Any) -> bool:
            if row.shift_id is not None:
                return coordinator and after.center_of_shift.get(row.shift_id) in self.coordinator_centers
            volunteer = after.volunteers.get(row.volunteer_id)
            return coordinator and volunteer is not None and volunteer.center_id in self.coordinator_centers

        for vid, row in after.volunteers.items():
            if row != before.volunteers.get(vid) and row.telegram_id != sender:
                problems.append(f"changed the volunteer row of {row.telegram_id}")
        for sid, row in after.signups.items():
            old = before.signups.get(sid)
            if row != old:
                self.tally.effects[f"signup {old.status if old else 'new'} -> {row.status}"] += 1
            if row == old or owner_of.get(row.volunteer_id) == sender or in_my_center(row):
                continue
            if old is not None and old.status == SignupStatus.WAITLISTED and row.status == SignupStatus.CONFIRMED:
                continue  # a seat freed by the sender went to the first in line
            problems.append(f"changed signup {sid} of {owner_of.get(row.volunteer_id)}: {old} -> {row}")
        for aid, row in after.attendance.items():
            old = before.attendance.get(aid)
            if row == old:
                continue
            self.tally.effects["check-in" if old is None else "check-out" if row.checked_out_at and not old.checked_out_at else "attendance changed"] += 1
            own = owner_of.get(row.volunteer_id) == sender
            if in_my_center(row):
                continue
            if not own:
                problems.append(f"changed attendance {aid} of {owner_of.get(row.volunteer_id)}: {old} -> {row}")
            elif old is None and not delivery.checks_in:
                problems.append(f"attendance {aid} created without a check-in: {row}")
            elif row.credited_minutes > (old.credited_minutes if old else 0) and not delivery.checks_out:
                problems.append(f"hours credited without a check-out: {old} -> {row}")
            elif row.checked_out_at is not None and row.credited_minutes * 60 > (row.checked_out_at - row.checked_in_at).total_seconds() + 60:
                problems.append(f"more minutes credited than spent: {row}")
        for aid in before.attendance.keys() - after.attendance.keys():
            problems.append(f"attendance {aid} deleted")

    async def _notices(self, delivery: Delivery, after_id: int, problems: list[str]) -> None:
        async with self.world.engine.connect() as connection:
            notices = (await connection.execute(select(OutboxMessage.__table__).where(OutboxMessage.id > after_id))).all()  # type: ignore[operator]
        for notice in notices:
            self.tally.effects[f"notice queued: {notice.kind}"] += 1
            if notice.chat_id == delivery.actor.user_id:
                continue
            allowed = delivery.actor.role == "coordinator" or notice.kind == "promoted"
            if notice.chat_id in BYSTANDERS or not allowed:
                problems.append(f"queued a {notice.kind} notice for {notice.chat_id}")


async def play_run(database: Database, steps: list[Step]) -> Tally:
    """One run in a fresh world: the steps, every check, and the tally of it."""
    tally = Tally(runs=1)
    world = await open_world(database)
    try:
        await Referee(world, tally).play(steps)
        tally.refusals.update({f"Telegram refused {what}": count for what, count in world.telegram.refused.items()})
    finally:
        await world.close()
    return tally
