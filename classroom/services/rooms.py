"""Live rooms: who may join when, room tokens, presence, chat, hands, the board and polls."""
from __future__ import annotations

import string
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (AttendanceInterval, BoardStroke, ChatMessage, LiveSession, LiveStatus, Participant, Poll,
                      PollAnswer, Role, RoomServer, SlideDeck, User)
from ..reference import ZONE_NAMES
from ..timefmt import as_utc, utcnow
from ..errors import AppError, bad
from ..validation import ROW_ID_MAX
from . import join_codes

STUDENT, TEACHER, HOST, CLASS_DEVICE = "student", "teacher", "host", "class_device"
ROLES = (STUDENT, TEACHER, HOST, CLASS_DEVICE)
MODERATORS = frozenset({TEACHER, HOST})  # may mute chat, lock, remove
LEARNERS = frozenset({STUDENT, CLASS_DEVICE})  # raise hands, answer polls, take the floor

NAME_MAX = 80
CHAT_MAX = 500
HEADCOUNT_MAX = 200
TOKEN_SALT = "room-token"


def row_id(value) -> int | None:
    """A row id a client sent, or None when it cannot be one (so the lookup misses instead of crashing)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= ROW_ID_MAX:
        return None
    return value


# --- when a room is open -------------------------------------------------------------------------

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


_session_facts: dict[int, tuple[float, dict]] = {}
FACTS_SECONDS = 60


def session_json(live: LiveSession) -> dict:
    """What a session is; the facts that do not change in class are cached a minute per process, since a
    class arriving at the bell would otherwise load the same four rows once per student."""
    cached = _session_facts.get(live.id)
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
        _session_facts[live.id] = (time.monotonic() + FACTS_SECONDS, facts)
    else:
        facts = cached[1]
    return {**facts, "status": live.status.value, "locked": live.locked, "chat_muted": live.chat_muted}


def room_name(live_session_id: int) -> str:
    return f"session:{live_session_id}"


def participant_room(participant_id: int) -> str:
    """Every connection of one participant joins this room, so a message can reach exactly that peer."""
    return f"participant:{participant_id}"


# --- tokens --------------------------------------------------------------------------------------

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
    """What `participant_for_token` checks, in one plain row: a class arriving at the bell makes this the
    hottest query, and loading two ORM objects with a join costs several times more than the round trip."""
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


def set_locked(live: LiveSession, locked: bool) -> None:
    """Lock or unlock; locking a locked room keeps the moment it was first locked."""
    if locked and not live.locked:
        live.locked_at = utcnow()
    elif not locked:
        live.locked_at = None
    live.locked = locked


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


def participant_for_token(claims: TokenClaims) -> Participant:
    participant = db.session.get(Participant, claims.participant_id, options=[joinedload(Participant.live_session)])
    if participant is None or participant.live_session_id != claims.live_session_id or participant.role != claims.role:
        raise AppError(401, "unauthorized", _("This room pass is not valid."))
    if participant.removed:
        raise AppError(403, "removed", _("The teacher has removed you from this room."))
    check_open(participant.live_session, for_public=False)
    return participant


# --- joining ---------------------------------------------------------------------------------------

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


def join_by_code(data, guard=None) -> tuple[Participant, LiveSession]:
    """A student joins with the spoken code and a name; no account needed. `guard(live_session_id, code)`, called
    once the code is looked up (None: no such room), may refuse the attempt (security.JoinCodeGuard)."""
    if not isinstance(data, dict):
        raise AppError(400, "validation", _("The body must be a JSON object."))
    errors = {}
    code = data.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 20:
        errors["code"] = _("Enter the join code your teacher gave you.")
    key = data.get("key")
    if key is not None and (not isinstance(key, str) or not 16 <= len(key) <= 64 or set(key) - BROWSER_KEY_CHARS):
        errors["key"] = _("The browser key is 16 to 64 letters, digits, - or _.")
    try:
        name = clean_text(data.get("name"), "name", NAME_MAX, _("Enter your name."))
    except AppError as exc:
        errors.update(exc.fields)
    if errors:
        raise AppError(400, "validation", next(iter(errors.values())), errors)
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


BROWSER_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_")


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


def parse_headcount(value) -> int:
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(Infinity), which JSON lets a client send
        raise bad("headcount", _("Enter how many students are in front of this device."))
    if not 1 <= count <= HEADCOUNT_MAX:
        raise bad("headcount", _("Enter a number from 1 to %(n)d.", n=HEADCOUNT_MAX))
    return count


# --- presence and attendance -----------------------------------------------------------------------

def open_interval(participant: Participant, connection_id: str, server_id: str | None = None) -> AttendanceInterval:
    interval = AttendanceInterval(participant_id=participant.id, joined_at=utcnow(), connection_id=connection_id,
                                  server_id=server_id)
    db.session.add(interval)
    db.session.flush()
    return interval


def close_interval(interval_id: int, when: datetime | None = None) -> None:
    db.session.execute(update(AttendanceInterval).where(AttendanceInterval.id == interval_id,
                                                        AttendanceInterval.left_at.is_(None))
                       .values(left_at=when or utcnow()))


def close_connection_interval(participant_id: int, connection_id: str, when: datetime | None = None) -> None:
    """Close a connection's interval by its Socket.IO id (the participant's index finds it)."""
    db.session.execute(update(AttendanceInterval).where(AttendanceInterval.participant_id == participant_id,
                                                        AttendanceInterval.connection_id == connection_id,
                                                        AttendanceInterval.left_at.is_(None))
                       .values(left_at=when or utcnow()))


def open_connections(participant_id: int) -> list[str]:
    return list(db.session.scalars(select(AttendanceInterval.connection_id).where(
        AttendanceInterval.participant_id == participant_id, AttendanceInterval.left_at.is_(None),
        AttendanceInterval.connection_id.is_not(None))))


# --- the server processes that hold connections ----------------------------------------------------

def register_server(server_id: str, name: str) -> None:
    db.session.add(RoomServer(id=server_id, name=name[:200]))


def server_heartbeat(server_id: str) -> bool:
    """Records that this process is alive; False if the others had given it up and closed its attendance."""
    return bool(db.session.execute(update(RoomServer).where(RoomServer.id == server_id)
                                   .values(seen_at=utcnow())).rowcount)


def close_silent_servers(silent_seconds: float) -> set[int]:
    """A process killed outright says no goodbye: its connections' attendance would stay open, and its members
    would stay in every presence list. Close them at the process's last heartbeat and forget the process.
    Returns the live sessions whose presence changed."""
    cutoff = utcnow() - timedelta(seconds=silent_seconds)
    changed: set[int] = set()
    for server_id, seen_at in db.session.execute(select(RoomServer.id, RoomServer.seen_at)
                                                 .where(RoomServer.seen_at < cutoff)).all():
        # Delete first, guarded by the heartbeat read: a process that beat meanwhile keeps its row and its
        # attendance; one that beats later finds no row and opens its connections' intervals again.
        gone = db.session.execute(delete(RoomServer).where(RoomServer.id == server_id,
                                                           RoomServer.seen_at == seen_at)).rowcount
        if not gone:
            continue
        orphaned = (AttendanceInterval.server_id == server_id, AttendanceInterval.left_at.is_(None))
        changed.update(db.session.scalars(select(Participant.live_session_id).distinct()
                                          .join(AttendanceInterval, AttendanceInterval.participant_id == Participant.id)
                                          .where(*orphaned)))
        db.session.execute(update(AttendanceInterval).where(*orphaned).values(left_at=seen_at))
    return changed


def removed_among(participant_ids) -> set[int]:
    ids = set(participant_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Participant.id).where(Participant.id.in_(ids), Participant.removed.is_(True))))


ROLE_ORDER = {TEACHER: 0, HOST: 1, CLASS_DEVICE: 2, STUDENT: 3}


def member_rows(live_session_id: int) -> list:
    """Everyone with an open connection, each once however many tabs or reconnects they have."""
    rows = db.session.execute(
        select(Participant.id, Participant.name, Participant.role, Participant.headcount)
        .join(AttendanceInterval, AttendanceInterval.participant_id == Participant.id)
        .where(Participant.live_session_id == live_session_id, Participant.removed.is_(False),
               AttendanceInterval.left_at.is_(None))
        .distinct()).all()
    rows.sort(key=lambda r: (ROLE_ORDER.get(r.role, 9), r.name.lower(), r.id))
    return rows


def members(live_session_id: int, rows: list | None = None) -> list[dict]:
    rows = member_rows(live_session_id) if rows is None else rows
    return [{"id": r.id, "name": r.name, "role": r.role} for r in rows]


def students_present(live_session_id: int, rows: list | None = None) -> int:
    """Students in the room: one per student, a class device's headcount for each class device."""
    rows = member_rows(live_session_id) if rows is None else rows
    return sum((r.headcount or 1) if r.role == CLASS_DEVICE else 1 for r in rows if r.role in LEARNERS)


