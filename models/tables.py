"""Every table of the program. Operations on them live in the modules named after their domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel, col

from models.base import UTCDateTime, utcnow

# The languages the program speaks, Arabic first (the default for newcomers).
LANGUAGES = ("ar", "en")

CATEGORIES = (
    "community",
    "elderly",
    "environment",
    "health",
    "education",
    "events",
    "pilgrims",
    "training",
)


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class GenderRule(StrEnum):
    ALL = "all"
    MALE = "male"
    FEMALE = "female"


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class OnboardingStep(StrEnum):
    LANGUAGE = "language"
    NAME = "name"
    PHONE = "phone"
    CENTER = "center"
    GENDER = "gender"
    # Minors (issue 13): asked after the name when BIRTH_YEAR_MODE is required or optional.
    BIRTH_YEAR = "birth_year"


class OpportunityStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class ShiftStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    # Close to the start a freed seat is held for the next in line until they accept it in time.
    OFFERED = "offered"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class OutboxStatus(StrEnum):
    """Where an outgoing message stands; models.outbox describes the moves between them."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"
    UNCERTAIN = "uncertain"
    UNREACHABLE = "unreachable"


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    DONE = "done"
    CANCELLED = "cancelled"  # a draft dropped before it was sent
    STOPPED = "stopped"  # a coordinator stopped it while it was being sent


# How close to a shift's site a location check-in must be, unless the shift says otherwise.
DEFAULT_RADIUS_M = 300
# Sane upper bounds for what coordinators type or import: a site is not a city, a shift not a stadium.
MAX_RADIUS_M = 5_000
MAX_CAPACITY = 10_000


