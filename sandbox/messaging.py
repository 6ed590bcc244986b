"""Bot API methods that send, edit and delete messages and answer button taps."""

from __future__ import annotations

import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.errors import bad_request, forbidden, too_many_requests
from sandbox.formatting import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH, parse_formatted, utf16_length
from sandbox.markup import ReplyMarkup, parse_reply_markup
from sandbox.params import Params, UploadedFile
from sandbox.records import ChatMessage, MessageEdit, StoredFile, UserProfile
from sandbox.state import SandboxState

MethodHandler = Callable[[SandboxState, Params], Awaitable[Any]]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


# -- the Message object the bot gets back ----------------------------------------------------------


def _image_size(content: bytes | None) -> tuple[int, int]:
    """Width and height of a PNG (read from its header), else a plausible default."""
    if content and content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    return 800, 600


def message_json(state: SandboxState, message: ChatMessage) -> dict[str, Any]:
    """Telegram's ``Message`` object for a chat message, as it stands now."""
    user = state.users[message.chat_id]
    body: dict[str, Any] = {
        "message_id": message.message_id,
        "from": state.bot_user_json() if message.from_bot else user.user_json(),
        "chat": user.chat_json(),
        "date": message.date,
    }
    if message.text is not None:
        body["text"] = message.text
        if message.entities:
            body["entities"] = message.entities
    if message.caption is not None:
        body["caption"] = message.caption
        if message.entities:
            body["caption_entities"] = message.entities
    if message.photo is not None:
        width, height = _image_size(message.photo.content)
        body["photo"] = [
            {
                "file_id": message.photo.file_id,
                "file_unique_id": message.photo.file_unique_id,
                "width": width,
                "height": height,
                "file_size": message.photo.size,
            }
        ]
    if message.document is not None:
        body["document"] = {
            "file_id": message.document.file_id,
            "file_unique_id": message.document.file_unique_id,
            "file_name": message.document.file_name,
            "mime_type": message.document.mime_type,
            "file_size": message.document.size,
        }
    if message.location is not None:
        body["location"] = {"latitude": message.location[0], "longitude": message.location[1]}
    if message.contact is not None:
        body["contact"] = message.contact
    if message.inline_json:
        body["reply_markup"] = {"inline_keyboard": message.inline_json}
    if message.edit_date is not None:
        body["edit_date"] = message.edit_date
    return body


# -- shared checks ------------------------------------------------------------------------------------


def _chat_user(state: SandboxState, params: Params) -> UserProfile:
    chat_id = params.integer("chat_id", required=True)
    assert chat_id is not None
    user = state.users.get(chat_id)
    if user is None:
        raise bad_request("chat not found")
    return user


def _reachable_user(state: SandboxState, params: Params) -> UserProfile:
    user = _chat_user(state, params)
    if user.blocked:
        raise forbidden("bot was blocked by the user")
    return user


