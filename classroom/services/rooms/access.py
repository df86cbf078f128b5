"""Entering a live room: when it is open, room tokens, joining by code, accounts' roles, and who a lock lets in."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from ...errors import AppError
from ...extensions import db
from ...models import AttendanceInterval, LiveSession, LiveStatus, Participant, Role, User
from ...reference import ZONE_NAMES
from ...timefmt import as_utc, utcnow
from ... import schemas
from ...schemas import NAME_MAX
from .. import join_codes
from .roles import CLASS_DEVICE, HOST, STUDENT, TEACHER

HEADCOUNT_MAX = 200
TOKEN_SALT = "room-token"
FACTS_SECONDS = 60


def opens_at(live: LiveSession) -> datetime:
    return as_utc(live.starts_at) - timedelta(minutes=current_app.config.get("ROOM_OPENS_MINUTES_BEFORE", 15))


def closes_at(live: LiveSession) -> datetime:
    return as_utc(live.ends_at)


def check_open(live: LiveSession, now: datetime | None = None, for_public: bool = True) -> None:
    """Raise 403 unless the room can be entered now; a locked room still lets its teacher and hosts in."""
    now = now or utcnow()
    if live.status == LiveStatus.CANCELLED:
        raise AppError(403, "cancelled", _("This session was cancelled."))
    if live.status == LiveStatus.ENDED or now >= closes_at(live):
        raise AppError(403, "ended", _("This session has ended."))
    if now < opens_at(live):
        raise AppError(403, "not_open", _("The room opens %(minutes)d minutes before the session starts.",
                                           minutes=current_app.config.get("ROOM_OPENS_MINUTES_BEFORE", 15)))
    if for_public and live.locked:
        raise AppError(403, "locked", _("The teacher has locked this room."))


def session_json(live: LiveSession) -> dict:
    """What a session is; the facts that do not change in class are cached a minute per process, since a
    class arriving at the bell would otherwise load the same four rows once per student."""
    session_facts = current_app.extensions["rooms"].session_facts  # the process's room registry
    cached = session_facts.get(live.id)
    if cached is None or cached[0] < time.monotonic() or cached[1]["starts_at"] != as_utc(live.starts_at).isoformat():
        if not isinstance(live, LiveSession):  # a RoomState: load the session itself, once a minute
            live = db.session.get(LiveSession, live.id)
        zone = live.school.timezone
        facts = {
            "id": live.id,
            "subject": live.request.subject,
            "grade": live.request.grade,
            "class_name": live.request.class_name,
            "school": live.school.name,
            "teacher": live.teacher.user.name,
            "starts_at": as_utc(live.starts_at).isoformat(),
            "ends_at": as_utc(live.ends_at).isoformat(),
            "opens_at": opens_at(live).isoformat(),
            "timezone": zone,
            "zone": ZONE_NAMES.get(zone, zone),
        }
        session_facts[live.id] = (time.monotonic() + FACTS_SECONDS, facts)
    else:
        facts = cached[1]
    return {**facts, "status": live.status.value, "locked": live.locked, "chat_muted": live.chat_muted}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def issue_token(participant: Participant) -> str:
    return _serializer().dumps({"s": participant.live_session_id, "p": participant.id, "r": participant.role})


@dataclass(frozen=True)
class TokenClaims:
    live_session_id: int
    participant_id: int
    role: str


def read_token(token) -> TokenClaims:
    """The claims of a valid room token; AppError 401 when missing, forged or expired."""
    if not isinstance(token, str) or not token or len(token) > 512:
        raise AppError(401, "unauthorized", _("A room token is needed to enter."))
    if not token.isascii():  # a pass is URL-safe base64; a lone surrogate would not even encode
        raise AppError(401, "unauthorized", _("This room pass is not valid."))
    try:
        claims = _serializer().loads(token, max_age=current_app.config.get("ROOM_TOKEN_SECONDS", 3 * 3600))
    except SignatureExpired:
        raise AppError(401, "token_expired", _("Your room pass has expired. Join again with the code."))
    except BadSignature:
        raise AppError(401, "unauthorized", _("This room pass is not valid."))
    try:
        return TokenClaims(int(claims["s"]), int(claims["p"]), str(claims["r"]))
    except (KeyError, TypeError, ValueError):
        raise AppError(401, "unauthorized", _("This room pass is not valid."))


@dataclass(frozen=True)
class ArrivingMember:
    """The participant a room token names, as plain values: what a connect needs of it."""
    id: int
    name: str
    role: str
    hand_raised_at: datetime | None
    has_floor: bool
    headcount: int | None
    can_draw: bool = False


@dataclass(frozen=True)
class RoomState:
    """A live session's changing state, as plain values; `session_json` loads the rest once per process."""
    id: int
    status: LiveStatus
    starts_at: datetime
    ends_at: datetime
    locked: bool
    chat_muted: bool
    locked_at: datetime | None = None


