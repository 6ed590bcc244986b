"""A broadcast on its way: the coordinator's live progress message, ⛔ to stop it, the final report."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application

from handlers import callback_data as cd
from handlers.common import clip
from handlers.context import BotContext
from handlers.coordinator.access import parse_or_refuse, require_staff
from infra.i18n import Translator
from models.audit import record_action
from models.broadcasts import (
    Progress,
    StopOutcome,
    broadcast_progress,
    mark_finished,
    stop_broadcast,
    unfinished_broadcasts,
)
from models.tables import BroadcastStatus, OutboxStatus

PROGRESS_EVERY_SECONDS = 5


def render_progress(t: Translator, progress: Progress) -> str:
    sent, unreachable, failed = progress.sent, progress.unreachable, progress.other_failures
    if progress.broadcast.status == BroadcastStatus.STOPPED:
        failed -= progress.count(OutboxStatus.DROPPED)  # held back on purpose, not failures
    counts = t.gettext("✅ Sent: {sent}\n🚫 Unreachable (blocked the bot): {unreachable}\n⚠️ Failed: {failed}").format(
        sent=t.number(sent), unreachable=t.number(unreachable), failed=t.number(failed)
    )
    total = t.number(progress.total)
    if progress.broadcast.status == BroadcastStatus.STOPPED:
        held = t.number(progress.count(OutboxStatus.DROPPED))
        head = t.gettext("⛔ <b>Broadcast stopped</b>: {sent} of {total} volunteers received it.").format(sent=t.number(sent), total=total)
        if not progress.finished:
            head += "\n" + t.gettext("Finishing the messages already on their way…")
        return head + "\n" + counts + "\n" + t.gettext("⏸ Not sent: {held}").format(held=held)
    if progress.finished:
        return t.gettext("📢 <b>Broadcast finished</b> ({total} volunteers)").format(total=total) + "\n" + counts
    done = progress.total - progress.in_flight
    return (
        t.gettext("📤 <b>Sending the broadcast…</b> {done} of {total}").format(done=t.number(done), total=total)
        + "\n" + counts
    )


async def refresh_progress(app: Application, broadcast_id: int) -> bool:  # type: ignore[type-arg]
    """Edit the coordinator's progress message from the outbox counts; True once finished."""
    services = app.bot_data.services
    async with services.sessions() as session, session.begin():
        progress = await broadcast_progress(session, broadcast_id=broadcast_id)
        if progress is None or progress.broadcast.progress_message_id is None:
            return True
        finished = progress.finished
        first_report = finished and await mark_finished(session, broadcast_id=broadcast_id, now=services.clock(), counts=progress.counts)
        if finished and not first_report:
            return True  # the final report was already written (by another job or before a restart)
        broadcast = progress.broadcast
    t = services.catalogs.for_language(broadcast.language)
    # While it is being sent, ⛔ stops it; the final report has no button (an edit without a
    # keyboard removes it).
    stoppable = not finished and broadcast.status == BroadcastStatus.QUEUED
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        t.gettext("⛔ Stop sending"), callback_data=cd.BroadcastStop(broadcast_id).data)]]) if stoppable else None
    try:
        await app.bot.edit_message_text(
            clip(render_progress(t, progress)), chat_id=broadcast.progress_chat_id,
            message_id=broadcast.progress_message_id, parse_mode=ParseMode.HTML, reply_markup=markup,
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    return finished


async def progress_job(context: BotContext) -> None:
    """Repeating job: update the progress message; stop once the final report is shown."""
    assert context.job is not None
    if await refresh_progress(context.application, int(context.job.data)):  # type: ignore[arg-type]
        context.job.schedule_removal()


async def resume_progress_jobs(context: BotContext) -> None:
    """After a restart: follow again every broadcast whose final report is not written yet."""
    async with context.services.sessions() as session:
        waiting = await unfinished_broadcasts(session)
    assert context.job_queue is not None
    for broadcast in waiting:
        context.job_queue.run_repeating(
            progress_job, interval=PROGRESS_EVERY_SECONDS, first=1,
            name=f"broadcast-progress:{broadcast.id}", data=broadcast.id,
        )


async def follow_progress(context: BotContext, broadcast_id: int) -> None:
    """Show the progress now, then every few seconds until the final report."""
    await refresh_progress(context.application, broadcast_id)
    if context.job_queue is not None:
        context.job_queue.run_repeating(
            progress_job, interval=PROGRESS_EVERY_SECONDS, first=PROGRESS_EVERY_SECONDS,
            name=f"broadcast-progress:{broadcast_id}", data=broadcast_id,
        )


async def stop_broadcast_button(update: Update, context: BotContext) -> None:
    """⛔ on the progress message: nothing more is sent; the report says how many got it."""
    query = update.callback_query
    assert query is not None
    parsed = await parse_or_refuse(update, context, cd.BroadcastStop, action="broadcast.stop")
    if parsed is None:
        return
    broadcast_id = parsed.broadcast_id
    async with context.transaction() as session:
        actor, t = await require_staff(update, context, session, action="broadcast.stop", target=f"broadcast:{broadcast_id}")
        if actor is None:
            return
        result = await stop_broadcast(session, actor=actor, broadcast_id=broadcast_id, now=context.now())
        await record_action(
            session, actor_telegram_id=actor.telegram_id, action="broadcast.stop", target=f"broadcast:{broadcast_id}",
            allowed=result.outcome != StopOutcome.NOT_YOURS, detail=f"{result.outcome} held_back={result.held_back}", now=context.now(),
        )
    answers = {
        StopOutcome.STOPPED: t.gettext("Stopped. Nothing more will be sent."),
        StopOutcome.FINISHED: t.gettext("This broadcast has already finished."),
        StopOutcome.NOT_YOURS: t.gettext("Only its author or an admin can stop this broadcast."),
    }
    await query.answer(answers[result.outcome], show_alert=result.outcome != StopOutcome.STOPPED)
    if result.outcome == StopOutcome.STOPPED:
        await refresh_progress(context.application, broadcast_id)
