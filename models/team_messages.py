"""The leader's messages to the team: queued to every member through the outbox, at most
MESSAGES_PER_DAY in any 24 hours (a rolling window, so the refusal can say from when the next may go)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.notices.kinds import NoticeKind
from models.outbox import PRIORITY_NOTICE, enqueue
from models.tables import Team, TeamMember, TeamMessage, TeamStatus, Volunteer

MESSAGES_PER_DAY = 3  # a leader's messages to the team in any 24 hours
MESSAGE_WINDOW = timedelta(hours=24)
MAX_MESSAGE = 3000  # leaves room for the heading within Telegram's 4096


class MessageOutcome(StrEnum):
    SENT = "sent"
    LIMIT = "limit"  # three already in the last 24 hours: `next_at` says when the next may go
    NOT_LEADER = "not_leader"
    EMPTY = "empty"
    NO_MEMBERS = "no_members"  # nobody but the leader yet


@dataclass
class MessageResult:
    outcome: MessageOutcome
    team: Team | None = None
    recipients: int = 0
    next_at: datetime | None = None


async def message_team(session: AsyncSession, *, leader: Volunteer, team_id: int, text: str, now: datetime) -> MessageResult:
    """The leader's message, queued to every other member (at most MESSAGES_PER_DAY per 24 hours)."""
    team = await session.get(Team, team_id, with_for_update=True)  # two messages at once count one after the other
    if team is None or team.leader_id != leader.id or team.status != TeamStatus.ACTIVE:
        return MessageResult(MessageOutcome.NOT_LEADER, team)
    text = text.strip()[:MAX_MESSAGE]
    if not text:
        return MessageResult(MessageOutcome.EMPTY, team)
    recent = list(
        (
            await session.execute(
                select(col(TeamMessage.sent_at))
                .where(col(TeamMessage.team_id) == team_id, col(TeamMessage.sent_at) > now - MESSAGE_WINDOW)
                .order_by(col(TeamMessage.sent_at))
            )
        ).scalars()
    )
    if len(recent) >= MESSAGES_PER_DAY:
        return MessageResult(MessageOutcome.LIMIT, team, next_at=recent[len(recent) - MESSAGES_PER_DAY] + MESSAGE_WINDOW)
    recipients = [
        (vid, chat)
        for vid, chat in await session.execute(
            select(col(Volunteer.id), col(Volunteer.telegram_id))
            .join(TeamMember, col(TeamMember.volunteer_id) == col(Volunteer.id))
            .where(col(TeamMember.team_id) == team_id, col(Volunteer.id) != leader.id)
        )
    ]
    if not recipients:
        return MessageResult(MessageOutcome.NO_MEMBERS, team)
    assert leader.id is not None
    message = TeamMessage(team_id=team_id, sent_by=leader.id, text=text, sent_at=now)
    session.add(message)
    await session.flush()
    for vid, chat in recipients:
        await enqueue(
            session, key=f"team-message:{message.id}:{vid}", chat_id=int(chat), volunteer_id=int(vid or 0),
            kind=NoticeKind.TEAM_MESSAGE, payload={"message_id": message.id}, now=now, priority=PRIORITY_NOTICE,
        )
    return MessageResult(MessageOutcome.SENT, team, recipients=len(recipients))
