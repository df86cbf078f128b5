"""What the room's services share in reading what a client sent (after its event's schema, schemas/events.py):
a row id that may name nothing, a person's line of text, a participant of this room named by id."""
from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

from ...errors import AppError, bad
from ...extensions import db
from ...models import Participant
from ...validation import ROW_ID_MAX


def row_id(value) -> int | None:
    """A row id a client sent, or None when it cannot be one (so the lookup misses instead of crashing)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= ROW_ID_MAX:
        return None
    return value


def clean_text(value, field: str, max_length: int, required_message: str, *, lines: bool = False) -> str:
    """A person's text: control characters dropped, spaces squeezed (line breaks kept with `lines`), length
    checked."""
    if not isinstance(value, str):
        raise bad(field, required_message)
    text = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch == "\n" and lines)
    text = text.strip() if lines else " ".join(text.split())
    if not text:
        raise bad(field, required_message)
    if len(text) > max_length:
        raise bad(field, _("At most %(n)d characters.", n=max_length))
    return text


def target_participant(live_session_id: int, target_id: int) -> Participant:
    target = db.session.get(Participant, target_id) if row_id(target_id) else None
    if target is None or target.live_session_id != live_session_id:
        raise AppError(404, "not_found", _("This participant is not in the room."))
    return target