class Center(SQLModel, table=True):
    """A neighborhood center: volunteers belong to one, opportunities are run by one."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name_ar: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    latitude: float | None = None
    longitude: float | None = None


class Volunteer(SQLModel, table=True):
    """A person who talks to the bot: a volunteer, and possibly a coordinator."""

    # The record lookup's name search reads this index alone (a scan of short keys, not of 100k
    # rows), the center beside the name for a coordinator's scope.
    __table_args__ = (Index("ix_volunteer_display_name_center", "display_name", "center_id"),)

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, unique=True)
    language: str = Field(default="ar", max_length=8)
    display_name: str | None = Field(default=None, max_length=64)
    # Always in the canonical form of models.phones (+9665XXXXXXXX); indexed for the record lookup.
    phone: str | None = Field(default=None, max_length=32, index=True)
    center_id: int | None = Field(default=None, foreign_key="center.id", index=True)
    gender: str | None = Field(default=None, max_length=8)
    role: str = Field(default=Role.VOLUNTEER, max_length=16)
    # The admin who last gave this person their role with /role, and when; None for admins who
    # hold the role from COORDINATOR_IDS (they lose it when removed from the setting).
    role_granted_by: int | None = Field(default=None, sa_type=BigInteger)
    role_granted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The secret behind the volunteer's personal pass (/pass); renewing it replaces it.
    pass_token: str | None = Field(default=None, max_length=32, unique=True, index=True)
    onboarding_step: str | None = Field(default=OnboardingStep.LANGUAGE, max_length=16)
    # A small JSON document for a conversation that is half done (survives restarts).
    conversation: str | None = Field(default=None, sa_type=Text)
    reminders_muted: bool = False
    reachable: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    registered_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # A volunteer's own data (issue 13): the emergency contact they may give in /profile (its phone
    # in the canonical form of models.phones), a gender change waiting for a coordinator's
    # confirmation and since when, and when their personal data was erased (/deleteme).
    emergency_name: str | None = Field(default=None, max_length=64)
    emergency_phone: str | None = Field(default=None, max_length=32)
    pending_gender: str | None = Field(default=None, max_length=8)
    pending_gender_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Minors (issue 13): the year of birth given at onboarding (None: not asked, or skipped).
    birth_year: int | None = None
    # What keeps volunteers coming back (issue 12): the daily digest of new opportunities matching
    # their interests (opt-in; only what was published after `digest_since`, the moment they opted
    # in), and whether their first name may appear on their center's leaderboard (opt-in).
    digest_opt_in: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    digest_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    leaderboard_opt_in: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class CoordinatorCenter(SQLModel, table=True):
    """A coordinator manages the opportunities of the centers they are assigned to."""

    __tablename__ = "coordinator_center"

    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True)
    center_id: int = Field(foreign_key="center.id", primary_key=True)


class Opportunity(SQLModel, table=True):
    """A volunteering opportunity with one or more shifts."""

    __table_args__ = (Index("ix_opportunity_status_published", "status", "published_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    category: str = Field(max_length=32, index=True)
    title_ar: str = Field(max_length=200)
    title_en: str = Field(max_length=200)
    description_ar: str = Field(default="", sa_type=Text)
    description_en: str = Field(default="", sa_type=Text)
    gender: str = Field(default=GenderRule.ALL, max_length=8)
    status: str = Field(default=OpportunityStatus.PUBLISHED, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Minors (issue 13): the youngest age that may sign up (models.ages), None for any age.
    min_age: int | None = None


class Shift(SQLModel, table=True):
    """One time slot of an opportunity, with its own capacity, site and check-in code."""

    __table_args__ = (
        Index("ix_shift_opportunity_starts", "opportunity_id", "starts_at"),
        Index("ix_shift_starts_at", "starts_at"),
        Index("ix_shift_ends_at", "ends_at"),  # the no-show sweep reads shifts that just ended
    )

    id: int | None = Field(default=None, primary_key=True)
    opportunity_id: int = Field(foreign_key="opportunity.id")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    capacity: int
    # Kept in step with confirmed sign-ups by a guarded UPDATE, so a seat is taken atomically.
    seats_taken: int = 0
    latitude: float | None = None
    longitude: float | None = None
    radius_m: int = DEFAULT_RADIUS_M
    # The shift's secret: the check-in codes shown on site are derived from it and the time
    # (models.checkin_codes); it is never shown itself.
    checkin_code: str = Field(max_length=32, unique=True)
    status: str = Field(default=ShiftStatus.ACTIVE, max_length=16)


class Signup(SQLModel, table=True):
    """A volunteer's seat (or waitlist place) on a shift; one row per volunteer and shift."""

    __table_args__ = (
        UniqueConstraint("shift_id", "volunteer_id", name="uq_signup_shift_volunteer"),
        Index("ix_signup_volunteer_status", "volunteer_id", "status"),
        Index("ix_signup_shift_status", "shift_id", "status", "signed_up_at"),
        # The offer sweep: the few seats held for an answer, by deadline (a partial index).
        Index("ix_signup_offered", "offer_expires_at",
              sqlite_where=text("status = 'offered'"), postgresql_where=text("status = 'offered'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id")
    volunteer_id: int = Field(foreign_key="volunteer.id")
    status: str = Field(max_length=16)
    signed_up_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    promoted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "I'll be there" under a reminder: when the volunteer first said they are coming.
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # While the seat is offered (status "offered"): the volunteer must accept before this moment.
    offer_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Came without a seat and was added on site by a coordinator who scanned their pass.
    walk_in: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Attendance(SQLModel, table=True):
    """Presence on a shift and the minutes credited for it: the record hours are made of."""

    __table_args__ = (
        # Covers a volunteer's open check-in and the sum of their minutes (milestones, /hours).
        Index("ix_attendance_volunteer_open", "volunteer_id", "checked_out_at", "credited_minutes"),
        # The sweeps find just-completed and still-open attendance without reading 2M rows.
        Index("ix_attendance_checked_out_at", "checked_out_at"),
        Index("ix_attendance_shift", "shift_id"),
        Index("ix_attendance_checked_in_at", "checked_in_at"),
        # /review: the few flagged records among millions, oldest first (a partial index); it also
        # covers the program's minutes pending review by period (models.hours).
        Index("ix_attendance_flagged", "flagged", "checked_in_at", "volunteer_id", "credited_minutes",
              sqlite_where=text("flagged = 1"), postgresql_where=text("flagged = true")),
        # A volunteer's minutes pending review (models.hours.pending_of), from the flagged rows only;
        # `flagged` is a column too, so the index alone answers (SQLite does not count the WHERE).
        Index("ix_attendance_pending", "volunteer_id", "flagged", "checked_in_at", "credited_minutes",
              sqlite_where=text("flagged = 1"), postgresql_where=text("flagged = true")),
        # The milestone sweep: records a coordinator confirmed lately (a partial index, few rows).
        Index("ix_attendance_reviewed", "reviewed_at",
              sqlite_where=text("reviewed_at IS NOT NULL"), postgresql_where=text("reviewed_at IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    # One attendance per sign-up: the database itself refuses a second check-in.
    signup_id: int | None = Field(default=None, foreign_key="signup.id", unique=True)
    shift_id: int | None = Field(default=None, foreign_key="shift.id")
    volunteer_id: int = Field(foreign_key="volunteer.id")
    checked_in_at: datetime = Field(sa_type=UTCDateTime)
    checked_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    method: str = Field(max_length=16)  # live | location | code | pass | manual | coordinator (on their behalf)
    credited_minutes: int = 0
    flagged: bool = False
    flag_reason: str | None = Field(default=None, max_length=64)
    # When a coordinator kept or corrected it (its minutes are confirmed since; see models.hours).
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A live location followed while checked in (issue 9): its latest position, kept as the
    # distance from the site and when it came (no track is kept), and the first moment it was
    # clearly outside the site, when the volunteer was asked once whether to check out.
    live_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    live_distance_m: int | None = None
    left_site_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who closed it: the volunteer's own Telegram id, a coordinator's, or None (the bot's sweep, or
    # before this was kept). Only a volunteer's own check-out can be undone by them.
    checked_out_by: int | None = Field(default=None, sa_type=BigInteger)


class OffSystemWork(SQLModel, table=True):
    """Where and why hours for work done outside the bot were added (/addhours): one per record."""

    __tablename__ = "off_system_work"

    attendance_id: int = Field(foreign_key="attendance.id", primary_key=True)
    center_id: int | None = Field(default=None, foreign_key="center.id", index=True)
    opportunity_id: int | None = Field(default=None, foreign_key="opportunity.id")
    reason: str = Field(default="", sa_type=Text)
    added_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)


class WrongCheckInCode(SQLModel, table=True):
    """A check-in code that matched nothing: the tries that limit guessing (models.checkin_codes)."""

    __tablename__ = "wrong_checkin_code"
    __table_args__ = (Index("ix_wrong_checkin_code_volunteer_at", "volunteer_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id")
    at: datetime = Field(sa_type=UTCDateTime)


class ProcessedUpdate(SQLModel, table=True):
    """Telegram updates already acted upon, so a redelivered update has no second effect."""

    __tablename__ = "processed_update"

    bot_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class OutboxMessage(SQLModel, table=True):
    """A message the bot will send (or has sent): every outgoing notice is a row before it leaves."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_due", "status", "priority", "not_before"),
        Index("ix_outbox_chat", "chat_id", "status"),
        Index("ix_outbox_broadcast", "broadcast_id", "status"),
        Index("ix_outbox_created", "created_at"),  # the retention sweep deletes old rows by age
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    chat_id: int = Field(sa_type=BigInteger)
    volunteer_id: int | None = Field(default=None, foreign_key="volunteer.id")
    kind: str = Field(max_length=32)
    payload: str = Field(default="{}", sa_type=Text)
    priority: int = 10  # lower goes first: 0 interactive, 10 notices, 20 broadcasts
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    telegram_message_id: int | None = Field(default=None, sa_type=BigInteger)
    last_error: str | None = Field(default=None, max_length=300)
    broadcast_id: int | None = None
    # Outbox sender (issue 4): sends whose fate is unknown (timed out, or the sender died while the
    # row was "sending"); such a message is resent at most once. A server default keeps
    # INSERT ... SELECT writers (broadcasts) that do not name the column working.
    uncertain_sends: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class AuditLog(SQLModel, table=True):
    """Who did what, and what was refused: coordinator actions and forged calls."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_telegram_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    action: str = Field(max_length=64)
    target: str | None = Field(default=None, max_length=128)
    allowed: bool = True
    detail: str | None = Field(default=None, sa_type=Text)


# ---------------------------------------------------------------------------------------------
# Coordinator tools (issue 5): broadcasts, and an index the program figures read.
# ---------------------------------------------------------------------------------------------


class Broadcast(SQLModel, table=True):
    """A coordinator's message to an audience: drafted, confirmed once, then delivered by the outbox."""

    id: int | None = Field(default=None, primary_key=True)
    created_by_telegram_id: int = Field(sa_type=BigInteger, index=True)
    language: str = Field(default="ar", max_length=8)  # the coordinator's, for the progress report
    text: str = Field(sa_type=Text)
    photo_file_id: str | None = Field(default=None, max_length=200)
    audience: str = Field(max_length=64)  # e.g. "all", "center:3", "shift:12", "active:30"
    # sha1 of author, text, photo and audience: the same message confirmed twice within a minute
    # is recognised even when it was drafted twice.
    content_hash: str = Field(max_length=40, index=True)
    status: str = Field(default=BroadcastStatus.DRAFT, max_length=16)
    recipients: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    progress_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    progress_message_id: int | None = Field(default=None, sa_type=BigInteger)
    # The outbox counts by status once the report is final (JSON): its rows may be pruned later.
    final_counts: str | None = Field(default=None, sa_type=Text)


# The figures and exports read attendance two ways, each answered from an index alone (no visit
# to 2M table rows): the whole program's minutes by period, and a center's volunteers one by one.
Index(
    "ix_attendance_checked_in_volunteer_minutes",
    col(Attendance.checked_in_at),  # a column, typed as its value
    col(Attendance.volunteer_id),  # a column, typed as its value
    col(Attendance.credited_minutes),  # a column, typed as its value
)
Index(
    "ix_attendance_volunteer_checked_in_minutes",
    col(Attendance.volunteer_id),  # a column, typed as its value
    col(Attendance.checked_in_at),  # a column, typed as its value
    col(Attendance.credited_minutes),  # a column, typed as its value
)


# ---------------------------------------------------------------------------------------------
# Quality feedback (issue 12): a volunteer's rating of a shift they attended, with a comment.
# ---------------------------------------------------------------------------------------------


class ShiftRating(SQLModel, table=True):
    """A volunteer's 1-5 rating of one attendance (asked once, after the check-out), and an
    optional comment. The opportunity and center are kept on the row, so the figures and the
    comments of a center read one index instead of joining millions of records."""

    __tablename__ = "shift_rating"
    __table_args__ = (
        # One rating per attendance: the database itself refuses a second one.
        UniqueConstraint("attendance_id", name="uq_shift_rating_attendance"),
        # /stats: a period's ratings of a center, or of the whole program, grouped by center and
        # opportunity from the index alone (no visit to the rows).
        Index("ix_shift_rating_center_rated", "center_id", "rated_at", "opportunity_id", "score"),
        Index("ix_shift_rating_rated", "rated_at", "center_id", "opportunity_id", "score"),
        # /comments: an opportunity's ratings newest first; the few with a comment, of a center or
        # of all of them, newest first (partial indexes).
        Index("ix_shift_rating_opportunity_rated", "opportunity_id", "rated_at"),
        Index("ix_shift_rating_commented_center", "center_id", "rated_at",
              sqlite_where=text("comment IS NOT NULL"), postgresql_where=text("comment IS NOT NULL")),
        Index("ix_shift_rating_commented", "rated_at",
              sqlite_where=text("comment IS NOT NULL"), postgresql_where=text("comment IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    attendance_id: int = Field(foreign_key="attendance.id")
    volunteer_id: int = Field(foreign_key="volunteer.id")
    opportunity_id: int = Field(foreign_key="opportunity.id")
    center_id: int = Field(foreign_key="center.id")
    score: int
    comment: str | None = Field(default=None, sa_type=Text)
    rated_at: datetime = Field(sa_type=UTCDateTime)
    commented_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# -- Yearly targets per center (issue 11) ---------------------------------------------------------
class CenterTarget(SQLModel, table=True):
    """A center's own targets for one year, set by an admin (/settarget); 0: no target for that
    figure. The whole program's targets stay in the settings."""

    __tablename__ = "center_target"

    center_id: int = Field(foreign_key="center.id", primary_key=True)
    year: int = Field(primary_key=True)
    volunteers: int = 0
    hours: int = 0
    opportunities: int = 0
    set_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = Field(sa_type=UTCDateTime)


# ---------------------------------------------------------------------------------------------
# A volunteer's own data (issue 13): /mydata and /deleteme find the records a person closed for
# others (as a coordinator), and the roles they gave, by their Telegram id without reading 2M
# attendance rows or 100k volunteers (a partial index: few people were given a role with /role).
# ---------------------------------------------------------------------------------------------
Index("ix_attendance_checked_out_by", col(Attendance.checked_out_by))  # a column, typed as its value
Index(
    "ix_volunteer_role_granted_by",
    col(Volunteer.role_granted_by),  # a column, typed as its value
    sqlite_where=text("role_granted_by IS NOT NULL"),
    postgresql_where=text("role_granted_by IS NOT NULL"),
)


# ---------------------------------------------------------------------------------------------
# Minors and guardians (issue 13): a guardian's consent before a minor's first sign-up.
# ---------------------------------------------------------------------------------------------


class ConsentStatus(StrEnum):
    PENDING = "pending"  # the link exists; no guardian has answered yet
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class GuardianConsent(SQLModel, table=True):
    """A minor's guardian consent: one row per minor, its history in the audit log (models.guardians)."""

    __tablename__ = "guardian_consent"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", unique=True)
    # The secret of the `/start g-<code>` link the minor sends their guardian; a withdrawal
    # replaces it, so an old link cannot grant consent again.
    code: str = Field(max_length=32, unique=True)
    status: str = Field(default=ConsentStatus.PENDING, max_length=16)
    method: str | None = Field(default=None, max_length=16)  # telegram | paper
    # Who consented in Telegram (need not be a volunteer), or the coordinator who recorded paper.
    guardian_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    recorded_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    note: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    granted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# ---------------------------------------------------------------------------------------------
# Neighborhood teams and seat swaps (issue 12).
# ---------------------------------------------------------------------------------------------


class TeamStatus(StrEnum):
    REQUESTED = "requested"  # a volunteer asked to found it; the center's coordinators decide
    ACTIVE = "active"
    DECLINED = "declined"


class Team(SQLModel, table=True):
    """A neighborhood team of a center: a leader, members who join with its invite code."""

    __table_args__ = (Index("ix_team_center_status", "center_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id")
    name: str = Field(max_length=64)
    leader_id: int = Field(foreign_key="volunteer.id")
    # What `/start t-<code>` and /jointeam carry; unguessable enough that only the invited join.
    invite_code: str = Field(max_length=16, unique=True)
    status: str = Field(default=TeamStatus.ACTIVE, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TeamMember(SQLModel, table=True):
    """A volunteer in a team (the leader too). The center is repeated here so the database itself
    keeps a volunteer in at most one team per center."""

    __tablename__ = "team_member"
    __table_args__ = (
        UniqueConstraint("center_id", "volunteer_id", name="uq_team_member_center_volunteer"),
        Index("ix_team_member_team", "team_id", "volunteer_id"),
        Index("ix_team_member_volunteer", "volunteer_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    center_id: int = Field(foreign_key="center.id")
    volunteer_id: int = Field(foreign_key="volunteer.id")
    joined_at: datetime = Field(sa_type=UTCDateTime)


class TeamBooking(SQLModel, table=True):
    """Seats a leader took for the team on a shift: counted in the shift's seats_taken while
    `held`, each member's confirmation turns one into their own sign-up; at the deadline the
    unclaimed ones go back to the shift (models.team_bookings)."""

    __tablename__ = "team_booking"
    __table_args__ = (
        UniqueConstraint("team_id", "shift_id", name="uq_team_booking_team_shift"),
        # The release sweep: the bookings still holding seats, by deadline (a partial index).
        Index("ix_team_booking_held", "deadline", sqlite_where=text("held > 0"), postgresql_where=text("held > 0")),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    shift_id: int = Field(foreign_key="shift.id")
    seats: int
    held: int  # seats booked and not yet confirmed by a member
    deadline: datetime = Field(sa_type=UTCDateTime)
    booked_at: datetime = Field(sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TeamMessage(SQLModel, table=True):
    """A leader's message to the team (at most a few a day: models.teams.MESSAGES_PER_DAY)."""

    __tablename__ = "team_message"
    __table_args__ = (Index("ix_team_message_team_sent", "team_id", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    sent_by: int = Field(foreign_key="volunteer.id")
    text: str = Field(sa_type=Text)
    sent_at: datetime = Field(sa_type=UTCDateTime)


class SwapStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the giver cancelled the seat or offered it to someone else


class SeatSwap(SQLModel, table=True):
    """A volunteer's seat offered to a teammate, who takes it with one tap before the start."""

    __tablename__ = "seat_swap"
    __table_args__ = (Index("ix_seat_swap_signup", "signup_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    signup_id: int = Field(foreign_key="signup.id")
    from_volunteer_id: int = Field(foreign_key="volunteer.id")
    to_volunteer_id: int = Field(foreign_key="volunteer.id")
    status: str = Field(default=SwapStatus.OFFERED, max_length=16)
    offered_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The signup the teammate holds once they accepted (the giver's row is cancelled then).
    taken_signup_id: int | None = Field(default=None, foreign_key="signup.id")


# ---------------------------------------------------------------------------------------------
# What keeps volunteers coming back (issue 12): interests, the daily digest, the leaderboard.
# ---------------------------------------------------------------------------------------------


class InterestCategory(SQLModel, table=True):
    """A category a volunteer cares about (models.interests): browsing and the digest start there."""

    __tablename__ = "interest_category"

    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True)
    category: str = Field(max_length=32, primary_key=True)


class InterestCenter(SQLModel, table=True):
    """A center a volunteer cares about, beside their own (models.interests)."""

    __tablename__ = "interest_center"

    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True)
    center_id: int = Field(foreign_key="center.id", primary_key=True)


class DigestRun(SQLModel, table=True):
    """One row per local day the digest was queued: once a day, and the start of the next window."""

    __tablename__ = "digest_run"

    day: str = Field(max_length=10, primary_key=True)  # the local date, ISO (2026-12-01)
    ran_at: datetime = Field(sa_type=UTCDateTime)
    queued: int = 0


class LeaderboardEntry(SQLModel, table=True):
    """An opted-in volunteer's confirmed minutes in one month ("2026-12") or year ("2026"), kept by
    models.leaderboard so a center's board is one short index walk, not a sum over 2M records."""

    __tablename__ = "leaderboard_entry"
    __table_args__ = (Index("ix_leaderboard_entry_board", "center_id", "period", "minutes", "volunteer_id"),)

    period: str = Field(max_length=7, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True)
    center_id: int = Field(foreign_key="center.id")
    minutes: int = 0


# The leaderboard reads a center's opted-in volunteers alone (a partial index: few of 100k rows).
Index(
    "ix_volunteer_leaderboard",
    col(Volunteer.center_id),  # a column, typed as its value
    col(Volunteer.id),  # a column, typed as its value
    sqlite_where=text("leaderboard_opt_in = 1"),
    postgresql_where=text("leaderboard_opt_in = true"),
)
# The digest reads the opted-in volunteers alone.
Index(
    "ix_volunteer_digest",
    col(Volunteer.id),  # a column, typed as its value
    sqlite_where=text("digest_opt_in = 1"),
    postgresql_where=text("digest_opt_in = true"),
)


# ---------------------------------------------------------------------------------------------
# Training courses and qualifications (issue 12): named skills, the courses that grant them, the
# opportunities that require them, and who holds which until when.
# ---------------------------------------------------------------------------------------------


class Qualification(SQLModel, table=True):
    """A named skill (e.g. first aid): granted by a course or by a coordinator, required by shifts."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name_ar: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    # How long it stays valid after it was granted; None: for good.
    validity_months: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CourseQualification(SQLModel, table=True):
    """A training opportunity (a course) and the one qualification attending it grants."""

    __tablename__ = "course_qualification"

    opportunity_id: int = Field(foreign_key="opportunity.id", primary_key=True)
    qualification_id: int = Field(foreign_key="qualification.id", index=True)


class RequiredQualification(SQLModel, table=True):
    """A qualification a volunteer must hold (valid until the shift's end) to sign up."""

    __tablename__ = "required_qualification"

    opportunity_id: int = Field(foreign_key="opportunity.id", primary_key=True)
    qualification_id: int = Field(foreign_key="qualification.id", primary_key=True)


class VolunteerQualification(SQLModel, table=True):
    """A volunteer's qualification: one row per person and qualification, renewed by a new grant
    (the audit log keeps the history). Revoked rows stay, with who revoked them and why."""

    __tablename__ = "volunteer_qualification"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "qualification_id", name="uq_volunteer_qualification"),
    )

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id")
    qualification_id: int = Field(foreign_key="qualification.id", index=True)
    granted_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source: str = Field(max_length=16)  # course | manual
    # The course attendance that granted it; None for a coordinator's grant.
    attendance_id: int | None = Field(default=None, foreign_key="attendance.id")
    granted_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    reason: str | None = Field(default=None, sa_type=Text)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    revoke_reason: str | None = Field(default=None, sa_type=Text)


# -- Certificates and experience letters (issue 11) -----------------------------------------------
class IssuedCertificate(SQLModel, table=True):
    """A certificate (or experience letter) as issued: what it said, and how to check it later.

    `code` is the unguessable part of the verification link printed as a QR code; `serial` is what
    a person reads out. The snapshot and its sha256 `fingerprint` let verification tell whether the
    confirmed hours it certifies have been corrected since. A re-issue for the same volunteer,
    document and scope is a new version; the old row then names it in `superseded_by`.
    """

    __tablename__ = "issued_certificate"
    __table_args__ = (Index("ix_issued_certificate_scope", "volunteer_id", "document", "scope"),)

    id: int | None = Field(default=None, primary_key=True)
    serial: str | None = Field(default=None, max_length=32, unique=True)
    code: str = Field(max_length=32, unique=True)
    volunteer_id: int = Field(foreign_key="volunteer.id")
    document: str = Field(max_length=16)  # certificate | letter
    scope: str = Field(max_length=32)  # all | y2026 | o12
    language: str = Field(max_length=8)  # ar | en | both
    holder_name: str | None = Field(default=None, max_length=64)  # blanked when the holder is erased
    minutes: int
    shifts: int
    snapshot: str = Field(sa_type=Text)  # JSON of what the document lists
    fingerprint: str = Field(max_length=64)
    version: int = 1
    issued_at: datetime = Field(sa_type=UTCDateTime)
    superseded_by: int | None = None
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, sa_type=Text)
    revoked_by: int | None = Field(default=None, sa_type=BigInteger)
    pdf: bytes | None = Field(default=None, sa_type=LargeBinary)  # the document as delivered
