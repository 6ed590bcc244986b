"""Background work started with the bot: the outbox sender and the scheduled sweeps."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from telegram.ext import Application

from bot.backups import schedule_backups
from bot.scheduling import schedule_sweeps


async def start_background(app: Application) -> None:  # type: ignore[type-arg]
    """Called at the end of post_init."""
    services = app.bot_data.services
    if services.settings.certificate_workers and services.certificate_executor is None:
        # Spawned, not forked: a fork of a process with running threads and an event loop is unsafe.
        services.certificate_executor = ProcessPoolExecutor(
            services.settings.certificate_workers, mp_context=multiprocessing.get_context("spawn")
        )
    app.bot_data.sender.start()
    if app.bot_data.leader is not None:
        await app.bot_data.leader.start()  # every instance schedules the sweeps; the leader runs them
    schedule_sweeps(app)
    schedule_backups(app)


async def stop_background(app: Application) -> None:  # type: ignore[type-arg]
    """Called first in post_shutdown: reports and sends in flight finish and are recorded before we close."""
    data = app.bot_data
    if data.ready:
        await data.services.reports.stop()
        await data.services.certificates.stop()
        if data.services.certificate_executor is not None:
            data.services.certificate_executor.shutdown(wait=False, cancel_futures=True)
    if data.has_sender:
        await data.sender.stop()
    if data.leader is not None:
        await data.leader.stop()  # another instance takes the sweeps over at its next try
