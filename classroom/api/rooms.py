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


@route("GET", "/rooms/events.json", summary="The room's Socket.IO events: who may send each, its flood limit and "
                                            "its payload's JSON Schema", roles=ANYONE,
       notes="Generated from the schemas the event guard reads each payload against (classroom/schemas/events.py).")
def room_events():
    return events_document()


def events_document() -> dict:
    from ..sockets.rooms.guard import EVENTS, LIMITS  # the guard holds each event's rule as it checks it
    events = {}
    for name, rule in sorted(EVENTS.items()):
        burst, rate = LIMITS[rule.limit]
        events[name] = {"description": rule.description,
                        "roles": sorted(rule.roles) if rule.roles is not None else "any member",
                        **({"only": rule.also} if rule.also else {}),
                        "flood_limit": {"kind": rule.limit, "burst": burst, "per_second": rate},
                        "payload": rule.payload.json_schema()}
    return {"namespace": "/room",
            "connect": {"auth": {"token": "the room token POST /api/rooms/join answered"}},
            "refusal": {"event": "error", "body": {"error": "a stable code", "message": "in the user's language",
                                                   "fields": "each bad field of the payload and its message"},
                        "note": "sent to the sender alone, and as the acknowledgement when the client asked "
                                "for one"},
            "events": events}
