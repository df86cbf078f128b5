"""Entering a live room by its code (the public contract, docs/rooms.md); the room itself is Socket.IO."""
from __future__ import annotations

from .. import schemas
from ..schemas import responses as out
from ..extensions import db
from ..security import JoinCodeGuard
from ..services import rooms as room_service
from . import ANYONE, json_body, route


@route("POST", "/rooms/join", summary="Join a live session with its code (rooms.md)", roles=ANYONE,
       body=schemas.JoinBody,
       notes="Answers a room token for the /room namespace. Wrong codes are counted per address (429 with "
             "Retry-After); a session not open yet, ended, locked, or a removed student are refused (403/409).",
       rules="a name of nothing but control or invisible format characters (they are dropped).",
       response=out.JoinOut)
def join():
    guard = JoinCodeGuard()  # wrong codes count per address, the right code is never slowed by them
    participant, live = room_service.join_by_code(json_body(), guard.check)
    db.session.commit()
    guard.joined(live.id)
    return out.answer(out.JoinOut, token=room_service.issue_token(participant), room=room_service.room_name(live.id),
                      role=participant.role, session=room_service.session_json(live))