def room_json(live: LiveSession, rows: list | None = None) -> dict:
    return {"status": live.status.value, "locked": live.locked, "chat_muted": live.chat_muted,
            "students": students_present(live.id, rows), "closes_at": closes_at(live).isoformat()}


# --- chat ------------------------------------------------------------------------------------------

def message_json(message: ChatMessage) -> dict:
    return {"id": message.id, "name": message.name, "text": message.text,
            "at": as_utc(message.created_at).isoformat()}


def store_chat(participant: Participant, live: LiveSession, data) -> ChatMessage:
    if not isinstance(data, dict) or set(data) - {"text"}:
        raise bad("text", _("Send chat as {\"text\": \"...\"}."))
    text = clean_text(data.get("text"), "text", CHAT_MAX, _("Write a message first."))
    if live.chat_muted and participant.role not in MODERATORS:
        raise AppError(403, "chat_muted", _("The teacher has paused the chat."))
    message = ChatMessage(live_session_id=live.id, participant_id=participant.id, name=participant.name, text=text,
                          created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    return message


HISTORY_LIMIT = 1000


def sync_wants_state(data) -> bool:
    """`sync` may also ask for the room's state (`"state": true`), as the page does after `resync`."""
    wanted = data.get("state", False) if isinstance(data, dict) else False
    if not isinstance(wanted, bool):
        raise bad("state", _("Send sync as {\"after\": id} or {\"after\": id, \"state\": true}."))
    return wanted


def history(live_session_id: int, data) -> list[dict]:
    after = data.get("after") if isinstance(data, dict) else None
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise bad("after", _("Send sync as {\"after\": the last message id you have, or 0}."))
    if after >= ROW_ID_MAX:
        return []  # nothing can come after it, and the database driver would choke on the number
    messages = db.session.scalars(select(ChatMessage).where(ChatMessage.live_session_id == live_session_id,
                                                            ChatMessage.id > after)
                                  .order_by(ChatMessage.id).limit(HISTORY_LIMIT))
    return [message_json(m) for m in messages]


# --- hands and the floor ---------------------------------------------------------------------------

def set_hand(participant: Participant, data) -> None:
    up = data.get("up") if isinstance(data, dict) else None
    if not isinstance(up, bool):
        raise bad("up", _("Send {\"up\": true} or {\"up\": false}."))
    if up and participant.hand_raised_at is None:
        participant.hand_raised_at = utcnow()
    elif not up:
        participant.hand_raised_at = None


def hands(live_session_id: int) -> list[dict]:
    """The queue the teacher works through: first raised, first called."""
    rows = db.session.scalars(select(Participant).where(
        Participant.live_session_id == live_session_id, Participant.hand_raised_at.is_not(None),
        Participant.removed.is_(False)).order_by(Participant.hand_raised_at, Participant.id))
    return [{"id": p.id, "name": p.name, "at": as_utc(p.hand_raised_at).isoformat()} for p in rows]


def target_participant(live_session_id: int, data, field: str = "id") -> Participant:
    target_id = data.get(field) if isinstance(data, dict) else None
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        raise bad(field, _("Name the participant by id."))
    target = db.session.get(Participant, target_id) if row_id(target_id) else None
    if target is None or target.live_session_id != live_session_id:
        raise AppError(404, "not_found", _("This participant is not in the room."))
    return target


def lower_hand(live_session_id: int, data) -> Participant:
    target = target_participant(live_session_id, data)
    target.hand_raised_at = None
    return target


def give_floor(live_session_id: int, data) -> Participant | None:
    """At most one learner holds the floor; `{"id": null}` takes it back."""
    if not isinstance(data, dict) or "id" not in data:
        raise bad("id", _("Name the participant by id, or null."))
    db.session.execute(update(Participant).where(Participant.live_session_id == live_session_id,
                                                 Participant.has_floor.is_(True)).values(has_floor=False))
    if data["id"] is None:
        return None
    target = target_participant(live_session_id, data)
    if target.role not in LEARNERS:
        raise bad("id", _("Only a student or a class device can be given the floor."))
    target.has_floor = True
    target.hand_raised_at = None
    return target


def floor_json(live_session_id: int) -> dict:
    holder = db.session.scalar(select(Participant).where(Participant.live_session_id == live_session_id,
                                                         Participant.has_floor.is_(True)))
    return {"id": holder.id, "name": holder.name} if holder else {"id": None, "name": None}


# --- moderation ------------------------------------------------------------------------------------

def no_arguments(data) -> None:
    """`end` and `board_clear` undo a lot: anything but `{}` is a confused client, not a command."""
    if data is not None and data != {}:
        raise bad("body", _("Send this event with {} only."))


def flag(data, field: str) -> bool:
    value = data.get(field) if isinstance(data, dict) else None
    if not isinstance(value, bool):
        raise bad(field, _("Send {\"%(field)s\": true} or false.", field=field))
    return value


def remove_participant(live: LiveSession, actor: Participant, data) -> tuple[Participant, list[str]]:
    target = target_participant(live.id, data)
    if target.role in MODERATORS:
        raise AppError(403, "forbidden", _("The teacher and school staff cannot be removed."))
    target.removed = True
    target.removed_at = utcnow()
    target.hand_raised_at = None
    target.has_floor = False
    connections = open_connections(target.id)
    now = utcnow()
    db.session.execute(update(AttendanceInterval).where(AttendanceInterval.participant_id == target.id,
                                                        AttendanceInterval.left_at.is_(None)).values(left_at=now))
    return target, connections


def readmit(live: LiveSession, data) -> Participant:
    """The teacher undoes a removal: that person's code, browser and name work again."""
    target = target_participant(live.id, data)
    if not target.removed:
        raise bad("id", _("This participant has not been removed."))
    target.removed = False
    target.removed_at = None
    return target


def removals(live_session_id: int) -> list[dict]:
    """Who was removed from this session, first removed first: the teacher sees them and can let them back in."""
    return [{"id": p.id, "name": p.name, "role": p.role, "at": as_utc(p.removed_at).isoformat() if p.removed_at else None}
            for p in db.session.scalars(select(Participant).where(
                Participant.live_session_id == live_session_id, Participant.removed.is_(True))
                .order_by(Participant.removed_at, Participant.id))]


def end_session(live: LiveSession) -> list[str]:
    """End the session for everyone: closes every open presence, returns the connections to drop."""
    now = utcnow()
    live.status = LiveStatus.ENDED
    live.ended_at = now
    participant_ids = select(Participant.id).where(Participant.live_session_id == live.id)
    connections = list(db.session.scalars(select(AttendanceInterval.connection_id).where(
        AttendanceInterval.participant_id.in_(participant_ids), AttendanceInterval.left_at.is_(None),
        AttendanceInterval.connection_id.is_not(None))))
    db.session.execute(update(AttendanceInterval).where(AttendanceInterval.participant_id.in_(participant_ids),
                                                        AttendanceInterval.left_at.is_(None)).values(left_at=now))
    db.session.execute(update(Participant).where(Participant.live_session_id == live.id)
                       .values(hand_raised_at=None, has_floor=False))
    return connections


def set_headcount(participant: Participant, data) -> None:
    if participant.role != CLASS_DEVICE:
        raise AppError(403, "forbidden", _("Only a class device has a headcount."))
    participant.headcount = parse_headcount(data.get("count") if isinstance(data, dict) else None)


# --- whiteboard ------------------------------------------------------------------------------------

BOARD_GRID = 1000
STROKE_POINTS_MAX = 400
BOARD_STROKES_MAX = 3000


TEXT_MAX = 200
LINE_MAX = 2**31 - 1


def stroke_json(stroke: BoardStroke) -> dict:
    body = {"id": stroke.id, "color": stroke.color, "width": stroke.width, "points": stroke.points}
    if stroke.text is not None:
        body["text"] = stroke.text
    return body


def may_draw(participant: Participant) -> None:
    """The teacher draws; a student or class device only while the teacher lets them."""
    if participant.role != TEACHER and not (participant.role in LEARNERS and participant.can_draw):
        raise AppError(403, "forbidden", _("Your role in this room cannot do this."))


def allow_drawing(live_session_id: int, data) -> Participant:
    target = target_participant(live_session_id, data)
    if target.role not in LEARNERS:
        raise bad("id", _("Only a student or a class device can be let draw."))
    target.can_draw = flag(data, "allowed")
    return target


def drawers(live_session_id: int) -> list[int]:
    return list(db.session.scalars(select(Participant.id).where(
        Participant.live_session_id == live_session_id, Participant.can_draw.is_(True),
        Participant.removed.is_(False)).order_by(Participant.id)))


def undo_line(live_session_id: int, participant: Participant, data) -> list[int]:
    """Takes back the drawer's newest line (every piece of it) or text; the ids of what went."""
    no_arguments(data)
    last = db.session.scalar(select(BoardStroke).where(
        BoardStroke.live_session_id == live_session_id, BoardStroke.participant_id == participant.id)
        .order_by(BoardStroke.id.desc()).limit(1))
    if last is None:
        return []
    query = select(BoardStroke.id).where(BoardStroke.live_session_id == live_session_id,
                                         BoardStroke.participant_id == participant.id)
    query = query.where(BoardStroke.line == last.line) if last.line is not None else query.where(
        BoardStroke.id == last.id)
    ids = list(db.session.scalars(query))
    db.session.execute(delete(BoardStroke).where(BoardStroke.id.in_(ids)))
    return ids


def add_stroke(live: LiveSession, participant: Participant, data) -> BoardStroke:
    if not isinstance(data, dict):
        raise bad("points", _("Send a stroke as {\"points\": [[x, y], ...], \"color\", \"width\"}."))
    text = None
    if data.get("text") is not None:
        text = clean_text(data.get("text"), "text", TEXT_MAX, _("Write the text first."))
        if not isinstance(data.get("points"), list) or len(data["points"]) != 1:
            raise bad("points", _("A text is written at one point [x, y]."))
    line = data.get("line")
    if line is not None and (isinstance(line, bool) or not isinstance(line, int) or not 0 <= line <= LINE_MAX):
        raise bad("line", _("A line number is a whole number from 0."))
    points = data.get("points")
    if not isinstance(points, list) or not 1 <= len(points) <= STROKE_POINTS_MAX or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                        and 0 <= v <= BOARD_GRID for v in p) for p in points):
        raise bad("points", _("A stroke is 1 to %(n)d points [x, y] on a 0 to 1000 grid.", n=STROKE_POINTS_MAX))
    color = data.get("color", "#1d2a33")
    if not isinstance(color, str) or len(color) != 7 or color[0] != "#" or not all(
            c in "0123456789abcdefABCDEF" for c in color[1:]):
        raise bad("color", _("A colour is written #rrggbb."))
    width = data.get("width", 3)
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= 40:
        raise bad("width", _("A width is 1 to 40."))
    count = db.session.scalar(select(func.count(BoardStroke.id)).where(BoardStroke.live_session_id == live.id))
    if count >= BOARD_STROKES_MAX:
        raise AppError(400, "board_full", _("The board is full. Clear it to draw more."))
    stroke = BoardStroke(live_session_id=live.id, participant_id=participant.id, color=color.lower(), width=width,
                         points=points, text=text, line=line)
    db.session.add(stroke)
    db.session.flush()
    return stroke


