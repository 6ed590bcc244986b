"""Every kind of message the bot sends on its own."""

from __future__ import annotations

from enum import StrEnum


class NoticeKind(StrEnum):
    """Stored in `outbox_message.kind`; the values are part of the schema (rows outlive releases)."""

    PROMOTED = "promoted"  # a seat opened and a waitlisted volunteer got it
    SEAT_OFFERED = "seat_offered"  # close to the start: a seat is held for them, will they come?
    OFFER_EXPIRED = "offer_expired"  # they did not answer in time; the seat went to the next in line
    REMINDER = "reminder"  # 24 h / 2 h before a shift
    AUTO_CHECKOUT = "auto_checkout"  # a forgotten check-out was closed for them
    NO_SHOW = "no_show"
    FIRST_SHIFT = "first_shift"  # thanks after the first completed shift
    MILESTONE = "milestone"  # thanks at 10, 25, 50 ... hours
    VOLUNTEER_DAY = "volunteer_day"  # 5 December
    SHIFT_CHANGED = "shift_changed"
    SHIFT_CANCELLED = "shift_cancelled"
    BROADCAST = "broadcast"  # a coordinator's announcement
    HOURS_ADJUSTED = "hours_adjusted"  # a coordinator corrected a record or added off-system hours
    PASS_ATTENDANCE = "pass_attendance"  # a coordinator checked them in or out with their pass
    CHECKED_IN_FOR = "checked_in_for"  # a coordinator checked the volunteer in on their behalf
    CHECKED_OUT_FOR = "checked_out_for"  # ... or out
    MARKED_PRESENT = "marked_present"  # a no-show (or a missed check-in) recorded as present
    RATING_REQUEST = "rating_request"  # after an attended shift: how was it? (1-5, once)
    # A volunteer's own data (issue 13)
    GENDER_REQUESTED = "gender_requested"  # to coordinators: a volunteer asks to change their gender
    PROFILE_CHANGED = "profile_changed"  # to the volunteer: staff changed (or declined to change) their profile
    # Minors and guardians (issue 13): the minor hears that a guardian's consent was given or withdrawn.
    GUARDIAN_CONSENT_GIVEN = "guardian_consent_given"
    GUARDIAN_CONSENT_WITHDRAWN = "guardian_consent_withdrawn"
    TEAM_REQUESTED = "team_requested"  # to a center's coordinators: a volunteer asks to found a team
    TEAM_DECIDED = "team_decided"  # to that volunteer: approved or declined
    TEAM_SEATS = "team_seats"  # to each member: the leader booked seats, confirm yours
    TEAM_MESSAGE = "team_message"  # the leader's message to the team
    SWAP_OFFERED = "swap_offered"  # a teammate offers you their seat
    SWAP_ANSWERED = "swap_answered"  # to the giver: the teammate took the seat or said no
    DIGEST = "digest"  # the morning digest of new opportunities matching their interests (opt-in)
    QUALIFICATION_GRANTED = "qualification_granted"  # a course attended, or a coordinator's grant
    QUALIFICATION_REVOKED = "qualification_revoked"  # a coordinator took a qualification back
    CERTIFICATE = "certificate"  # a certificate or experience letter the volunteer asked for (a PDF)