def arrival_for_token(claims: TokenClaims) -> tuple[ArrivingMember, RoomState]:
    """The token's participant and its session, checked (not removed, room open) in one plain row: a class
    arriving at the bell makes this the hottest query, and loading two ORM objects with a join costs several
    times more than the round trip."""
    row = db.session.execute(
        select(Participant.id, Participant.name, Participant.role, Participant.removed, Participant.hand_raised_at,
               Participant.has_floor, Participant.headcount, Participant.can_draw, Participant.live_session_id,
               LiveSession.status,
               LiveSession.starts_at, LiveSession.ends_at, LiveSession.locked, LiveSession.chat_muted,
               LiveSession.locked_at)
        .join(LiveSession, LiveSession.id == Participant.live_session_id)
        .where(Participant.id == claims.participant_id)).first()
    if row is None or row.live_session_id != claims.live_session_id or row.role != claims.role:
        raise AppError(401, "unauthorized", _("This room pass is not valid."))
    if row.removed:
        raise AppError(403, "removed", _("The teacher has removed you from this room."))
    live = RoomState(row.live_session_id, row.status, row.starts_at, row.ends_at, row.locked, row.chat_muted,
                     row.locked_at)
    check_open(live, for_public=False)
    return ArrivingMember(row.id, row.name, row.role, row.hand_raised_at, row.has_floor, row.headcount,
                          row.can_draw), live


def check_lock(member: ArrivingMember, live: RoomState, connected_here: bool) -> None:
    """A locked room lets in its staff (teacher, hosts and the school's own class devices) and whoever was already
    in: connected now (here, or on any process), or connected until at most ROOM_LOCK_REJOIN_SECONDS before the
    lock, so that a student whose weak link dropped just before it, or drops after it, comes back. Anyone else is
    refused, whatever the age of their token: tokens last hours and were handed out before the lock."""
    if not live.locked or member.role != STUDENT or connected_here:
        return
    grace = timedelta(seconds=current_app.config.get("ROOM_LOCK_REJOIN_SECONDS", 120))
    since = as_utc(live.locked_at) - grace if live.locked_at else None
    was_in = select(AttendanceInterval.id).where(
        AttendanceInterval.participant_id == member.id,
        AttendanceInterval.left_at.is_(None) if since is None else
        (AttendanceInterval.left_at.is_(None) | (AttendanceInterval.left_at >= since))).limit(1)
    if db.session.scalar(was_in) is None:
        raise AppError(403, "locked", _("The teacher has locked this room."))


def join_by_code(data, guard=None) -> tuple[Participant, LiveSession]:
    """A student joins with the spoken code and a name; no account needed. `guard(live_session_id, code)`, called
    once the code is looked up (None: no such room), may refuse the attempt (security.JoinCodeGuard)."""
    body = schemas.parse(schemas.JoinBody, data, strict=True)
    code, name, key = body.code, body.name, body.key
    live = db.session.scalar(select(LiveSession).where(LiveSession.join_code == join_codes.normalize(code)))
    if guard is not None:
        guard(live.id if live is not None else None, join_codes.normalize(code))
    if live is None:
        raise AppError(404, "not_found", _("No session has this code. Check it with your teacher."))
    check_open(live)
    check_not_removed(live, name, key)
    participant = Participant(live_session=live, name=name, role=STUDENT, browser_key=key)
    db.session.add(participant)
    db.session.flush()
    return participant, live


def same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def check_not_removed(live: LiveSession, name: str, key: str | None) -> None:
    """A removal holds for the session: the code refuses the same browser (its key) and the same name until the
    teacher lets that person back in. Someone who clears the browser and changes the name gets past it."""
    for removed in db.session.scalars(select(Participant).where(Participant.live_session_id == live.id,
                                                                Participant.removed.is_(True))):
        if (key and removed.browser_key == key) or same_name(removed.name, name):
            raise AppError(403, "removed", _("The teacher has removed you from this session. "
                                              "Ask the teacher to let you back in."))


def account_role(live: LiveSession, user: User) -> str | None:
    """The room role a logged-in account has in this session: its teacher, or staff of its school."""
    if user.role == Role.TEACHER and user.teacher_profile and user.teacher_profile.id == live.teacher_id:
        return TEACHER
    if user.role == Role.SCHOOL and user.school_id == live.school_id:
        return HOST
    return None


def account_participant(live: LiveSession, user: User, role: str, headcount: int | None = None,
                        name: str | None = None) -> Participant:
    """The teacher's or a host's one participant per session; a class device is one per device join."""
    check_open(live, for_public=False)
    if role == CLASS_DEVICE:
        participant = Participant(live_session=live, user_id=user.id, role=CLASS_DEVICE, headcount=headcount,
                                  name=name or live.request.class_name or live.school.name)
        db.session.add(participant)
        db.session.flush()
        return participant
    participant = db.session.scalar(select(Participant).where(
        Participant.live_session_id == live.id, Participant.user_id == user.id, Participant.role == role))
    if participant is None:
        participant = Participant(live_session=live, user_id=user.id, role=role, name=user.name[:NAME_MAX])
        db.session.add(participant)
        db.session.flush()
    return participant