def board(live_session_id: int) -> list[dict]:
    return [stroke_json(s) for s in db.session.scalars(
        select(BoardStroke).where(BoardStroke.live_session_id == live_session_id).order_by(BoardStroke.id))]


def clear_board(live_session_id: int) -> None:
    db.session.execute(delete(BoardStroke).where(BoardStroke.live_session_id == live_session_id))


# --- polls and quick quizzes -----------------------------------------------------------------------

def open_poll(live: LiveSession, data) -> Poll:
    if not isinstance(data, dict):
        raise bad("question", _("Send a poll as {\"question\", \"options\": [...]}."))
    question = clean_text(data.get("question"), "question", 300, _("Write the question."))
    options = data.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= 6:
        raise bad("options", _("Give 2 to 6 options."))
    options = [clean_text(o, "options", 100, _("Every option needs some text.")) for o in options]
    correct = data.get("correct")
    if correct is not None and (isinstance(correct, bool) or not isinstance(correct, int)
                                or not 0 <= correct < len(options)):
        raise bad("correct", _("The correct answer must be one of the options."))
    now = utcnow()
    db.session.execute(update(Poll).where(Poll.live_session_id == live.id, Poll.closed_at.is_(None))
                       .values(closed_at=now))
    poll = Poll(live_session_id=live.id, question=question, options=options, correct_option=correct, created_at=now)
    db.session.add(poll)
    db.session.flush()
    return poll


