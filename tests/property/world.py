"""The world a hostile run plays in: a fresh database, the real Application, the Bot API double,
and the people in it.

- Bystanders are registered volunteers who never act during the run: they hold seats, hours and
  an open check-in, and their chats hold real buttons (their /my, /settings, an opportunity) whose
  payloads the actors replay. Nothing of theirs may change.
- The scripted coordinator runs the Al-Awali center (the bystanders' center): its chat holds real
  coordinator buttons (shift cards, no-show, review) before the run starts; it never acts after.
- Actors send the hostile updates: newcomers (nothing in the database yet), registered volunteers
  holding a seat on a shift that is open now, and the coordinator of the other center.

Every world is built the same way from nothing, so a failing example replays exactly.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from bot.app import build_application
from infra.database import create_engine, migrate
from infra.settings import Settings
from models.tables import (
    Attendance,
    Center,
    CoordinatorCenter,
    Opportunity,
    Role,
    Shift,
    Signup,
    SignupStatus,
    Volunteer,
)
from tests.harness import BotHarness, Person
from tests.telegram_double import TOKEN, TelegramDouble

START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
SITE = (21.4225, 39.8262)  # Al-Awali's shifts
OTHER_SITE = (21.4858, 39.1925)  # the other center's
BYSTANDERS = (8_100_000_001, 8_100_000_002)
AWALI_COORDINATOR = 8_200_000_001
OTHER_COORDINATOR = 8_200_000_002
ADMIN = 8_300_000_001  # in COORDINATOR_IDS; never acts, so admins' powers stay out of the run


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: str  # "newcomer" | "volunteer" | "coordinator"
    first_name: str
    language_code: str | None


ACTORS = (
    Actor(8_000_000_001, "newcomer", "Sara", "ar"),
    Actor(8_000_000_002, "newcomer", "‮Omar", None),  # an RTL override in the name, no language
    Actor(8_000_000_003, "volunteer", "Huda", "ar"),
    Actor(8_000_000_004, "volunteer", "Ali", "en"),
    Actor(OTHER_COORDINATOR, "coordinator", "Mona", "en"),
)


class Database:
    """Where worlds live: a migrated SQLite file copied per world, or one PostgreSQL database
    emptied per world."""

    def __init__(self, postgres_url: str | None = None) -> None:
        self.postgres_url = postgres_url
        self._dir = Path(tempfile.mkdtemp(prefix="hostile-"))
        self._template = self._dir / "template.sqlite3"
        self._engine: AsyncEngine | None = None
        self._worlds = 0

    async def open(self) -> None:
        if self.postgres_url:
            self._engine = create_engine(self.postgres_url)
            await migrate(self._engine)
            return
        engine = create_engine(f"sqlite+aiosqlite:///{self._template}")
        await migrate(engine)
        await engine.dispose()

    async def fresh(self) -> tuple[AsyncEngine, bool]:
        """An empty migrated database: (engine, whether the caller disposes of it)."""
        if self._engine is not None:
            async with self._engine.begin() as connection:
                names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return self._engine, False
        self._worlds += 1
        path = self._dir / f"world-{self._worlds}.sqlite3"
        shutil.copyfile(self._template, path)
        return create_engine(f"sqlite+aiosqlite:///{path}"), True

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
        shutil.rmtree(self._dir, ignore_errors=True)


@dataclass
class World:
    harness: BotHarness
    engine: AsyncEngine
    owns_engine: bool
    checkin_codes: list[str]
    center_ids: dict[str, int]
    # What the error handler saw: (update, error), in order.
    errors: list[tuple[object, BaseException]] = field(default_factory=list)

    @property
    def telegram(self) -> TelegramDouble:
        return self.harness.telegram

    @property
    def sessions(self) -> Any:
        return self.harness.app.bot_data.services.sessions

    async def close(self) -> None:
        await self.harness.app.shutdown()
        if self.owns_engine:
            await self.engine.dispose()


def hostile_settings() -> Settings:
    # Pacing is the rate limiter's job, measured elsewhere: here it would only slow the run down.
    return Settings(
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        database_url="sqlite+aiosqlite:///unused.sqlite3",
        coordinator_ids=frozenset({ADMIN}),
        send_rate_per_second=1_000_000.0,
        _env_file=None,  # type: ignore[call-arg]
    )


async def open_world(database: Database) -> World:
    """A world with the seed below, its scripted sessions already played."""
    engine, owns = await database.fresh()
    telegram = TelegramDouble()
    holder: dict[str, BotHarness] = {}
    app = build_application(
        hostile_settings(), engine=engine, clock=lambda: holder["h"].now, request=telegram,
        run_migrations=False, start_background_work=False,
    )
    harness = BotHarness(app=app, telegram=telegram, now=START)
    holder["h"] = harness
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    codes, centers = await _seed(harness)
    world = World(harness=harness, engine=engine, owns_engine=owns, checkin_codes=codes, center_ids=centers)

    async def saw_error(update: object, context: Any) -> None:
        world.errors.append((update, context.error))

    app.add_error_handler(saw_error)
    await _script(harness)
    return world


async def _seed(harness: BotHarness) -> tuple[list[str], dict[str, int]]:
    now = harness.now
    sessions = harness.app.bot_data.services.sessions
    async with sessions() as session, session.begin():
        awali = Center(code="awali", name_ar="مركز حي العوالي", name_en="Al-Awali Center", latitude=SITE[0], longitude=SITE[1])
        other = Center(code="shoqiyah", name_ar="مركز حي الشوقية", name_en="Al-Shoqiyah Center",
                       latitude=OTHER_SITE[0], longitude=OTHER_SITE[1])
        session.add_all([awali, other])
        await session.flush()
        assert awali.id is not None and other.id is not None

        def opportunity(ref: str, center: Center, gender: str = "all", title: str = "Serving the pilgrims") -> Opportunity:
            row = Opportunity(ref=ref, center_id=center.id or 0, category="pilgrims", title_ar="خدمة ضيوف الرحمن",
                              title_en=title, description_ar="إرشاد الزوار.", description_en="Guide visitors.",
                              gender=gender, published_at=now - timedelta(days=10))
            session.add(row)
            return row

        opportunities = [
            opportunity("H-1", awali),
            opportunity("H-2", awali, gender="female", title="<b>zq20</b> Sisters' desk & help"),
            opportunity("H-3", other),
        ]
        await session.flush()
        site_of = {awali.id: SITE, other.id: OTHER_SITE}
        specs = [  # (opportunity, starts in, hours, capacity)
            (0, timedelta(minutes=-10), 3, 10),  # open now at the site: check in and out
            (0, timedelta(minutes=45), 2, 10),  # too early until the clock moves
            (0, timedelta(days=1), 2, 1),  # full: a bystander holds its only seat
            (1, timedelta(days=2), 3, 5),  # women only
            (2, timedelta(minutes=-5), 4, 10),  # the other center, open now
            (2, timedelta(days=2), 2, 3),
            (0, timedelta(days=-1), 3, 5),  # yesterday: a bystander's credited hours
        ]
        shifts: list[Shift] = []
        for number, (index, starts_in, hours, capacity) in enumerate(specs, start=1):
            row = opportunities[index]
            latitude, longitude = site_of[row.center_id]
            shift = Shift(opportunity_id=row.id or 0, starts_at=now + starts_in, ends_at=now + starts_in + timedelta(hours=hours),
                          capacity=capacity, latitude=latitude, longitude=longitude, radius_m=300, checkin_code=f"hostile-code-{number}")
            session.add(shift)
            shifts.append(shift)
        await session.flush()

        def person(telegram_id: int, center: Center, gender: str, role: str = Role.VOLUNTEER, name: str = "") -> Volunteer:
            row = Volunteer(telegram_id=telegram_id, language="en" if telegram_id % 2 == 0 else "ar", display_name=name or f"V{telegram_id % 1000}",
                            phone=f"+9665{telegram_id % 100_000_000:08d}", center_id=center.id, gender=gender, role=role,
                            registered_at=now - timedelta(days=30))
            session.add(row)
            return row

        people = {
            BYSTANDERS[0]: person(BYSTANDERS[0], awali, "female", name="<i>zq21</i> Noura"),
            BYSTANDERS[1]: person(BYSTANDERS[1], awali, "male"),
            AWALI_COORDINATOR: person(AWALI_COORDINATOR, awali, "male", Role.COORDINATOR),
            OTHER_COORDINATOR: person(OTHER_COORDINATOR, other, "female", Role.COORDINATOR),
            ACTORS[2].user_id: person(ACTORS[2].user_id, awali, "female"),
            ACTORS[3].user_id: person(ACTORS[3].user_id, other, "male"),
        }
        await session.flush()
        for row in people.values():
            row.onboarding_step = None  # an explicit None at construction is replaced by the default
        session.add(CoordinatorCenter(volunteer_id=people[AWALI_COORDINATOR].id or 0, center_id=awali.id))
        session.add(CoordinatorCenter(volunteer_id=people[OTHER_COORDINATOR].id or 0, center_id=other.id))

        def seat(telegram_id: int, shift: Shift) -> Signup:
            shift.seats_taken += 1
            row = Signup(shift_id=shift.id or 0, volunteer_id=people[telegram_id].id or 0, status=SignupStatus.CONFIRMED,
                         signed_up_at=now - timedelta(days=3))
            session.add(row)
            return row

        for telegram_id, index in [(BYSTANDERS[0], 2), (BYSTANDERS[0], 0), (BYSTANDERS[1], 0), (BYSTANDERS[1], 6),
                                   (BYSTANDERS[0], 3), (ACTORS[2].user_id, 0), (ACTORS[3].user_id, 4)]:
            seat(telegram_id, shifts[index])
        await session.flush()
        yesterday = shifts[6]
        session.add(Attendance(shift_id=yesterday.id, volunteer_id=people[BYSTANDERS[1]].id or 0, checked_in_at=yesterday.starts_at,
                               checked_out_at=yesterday.ends_at + timedelta(hours=2), method="location", credited_minutes=210,
                               flagged=True, flag_reason="checked out late"))
        session.add(Attendance(shift_id=shifts[0].id, volunteer_id=people[BYSTANDERS[0]].id or 0,
                               checked_in_at=now - timedelta(minutes=5), method="code"))
    return [s.checkin_code for s in shifts], {"awali": awali.id, "other": other.id}


async def _script(harness: BotHarness) -> None:
    """Real buttons in other people's chats: the bystanders' and the Al-Awali coordinator's."""
    scripts = [  # (who, commands, payload prefixes to press, in order, wherever they show)
        (BYSTANDERS[0], ["/opportunities", "/my", "/settings"], ["op:"]),
        (BYSTANDERS[1], ["/language", "/my"], []),
        (AWALI_COORDINATOR, ["/shifts", "/review", "/broadcast"], ["sh:v1:card:", "sh:v1:who:"]),
    ]
    for telegram_id, commands, presses in scripts:
        someone = harness.person(telegram_id, first_name="Bystander", language_code="en")
        for command in commands:
            await someone.send(command)
        for prefix in presses:
            await _press_first(someone, prefix)


async def _press_first(someone: Person, prefix: str) -> None:
    for message in someone.messages():
        for button in message.inline_buttons():
            if button.get("callback_data", "").startswith(prefix):
                await someone.press_data(button["callback_data"], message)
                return
