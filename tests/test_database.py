"""A long report never holds up volunteers' writes."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from infra.database import create_read_session_factory, transaction
from models.tables import Center, Volunteer


async def test_a_report_in_progress_does_not_block_a_sign_up(engine, session_factory):
    reports = create_read_session_factory(engine)
    async with reports() as reader, reader.begin():
        # The report has started reading (on SQLite a deferred transaction, holding no write lock)...
        assert (await reader.execute(select(func.count()).select_from(Volunteer))).scalar_one() == 0

        async def write() -> None:
            async with transaction(session_factory) as session:
                session.add(Center(code="zahir", name_ar="مركز حي الزاهر", name_en="Al-Zahir Center"))

        # ...and a volunteer's write goes through at once instead of waiting for the report.
        await asyncio.wait_for(write(), timeout=2)
    async with session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(Center))).scalar_one() == 1