def current_poll(live_session_id: int) -> Poll | None:
    return db.session.scalar(select(Poll).where(Poll.live_session_id == live_session_id)
                             .order_by(Poll.id.desc()).limit(1))


def poll_json(poll: Poll, participant: Participant | None = None) -> dict:
    body = {"id": poll.id, "question": poll.question, "options": poll.options, "quiz": poll.correct_option is not None,
            "open": poll.closed_at is None}
    if poll.closed_at is not None:
        body["correct"] = poll.correct_option
    if participant is not None:
        mine = db.session.scalar(select(PollAnswer.option).where(PollAnswer.poll_id == poll.id,
                                                                 PollAnswer.participant_id == participant.id))
        body["mine"] = mine
    return body


def answer_poll(live_session_id: int, participant: Participant, data) -> Poll:
    if not isinstance(data, dict):
        raise bad("option", _("Send {\"poll\": id, \"option\": index}."))
    poll_id, option = data.get("poll"), data.get("option")
    poll = db.session.get(Poll, poll_id) if row_id(poll_id) else None
    if poll is None or poll.live_session_id != live_session_id:
        raise AppError(404, "not_found", _("This poll is not in the room."))
    if poll.closed_at is not None:
        raise AppError(403, "poll_closed", _("This poll is closed."))
    if isinstance(option, bool) or not isinstance(option, int) or not 0 <= option < len(poll.options):
        raise bad("option", _("Choose one of the options."))
    answer = db.session.scalar(select(PollAnswer).where(PollAnswer.poll_id == poll.id,
                                                        PollAnswer.participant_id == participant.id))
    if answer is None:
        db.session.add(PollAnswer(poll_id=poll.id, participant_id=participant.id, option=option))
    else:
        answer.option = option  # a student may change their mind while the poll is open
        answer.answered_at = utcnow()
    db.session.flush()
    return poll


