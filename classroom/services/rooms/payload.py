"""Reading what a room's client sends: row ids, one line of text, flags, a participant named by id."""
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


def clean_text(value, field: str, max_length: int, required_message: str) -> str:
    """One line of a person's text: control characters dropped, spaces squeezed, length checked."""
    if not isinstance(value, str):
        raise bad(field, required_message)
    text = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch == "\n")
    text = " ".join(text.split()) if field != "text" else text.strip()
    if not text:
        raise bad(field, required_message)
    if len(text) > max_length:
        raise bad(field, _("At most %(n)d characters.", n=max_length))
    return text


def no_arguments(data) -> None:
    """`end` and `board_clear` undo a lot: anything but `{}` is a confused client, not a command."""
    if data is not None and data != {}:
        raise bad("body", _("Send this event with {} only."))


def flag(data, field: str) -> bool:
    value = data.get(field) if isinstance(data, dict) else None
    if not isinstance(value, bool):
        raise bad(field, _("Send {\"%(field)s\": true} or false.", field=field))
    return value


def target_participant(live_session_id: int, data, field: str = "id") -> Participant:
    target_id = data.get(field) if isinstance(data, dict) else None
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        raise bad(field, _("Name the participant by id."))
    target = db.session.get(Participant, target_id) if row_id(target_id) else None
    if target is None or target.live_session_id != live_session_id:
        raise AppError(404, "not_found", _("This participant is not in the room."))
    return target
