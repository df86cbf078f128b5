"""Room chat: storing a message, its JSON, and the history a (re)connecting client asks for by `sync`."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import AppError
from ...extensions import db
from ...models import ChatMessage, LiveSession, Participant
from ...timefmt import as_utc, utcnow
from ...validation import ROW_ID_MAX
from .roles import MODERATORS

CHAT_MAX = 500
HISTORY_LIMIT = 1000


def message_json(message: ChatMessage) -> dict:
    return {"id": message.id, "name": message.name, "text": message.text,
            "at": as_utc(message.created_at).isoformat()}


def store_chat(participant: Participant, live: LiveSession, text: str) -> ChatMessage:
    if live.chat_muted and participant.role not in MODERATORS:
        raise AppError(403, "chat_muted", _("The teacher has paused the chat."))
    message = ChatMessage(live_session_id=live.id, participant_id=participant.id, name=participant.name, text=text,
                          created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    return message


def history(live_session_id: int, after: int) -> list[dict]:
    """The messages after `after` (the last id the client has, or 0), oldest first."""
    if after >= ROW_ID_MAX:
        return []  # nothing can come after it, and the database driver would choke on the number
    messages = db.session.scalars(select(ChatMessage).where(ChatMessage.live_session_id == live_session_id,
                                                            ChatMessage.id > after)
                                  .order_by(ChatMessage.id).limit(HISTORY_LIMIT))
    return [message_json(m) for m in messages]
