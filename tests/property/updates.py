"""Actions into Bot API updates, shaped the way Telegram shapes them, against the world as it is.

Only well-formed updates: a press carries a message the presser's chat really has (or, when the
bot can no longer see it, an InaccessibleMessage with date 0), an edit edits a message the actor
really sent, a command gets its bot_command entity, texts stay within 4,096 UTF-16 code units.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from handlers import callback_data as cd
from handlers.common import MENU_LABELS
from tests.property.actions import (
    Action,
    Attachment,
    Channel,
    ChatMember,
    Command,
    Contact,
    Edited,
    Forwarded,
    Group,
    Location,
    Menu,
    Other,
    Press,
    Say,
    utf16,
)
from tests.property.world import ACTORS, BYSTANDERS, OTHER_SITE, SITE, Actor, World
from tests.telegram_double import BOT_ID, SentMessage

BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Volunteer Bot", "username": "volunteer_test_bot"}
COMMAND_AT_START = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?")
CHANNEL = {"id": -1_002_000_000_001, "type": "channel", "title": "Volunteer news <b>zq9</b>"}


@dataclass
class Delivery:
    """One update to deliver, and what the checks need to know about it."""

    kind: str
    payload: dict[str, Any]  # the update without its update_id
    actor: Actor
    chat_id: int | None  # the chat replies may go to (None: none at all)
    query_id: str | None = None
    checks_in: bool = False  # a location or a check-in code sent by the actor
    checks_out: bool = False
    blocks: bool | None = None  # after it, the actor has blocked (True) or unblocked (False) the bot


@dataclass
class UpdateBuilder:
    world: World
    sent: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # actor id -> their messages
    message_ids: Any = field(default_factory=lambda: itertools.count(500_000))
    query_ids: Any = field(default_factory=lambda: itertools.count(900_000))
    last_press: dict[int, tuple[SentMessage, str]] = field(default_factory=dict)

    def now(self) -> int:
        return int(self.world.harness.now.timestamp())

    # -- people and chats ----------------------------------------------------------------------
    @staticmethod
    def user(actor: Actor) -> dict[str, Any]:
        user: dict[str, Any] = {"id": actor.user_id, "is_bot": False, "first_name": actor.first_name}
        if actor.language_code:
            user["language_code"] = actor.language_code
        return user

    @staticmethod
    def private(actor: Actor) -> dict[str, Any]:
        return {"id": actor.user_id, "type": "private", "first_name": actor.first_name}

    @staticmethod
    def group(actor: Actor) -> dict[str, Any]:
        return {"id": -1_001_000_000_000 - ACTORS.index(actor), "type": "supergroup", "title": "حلقة <i>zq10</i>"}

    def message(self, actor: Actor, content: dict[str, Any], chat: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"message_id": next(self.message_ids), "date": self.now(), "chat": chat or self.private(actor),
                "from": self.user(actor), **content}

    # -- content -------------------------------------------------------------------------------
    def content(self, action: Say | Command | Menu | Location | Contact, actor: Actor) -> dict[str, Any]:
        if isinstance(action, Say):
            return text_content(action.text)
        if isinstance(action, Command):
            args = action.args
            if action.code is not None:
                codes = self.world.checkin_codes
                args = "ci-" + codes[action.code % len(codes)] if action.code < 2 * len(codes) else "ci-" + "x" * action.code
            return text_content(f"/{action.name}{action.mention}" + (f" {args}" if args else ""))
        if isinstance(action, Menu):
            translator = self.world.harness.app.bot_data.services.catalogs.for_language(action.language)
            return text_content(translator.gettext(MENU_LABELS[action.action]))
        if isinstance(action, Location):
            base = {"site": SITE, "other_site": OTHER_SITE}.get(action.where, (0.0, 0.0))
            latitude = max(-90.0, min(90.0, base[0] + action.latitude))
            longitude = max(-180.0, min(180.0, base[1] + action.longitude))
            location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
            if action.live:
                location["live_period"] = 900
            if action.venue:
                return {"location": location, "venue": {"location": location, "title": "الحرم <b>zq11</b>", "address": "Makkah & <i>"}}
            return {"location": location}
        own = {"user_id": actor.user_id} if action.own else {"user_id": BYSTANDERS[0]}
        return {"contact": {"phone_number": action.phone, "first_name": actor.first_name, **own}}

    # -- actions -------------------------------------------------------------------------------
    def build(self, actor: Actor, action: Action) -> Delivery:  # noqa: C901 (one branch per kind)
        chat_id = actor.user_id
        if isinstance(action, Say | Command | Menu | Location | Contact):
            content = self.content(action, actor)
            message = self.message(actor, content)
            self.sent.setdefault(actor.user_id, []).append(message)
            kind = "venue" if isinstance(action, Location) and action.venue else type(action).__name__.lower()
            return Delivery(kind, {"message": message}, actor, chat_id,
                            checks_in=_checks_in(content), checks_out=self._checks_out(content))
        if isinstance(action, Forwarded):
            content = self.content(action.content, actor)
            message = self.message(actor, {**content, "forward_origin": self.origin(action.origin)})
            return Delivery("forwarded", {"message": message}, actor, chat_id,
                            checks_in=_checks_in(content), checks_out=self._checks_out(content))
        if isinstance(action, Edited):
            earlier = self.sent.get(actor.user_id) or [self.message(actor, text_content("hello"))]
            original = earlier[action.pick % len(earlier)]
            content = self.content(action.content, actor)
            edited = {**{k: original[k] for k in ("message_id", "date", "chat", "from")}, **content, "edit_date": self.now()}
            return Delivery("edited", {"edited_message": edited}, actor, chat_id,
                            checks_in=_checks_in(content), checks_out=self._checks_out(content))
        if isinstance(action, Attachment):
            return Delivery(f"attachment:{action.kind}", {"message": self.message(actor, self.attachment(action.kind))}, actor, chat_id)
        if isinstance(action, Press):
            return self.press(actor, action)
        if isinstance(action, ChatMember):
            old, new = ("member", "kicked") if action.status == "kicked" else ("kicked", "member")
            change = self.member_change(actor, self.private(actor), old, new)
            return Delivery("my_chat_member", {"my_chat_member": change}, actor, None, blocks=action.status == "kicked")
        if isinstance(action, Group):
            return self.in_group(actor, action)
        if isinstance(action, Channel):
            post = {"message_id": next(self.message_ids), "date": self.now(), "chat": CHANNEL, "sender_chat": CHANNEL,
                    **text_content(action.text)}
            if action.kind == "edited_post":
                return Delivery("channel:edited_post", {"edited_channel_post": {**post, "edit_date": self.now()}}, actor, None)
            return Delivery("channel:post", {"channel_post": post}, actor, None)
        assert isinstance(action, Other)
        return self.other(actor, action)

    def _checks_out(self, content: dict[str, Any]) -> bool:
        text = (content.get("text") or "").strip()
        labels = {self.world.harness.app.bot_data.services.catalogs.for_language(lang).gettext(MENU_LABELS["checkout"]) for lang in ("ar", "en")}
        return text.split(" ")[0].split("@")[0] == "/checkout" or text in labels

    def origin(self, kind: str) -> dict[str, Any]:
        if kind == "user":
            return {"type": "user", "date": self.now() - 3600, "sender_user": {"id": BYSTANDERS[1], "is_bot": False, "first_name": "V"}}
        if kind == "hidden_user":
            return {"type": "hidden_user", "date": self.now() - 60, "sender_user_name": "<b>zq12</b>"}
        return {"type": "channel", "date": self.now() - 60, "chat": CHANNEL, "message_id": 7}

    def attachment(self, kind: str) -> dict[str, Any]:
        file = {"file_id": f"f{next(self.message_ids)}", "file_unique_id": "u1"}
        if kind == "sticker":
            return {"sticker": {**file, "width": 512, "height": 512, "is_animated": False, "is_video": False, "type": "regular"}}
        if kind == "photo":
            return {"photo": [{**file, "width": 90, "height": 90}], "caption": "<b>zq13</b> صورة"}
        if kind == "document":
            self.world.telegram.uploads[file["file_id"]] = b"ref,center\n<b>zq14</b>,' OR 1=1\n"
            return {"document": {**file, "file_name": "opportunities.csv", "mime_type": "text/csv", "file_size": 40}}
        if kind == "voice":
            return {"voice": {**file, "duration": 3}}
        if kind == "dice":
            return {"dice": {"emoji": "🎲", "value": 6}}
        return {"poll": {"id": "p1", "question": "<b>zq15</b>?", "options": [{"text": "a", "voter_count": 0, "persistent_id": "0"},
                                                                    {"text": "b", "voter_count": 0, "persistent_id": "1"}],
                         "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
                         "allows_revoting": False, "members_only": False}}

    def member_change(self, actor: Actor, chat: dict[str, Any], old: str, new: str) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            return {"status": status, "user": BOT, **({"until_date": 0} if status == "kicked" else {})}

        return {"chat": chat, "from": self.user(actor), "date": self.now(),
                "old_chat_member": member(old), "new_chat_member": member(new)}

    def in_group(self, actor: Actor, action: Group) -> Delivery:
        chat = self.group(actor)
        if action.kind in ("added", "removed"):
            old, new = ("left", "member") if action.kind == "added" else ("member", "left")
            return Delivery(f"group:{action.kind}", {"my_chat_member": self.member_change(actor, chat, old, new)}, actor, chat["id"])
        if action.kind == "location":
            content: dict[str, Any] = {"location": {"latitude": SITE[0], "longitude": SITE[1]}}
        elif action.kind == "command":
            content = text_content(f"/checkin@volunteer_test_bot {action.text}".strip())
        else:
            content = text_content(action.text)
        return Delivery(f"group:{action.kind}", {"message": self.message(actor, content, chat)}, actor, chat["id"])

    def other(self, actor: Actor, action: Other) -> Delivery:
        if action.kind == "inline_query":
            payload: dict[str, Any] = {"inline_query": {"id": str(next(self.query_ids)), "from": self.user(actor), "query": action.text, "offset": ""}}
        elif action.kind == "poll_answer":
            payload = {"poll_answer": {"poll_id": "p1", "user": self.user(actor), "option_ids": [0], "option_persistent_ids": ["0"]}}
        elif action.kind == "reaction":
            payload = {"message_reaction": {"chat": self.private(actor), "message_id": 1, "user": self.user(actor), "date": self.now(),
                                            "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}}
        elif action.kind == "join_request":
            payload = {"chat_join_request": {"chat": self.group(actor), "from": self.user(actor), "user_chat_id": actor.user_id, "date": self.now()}}
        else:
            change = self.member_change(actor, self.group(actor), "member", "administrator")
            change["new_chat_member"] = {"status": "member", "user": self.user(actor)}
            change["old_chat_member"] = {"status": "left", "user": self.user(actor)}
            payload = {"chat_member": change}
        return Delivery(action.kind, payload, actor, None)

    # -- presses -------------------------------------------------------------------------------
    def press(self, actor: Actor, action: Press) -> Delivery:
        telegram = self.world.telegram
        mine = [m for m in telegram.to(actor.user_id)]
        with_buttons = [(m, b["callback_data"]) for m in mine for b in m.inline_buttons() if "callback_data" in b]
        theirs = [b["callback_data"] for m in telegram.messages if m.chat_id != actor.user_id and not m.deleted
                  for b in m.inline_buttons() if "callback_data" in b]
        data, target = action.data, mine[-1] if mine else None
        source = action.source
        again = self.last_press.get(actor.user_id)
        if source == "again" and again is not None and not again[0].deleted:
            target, data = again
        elif source == "latest" and with_buttons:
            latest = [(m, d) for m, d in with_buttons if m is with_buttons[-1][0]]
            target, data = latest[action.pick % len(latest)]
        elif source in ("own", "latest") and with_buttons:
            target, data = with_buttons[action.pick % len(with_buttons)]
        elif source == "others" and theirs:
            data = theirs[action.pick % len(theirs)]
        elif source in ("latest", "own", "again", "others"):
            source = "forged"
        if action.where == "latest" and mine:
            target = mine[-1]
        query_id = str(next(self.query_ids))
        query: dict[str, Any] = {"id": query_id, "from": self.user(actor), "chat_instance": f"ci{actor.user_id}", "data": data}
        if action.inline:
            query["inline_message_id"] = f"AgAAAHostile{action.pick}"
            kind = "press:inline"
        elif action.inaccessible or action.where == "gone" or target is None:
            # Deleted (by the volunteer, or by the bot), or too old for the bot to see: either
            # way an edit of it fails, as it would on Telegram.
            if target is not None and action.where != "gone":
                message_id, target.deleted = target.message_id, True
            else:
                message_id = 10_000_000 + action.pick
            query["message"] = {"chat": self.private(actor), "message_id": message_id, "date": 0}
            kind = "press:inaccessible"
        else:
            query["message"] = bot_message(target, self.private(actor), self.now() - 30)
            self.last_press[actor.user_id] = (target, data)
            kind = "press"
        if action.late:
            telegram.late_queries.add(query_id)
            kind += ":late"
        # "✅ Check out" under /checkout, or "I left" under a live location: the volunteer's own
        # check-out, whether or not the message can still be edited (the answer is cosmetic).
        checks_out = any(re.match(kind_.pattern, data or "") for kind_ in (cd.CheckOutConfirm, cd.LeftSiteCheckOut))
        return Delivery(f"{kind} ({source})", {"callback_query": query}, actor, None if action.inline else actor.user_id,
                        query_id=query_id, checks_out=checks_out)


def text_content(text: str) -> dict[str, Any]:
    """A text message as Telegram delivers it: a command at the start gets its entity."""
    content: dict[str, Any] = {"text": text}
    command = COMMAND_AT_START.match(text)
    if command:
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16(command.group(0))}]
    return content


def _checks_in(content: dict[str, Any]) -> bool:
    text = content.get("text") or ""
    return "location" in content or (text.startswith("/start") and " ci-" in text)


def bot_message(message: SentMessage, chat: dict[str, Any], date: int) -> dict[str, Any]:
    """The bot's message as a callback query carries it: what the chat shows now."""
    data: dict[str, Any] = {"message_id": message.message_id, "date": date, "chat": chat, "from": BOT}
    if message.method == "sendPhoto":
        data["photo"] = [{"file_id": "qr", "file_unique_id": "qr", "width": 90, "height": 90}]
        data["caption"] = message.plain
    elif message.method == "sendDocument":
        data["document"] = {"file_id": "doc", "file_unique_id": "doc", "file_name": message.file_name or "file"}
    elif message.method == "sendLocation":
        data["location"] = {"latitude": SITE[0], "longitude": SITE[1]}
    else:
        data["text"] = message.plain or message.text
        if message.entities:
            data["entities"] = message.entities
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        data["reply_markup"] = message.reply_markup
    return data