def poll_results(poll: Poll) -> dict:
    """Counts per option; a class device's answer counts once (it speaks for the room after a show of hands)."""
    counts = [0] * len(poll.options)
    for option, total in db.session.execute(select(PollAnswer.option, func.count(PollAnswer.id))
                                            .where(PollAnswer.poll_id == poll.id).group_by(PollAnswer.option)):
        if 0 <= option < len(counts):
            counts[option] = total
    body = {"poll": poll.id, "counts": counts, "total": sum(counts), "open": poll.closed_at is None}
    if poll.closed_at is not None:
        body["correct"] = poll.correct_option
    return body


def close_poll(live_session_id: int, data) -> Poll:
    poll_id = data.get("poll") if isinstance(data, dict) else None
    poll = db.session.get(Poll, poll_id) if row_id(poll_id) else None
    if poll is None or poll.live_session_id != live_session_id:
        raise AppError(404, "not_found", _("This poll is not in the room."))
    if poll.closed_at is None:
        poll.closed_at = utcnow()
    return poll


# --- slides ----------------------------------------------------------------------------------------

def current_deck(live_session_id: int) -> SlideDeck | None:
    return db.session.scalar(select(SlideDeck).where(SlideDeck.live_session_id == live_session_id)
                             .order_by(SlideDeck.id.desc()).limit(1))


def slide_json(deck: SlideDeck | None) -> dict:
    if deck is None:
        return {"deck": None, "page": 0, "pages": 0, "title": ""}
    return {"deck": deck.id, "page": deck.current_page, "pages": deck.page_count, "title": deck.title}


def show_page(live_session_id: int, data) -> SlideDeck:
    deck = current_deck(live_session_id)
    if deck is None:
        raise AppError(404, "no_slides", _("Upload slides first."))
    page = data.get("page") if isinstance(data, dict) else None
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= deck.page_count:
        raise bad("page", _("Choose a page from 1 to %(n)d.", n=deck.page_count))
    deck.current_page = page
    return deck