def _text(params: Params) -> tuple[str, list[dict[str, Any]]]:
    text, entities = parse_formatted(
        params.text("text") or "", params.text("parse_mode"), params.structure("entities")
    )
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_length(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text, entities


def _caption(params: Params) -> tuple[str | None, list[dict[str, Any]]]:
    if params.text("caption") is None:
        return None, []
    caption, entities = parse_formatted(
        params.text("caption") or "",
        params.text("parse_mode"),
        params.structure("caption_entities"),
    )
    if utf16_length(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return caption, entities


def _inline_markup(params: Params) -> ReplyMarkup:
    markup = parse_reply_markup(params.structure("reply_markup"))
    if markup.reply_keyboard or markup.remove_keyboard or markup.force_reply:
        raise bad_request("can't parse inline keyboard markup JSON object")
    return markup


def _file(state: SandboxState, params: Params, field: str) -> StoredFile:
    given = params.upload(field)
    if given is None:
        raise bad_request(f"there is no {field} in the request")
    if isinstance(given, UploadedFile):
        return state.store_file(given.content, file_name=given.filename, mime_type=given.mime_type)
    if given.startswith(("http://", "https://")):
        # Telegram would fetch the URL; we cannot, so the file has a URL and no bytes.
        return state.store_file(None, url=given, file_name=given.rsplit("/", 1)[-1])
    stored = state.files.get(given)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return stored


def _deliver(
    state: SandboxState, user: UserProfile, markup: ReplyMarkup, **fields: Any
) -> dict[str, Any]:
    """Pass flood control, then append the bot's new message to the chat."""
    retry_after = state.flood_control.acquire(user.user_id)
    if retry_after is not None:
        raise too_many_requests(retry_after)
    message = state.add_message(
        user.user_id,
        from_bot=True,
        inline_keyboard=markup.inline_keyboard,
        inline_json=markup.inline_json,
        reply_keyboard=markup.reply_keyboard,
        removes_keyboard=markup.remove_keyboard,
        force_reply=markup.force_reply,
        **fields,
    )
    if markup.reply_keyboard is not None:
        state.reply_keyboards[user.user_id] = markup.reply_keyboard
    elif markup.remove_keyboard:
        state.reply_keyboards[user.user_id] = None
    state.stats.record_sent(user.user_id, time.monotonic())
    return message_json(state, message)


def _bot_message_to_edit(state: SandboxState, params: Params) -> ChatMessage:
    if not params.has("chat_id") and params.has("inline_message_id"):
        raise bad_request("message to edit not found")  # no inline-mode messages here
    user = _reachable_user(state, params)
    message_id = params.integer("message_id", required=True)
    assert message_id is not None
    message = state.find_message(user.user_id, message_id)
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(
    state: SandboxState, message: ChatMessage, markup: ReplyMarkup, **fields: Any
) -> None:
    """Record the old state, then change the message; no reply_markup removes the keyboard."""
    message.edits.append(
        MessageEdit(
            at=int(time.time()), text=message.text, caption=message.caption, buttons=message.buttons
        )
    )
    for name, value in fields.items():
        setattr(message, name, value)
    message.inline_keyboard = markup.inline_keyboard
    message.inline_json = markup.inline_json
    message.edit_date = int(time.time())
    message.revision = state.touch()


# -- methods ------------------------------------------------------------------------------------------


async def send_message(state: SandboxState, params: Params) -> Any:
    """sendMessage."""
    user = _reachable_user(state, params)
    text, entities = _text(params)
    markup = parse_reply_markup(params.structure("reply_markup"))
    return _deliver(state, user, markup, text=text, entities=entities)


async def send_photo(state: SandboxState, params: Params) -> Any:
    """sendPhoto (multipart upload, file_id or URL)."""
    user = _reachable_user(state, params)
    photo = _file(state, params, "photo")
    caption, entities = _caption(params)
    markup = parse_reply_markup(params.structure("reply_markup"))
    return _deliver(state, user, markup, photo=photo, caption=caption, entities=entities)


async def send_document(state: SandboxState, params: Params) -> Any:
    """sendDocument (multipart upload, file_id or URL)."""
    user = _reachable_user(state, params)
    document = _file(state, params, "document")
    caption, entities = _caption(params)
    markup = parse_reply_markup(params.structure("reply_markup"))
    return _deliver(state, user, markup, document=document, caption=caption, entities=entities)


async def send_location(state: SandboxState, params: Params) -> Any:
    """sendLocation."""
    user = _reachable_user(state, params)
    latitude = params.number("latitude", required=True)
    longitude = params.number("longitude", required=True)
    assert latitude is not None and longitude is not None
    markup = parse_reply_markup(params.structure("reply_markup"))
    return _deliver(state, user, markup, location=(latitude, longitude))


async def send_chat_action(state: SandboxState, params: Params) -> Any:
    """sendChatAction: only validated and logged."""
    _reachable_user(state, params)
    if params.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


async def edit_message_text(state: SandboxState, params: Params) -> Any:
    """editMessageText; identical text, entities and keyboard is "not modified"."""
    message = _bot_message_to_edit(state, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(params)
    markup = _inline_markup(params)
    if (text, entities, markup.inline_json) == (
        message.text,
        message.entities,
        message.inline_json,
    ):
        raise bad_request(NOT_MODIFIED)
    _apply_edit(state, message, markup, text=text, entities=entities)
    return message_json(state, message)


async def edit_message_caption(state: SandboxState, params: Params) -> Any:
    """editMessageCaption."""
    message = _bot_message_to_edit(state, params)
    if message.photo is None and message.document is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = _caption(params)
    markup = _inline_markup(params)
    if (caption, entities, markup.inline_json) == (
        message.caption,
        message.entities,
        message.inline_json,
    ):
        raise bad_request(NOT_MODIFIED)
    _apply_edit(state, message, markup, caption=caption, entities=entities)
    return message_json(state, message)


async def edit_message_reply_markup(state: SandboxState, params: Params) -> Any:
    """editMessageReplyMarkup."""
    message = _bot_message_to_edit(state, params)
    markup = _inline_markup(params)
    if markup.inline_json == message.inline_json:
        raise bad_request(NOT_MODIFIED)
    _apply_edit(state, message, markup)
    return message_json(state, message)


async def delete_message(state: SandboxState, params: Params) -> Any:
    """deleteMessage: the message disappears from the chat (and from the page)."""
    user = _chat_user(state, params)
    message_id = params.integer("message_id", required=True)
    assert message_id is not None
    message = state.find_message(user.user_id, message_id)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    message.revision = state.touch()
    return True


async def answer_callback_query(state: SandboxState, params: Params) -> Any:
    """answerCallbackQuery; a second answer, or an unknown id, is refused as Telegram does."""
    record = state.callback_queries.get(params.text("callback_query_id") or "")
    if record is None:
        raise bad_request(QUERY_TOO_OLD)
    record.answers += 1
    if record.answers > 1:
        raise bad_request(QUERY_TOO_OLD)
    record.text = params.text("text")
    record.show_alert = params.flag("show_alert")
    record.url = params.text("url")
    record.revision = state.touch()
    return True


async def get_chat(state: SandboxState, params: Params) -> Any:
    """getChat: a ``ChatFullInfo`` for a user's private chat."""
    user = _chat_user(state, params)
    return {
        **user.chat_json(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


METHODS: dict[str, MethodHandler] = {
    "sendmessage": send_message,
    "sendphoto": send_photo,
    "senddocument": send_document,
    "sendlocation": send_location,
    "sendchataction": send_chat_action,
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
    "getchat": get_chat,
}
