"""Certificates: how long one takes to draw, and a Volunteer Day rush while volunteers keep talking.

    PYTHONPATH=. .venv/bin/python -m bench.certificates [--runs 30] [--rush 1000] [--samples /tmp/i11cert]

1. build time: `draw_document` for an Arabic, an English, a two-language certificate and an Arabic
   experience letter (p50/p95/max ms; target p95 <= 300 ms);
2. "Volunteer Day": `--rush` volunteers press "issue" at once, against the real Application (the
   tests' Telegram double, a SQLite database of their own, drawing in one worker process as in
   production) while other volunteers send /hours every 50 ms (open loop): the interactive replies' latency
   (target p95 < 1 s) and how long until every certificate was delivered by the outbox sender;
3. --samples DIR: writes certificate-ar.png, certificate-en.png and letter-ar.png (pdftoppm)
   beside their PDFs, to look at.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from telegram import Update

from bench.sizes import percentile, report
from bot.app import build_application
from bot.sender import drain_once
from handlers import callback_data as cd
from infra.certificates_pdf import DocumentContent, draw_document
from infra.database import create_engine, create_session_factory, migrate
from infra.settings import Settings
from models.certificates import OpportunityLine, Snapshot
from models.tables import Attendance, Center, Opportunity, Shift, Volunteer
from tests.telegram_double import TOKEN, TelegramDouble

NOW = datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
ASSOCIATION = {"ar": "جمعية مراكز الأحياء بمنطقة مكة المكرمة", "en": "Makkah Region Neighborhood Centers Association"}


def sample_content(language: str, document: str = "certificate") -> DocumentContent:
    lines = (
        OpportunityLine(1, "إطعام الصائمين", "Iftar for people fasting", "community", "مركز حي العوالي", "Al-Awali Center",
                        date(2026, 3, 1), date(2026, 3, 28), 6, 1500),
        OpportunityLine(2, "زيارة كبار السن", "Visiting the elderly", "elderly", "مركز حي الزاهر", "Al-Zahir Center",
                        date(2026, 5, 2), date(2026, 9, 9), 4, 720),
        OpportunityLine(3, "خدمة ضيوف الرحمن", "Serving the pilgrims", "pilgrims", "مركز حي العوالي", "Al-Awali Center",
                        date(2026, 5, 20), date(2026, 5, 30), 5, 900),
    )
    snapshot = Snapshot(3120, 15, date(2026, 3, 1), date(2026, 9, 9), lines)
    name = "Sara Al-Otaibi" if language == "en" else "سارة العتيبي"
    return DocumentContent(document, language, name, "y2026", snapshot, "C-2026-000042" if document == "certificate" else "L-2026-000043",
                           1, datetime(2026, 12, 2, 9, 0, tzinfo=UTC), "https://t.me/volunteer_bot?start=v-AbCdEfGhIjKlMnOp", ASSOCIATION)


def build_times(runs: int) -> None:
    print("-- build time (draw_document, this process)")
    draw_document(sample_content("ar"))  # fonts and catalogs loaded once per process
    for label, content in (("certificate ar", sample_content("ar")), ("certificate en", sample_content("en")),
                           ("certificate both", sample_content("both")), ("letter ar", sample_content("ar", "letter"))):
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            data = draw_document(content)
            samples.append((time.perf_counter() - started) * 1000)
        report(f"{label} ({len(data) // 1024} KiB)", samples)


def write_samples(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in (("certificate-ar", sample_content("ar")), ("certificate-en", sample_content("en")),
                          ("letter-ar", sample_content("ar", "letter"))):
        (folder / f"{name}.pdf").write_bytes(draw_document(content))
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", "-f", "1", "-l", "1", str(folder / f"{name}.pdf"), str(folder / name)], check=True)
        print(f"wrote {folder / name}.png")


async def seed(url: str, volunteers: int) -> None:
    engine = create_engine(url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        center = Center(code="awali", name_ar="مركز حي العوالي", name_en="Al-Awali Center")
        session.add(center)
        await session.flush()
        opportunity = Opportunity(ref="B-1", center_id=center.id, category="community", title_ar="إطعام الصائمين", title_en="Iftar")
        session.add(opportunity)
        await session.flush()
        shift = Shift(opportunity_id=opportunity.id, starts_at=NOW - timedelta(days=30), ends_at=NOW - timedelta(days=30, hours=-3),
                      capacity=volunteers, checkin_code="bench-code")
        session.add(shift)
        await session.flush()
        await session.execute(insert(Volunteer), [
            {"telegram_id": 10_000 + i, "language": "ar" if i % 2 else "en", "display_name": f"متطوع {i}", "role": "volunteer",
             "onboarding_step": None, "registered_at": NOW - timedelta(days=60), "created_at": NOW - timedelta(days=60),
             "reminders_muted": False, "reachable": True}
            for i in range(volunteers + 20)
        ])
        # A None in a bulk insert is replaced by the column's default: registered afterwards.
        await session.execute(update(Volunteer).values(onboarding_step=None))
        await session.execute(insert(Attendance), [
            {"shift_id": shift.id, "volunteer_id": i + 1, "checked_in_at": shift.starts_at, "checked_out_at": shift.ends_at,
             "method": "code", "credited_minutes": 180, "flagged": False}
            for i in range(volunteers + 20)
        ])
    await engine.dispose()


def press(user_id: int, data: str, ids: Any) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "V", "language_code": "ar"}
    return {"update_id": next(ids), "callback_query": {
        "id": str(next(ids)), "from": user, "chat_instance": str(user_id), "data": data,
        "message": {"message_id": 1, "date": int(NOW.timestamp()), "chat": {"id": user_id, "type": "private"},
                    "from": {"id": 1, "is_bot": True, "first_name": "Bot"}, "text": "?"}}}


def command(user_id: int, text: str, ids: Any) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "V", "language_code": "ar"}
    return {"update_id": next(ids), "message": {
        "message_id": next(ids), "date": int(NOW.timestamp()), "chat": {"id": user_id, "type": "private"}, "from": user,
        "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}}


async def volunteer_day(rush: int) -> None:
    print(f"-- Volunteer Day: {rush} certificates asked for at once, /hours every 50 ms (open loop) meanwhile")
    folder = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    url = f"sqlite+aiosqlite:///{folder / 'rush.sqlite3'}"
    await seed(url, rush)
    settings = Settings(telegram_bot_token=TOKEN, database_url=url, _env_file=None)  # type: ignore[arg-type,call-arg]
    telegram = TelegramDouble()
    began = time.monotonic()
    app = build_application(settings, engine=create_engine(url), clock=lambda: NOW + timedelta(seconds=time.monotonic() - began),
                            request=telegram, run_migrations=False,
                            start_background_work=False)
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    services = app.bot_data.services
    services.certificate_executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    await asyncio.get_running_loop().run_in_executor(services.certificate_executor, draw_document, sample_content("ar"))
    ids = itertools.count(1)
    interactive: list[float] = []
    during_burst: list[float] = []  # asked before every press was answered
    while_drawing: list[float] = []  # asked afterwards, while the PDFs are drawn and sent
    done, presses_done = asyncio.Event(), asyncio.Event()

    processor = app.update_processor

    def handle(update: dict[str, Any]) -> Any:
        """As in production: through the bot's update processor (64 at a time, per-chat order)."""
        parsed = Update.de_json(update, app.bot)
        return processor.process_update(parsed, app.process_update(parsed))

    async def probe(user_id: int) -> None:
        started, in_burst = time.perf_counter(), not presses_done.is_set()
        await handle(command(user_id, "/hours", ids))
        interactive.append((time.perf_counter() - started) * 1000)
        (during_burst if in_burst else while_drawing).append(interactive[-1])

    async def talk() -> None:
        # Open loop: a /hours every 50 ms from 20 other volunteers in turn, whether or not the
        # earlier ones were answered (a closed loop would take one sample during a stall).
        probes = []
        for turn in itertools.count():
            if done.is_set():
                break
            probes.append(asyncio.create_task(probe(10_000 + rush + turn % 20)))
            await asyncio.sleep(0.05)
        await asyncio.gather(*probes)

    async def send() -> None:
        while not done.is_set():
            await drain_once(app)
            await asyncio.sleep(0.2)

    started = time.perf_counter()
    talker, sender = asyncio.create_task(talk()), asyncio.create_task(send())
    issue = cd.CertificateIssue("c", "y2026", "both").data
    presses = [handle(press(10_000 + i, issue, ids)) for i in range(rush)]
    await asyncio.gather(*presses)
    answered = time.perf_counter() - started
    presses_done.set()
    await services.certificates.drain()
    built = time.perf_counter() - started
    while sum(1 for m in telegram.messages if m.method == "sendDocument") < rush and time.perf_counter() - started < 900:
        await asyncio.sleep(0.2)
    delivered = time.perf_counter() - started
    done.set()
    await asyncio.gather(talker, sender)
    documents = sum(1 for m in telegram.messages if m.method == "sendDocument")
    print(f"all {rush} presses answered in {answered:.1f} s; all drawn in {built:.1f} s "
          f"({rush / built:.1f} per second); {documents} delivered as documents in {delivered:.1f} s")
    report("interactive /hours during the rush", interactive)
    if during_burst:
        report("  asked during the burst of presses", during_burst)
    if while_drawing:
        report("  asked while the PDFs were drawn", while_drawing)
    print(f"interactive p95 {percentile(interactive, 0.95):.0f} ms (target < 1000 ms)")
    services.certificate_executor.shutdown()
    await app.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rush", type=int, default=1000)
    parser.add_argument("--samples", type=Path, default=None)
    args = parser.parse_args()
    if args.samples is not None:
        write_samples(args.samples)
    if args.runs:
        build_times(args.runs)
    if args.rush:
        asyncio.run(volunteer_day(args.rush))


if __name__ == "__main__":
    main()
