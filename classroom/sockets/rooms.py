"""The `/room` namespace: presence, chat and sync as ../shared/spec/rooms.md says, and the rest of a class
(hands, floor, polls, board, slides, moderation, WebRTC signalling) as docs/rooms.md describes."""
from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections import defaultdict, namedtuple
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import wraps

from flask import Flask, current_app, request
from flask_babel import gettext as _, ngettext
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room
from sqlalchemy import func, select

from ..extensions import db, socketio
from ..media import media_state
from ..models import AttendanceInterval, ChatMessage, LiveSession, LiveStatus, Participant, Poll
from ..services import rooms as room_service
from ..errors import AppError
from ..services.rooms import LEARNERS, MODERATORS, TEACHER, participant_room, room_name
from ..timefmt import utcnow
from . import queue

NAMESPACE = "/room"
SIGNAL_KINDS = frozenset({"offer", "answer", "ice", "mode", "bye"})
SIGNAL_MAX_CHARS = 20_000


def staff_room(live_session_id: int) -> str:
    """Teacher and hosts: they see a quiz's answers come in before the class does."""
    return f"session:{live_session_id}:staff"


class TokenBucket:
    """Flood control per connection and kind of event: `burst` at once, then `rate` a second."""

    def __init__(self, burst: float, rate: float):
        self.burst, self.rate = burst, rate
        self.tokens, self.stamp = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


LIMITS = {  # burst, per second
    "chat": (8, 1.0),
    "sync": (10, 1.0),
    "board": (60, 20.0),
    "signal": (300, 60.0),
    "default": (20, 4.0),
}


@dataclass
class Connection:
    """What this process knows of one open connection; the database knows it too (AttendanceInterval)."""
    participant_id: int
    live_session_id: int
    role: str
    name: str
    interval_id: int | None  # None while its AttendanceInterval waits for the next batch (PresenceFanout)
    buckets: dict[str, TokenBucket] = field(default_factory=dict)

    # Read by services that take an author: the same attributes a Participant has.
    @property
    def id(self) -> int:
        return self.participant_id

    def allow(self, kind: str) -> bool:
        bucket = self.buckets.get(kind)
        if bucket is None:
            bucket = self.buckets[kind] = TokenBucket(*LIMITS[kind])
        return bucket.take()


connections: dict[str, Connection] = {}


class ConnectionSlots:
    """Each participant's connections on this process, counted from the moment a connect starts: one token had
    opened 3,116 sockets, each writing attendance. A slot is taken before the connect's first query, so many
    connects at once cannot all pass the count. With several processes behind sticky sessions one client's
    connections land on one process; a client spreading over P processes gets at most P times the limit."""

    def __init__(self):
        self.by_participant: defaultdict[int, set[str]] = defaultdict(set)
        self.lock = threading.Lock()

    def take(self, participant_id: int, sid: str, limit: int) -> bool:
        with self.lock:
            held = self.by_participant[participant_id]
            if len(held) >= limit:
                if not held:
                    del self.by_participant[participant_id]
                return False
            held.add(sid)
            return True

    def others(self, participant_id: int, sid: str) -> bool:
        """Whether the participant holds another connection here (it is in the room now)."""
        return bool(self.by_participant.get(participant_id, set()) - {sid})

    def release(self, participant_id: int, sid: str) -> None:
        with self.lock:
            held = self.by_participant.get(participant_id)
            if held is not None:
                held.discard(sid)
                if not held:
                    del self.by_participant[participant_id]


slots = ConnectionSlots()
# Which session and role a participant has never changes, so signalling can route without a query.
_participant_cache: dict[int, tuple[int, str]] = {}
_room_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_redis = None


def send_error(exc: AppError) -> None:
    emit("error", exc.as_json())  # inside a handler `emit` answers the sender alone


def shared_redis():
    """The Redis every process shares when a message queue joins several processes; None for one process."""
    global _redis
    queue = current_app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if not queue.startswith(("redis://", "rediss://", "unix://")):
        return None
    if _redis is None:
        import redis
        _redis = redis.Redis.from_url(queue)
    return _redis


def chat_order_key(live_session_id: int) -> str:
    """The Redis lock every process takes around a room's store-then-send."""
    return f"kelas:chat-order:{live_session_id}"


@contextmanager
def chat_order(live_session_id: int):
    """Store-then-send under one lock per room, so members receive ids in increasing order. With several
    processes (a message queue) the lock is also taken in Redis, which every process shares."""
    with _room_locks[live_session_id]:
        shared = shared_redis()
        lock = nullcontext() if shared is None else \
            shared.lock(chat_order_key(live_session_id), timeout=10, blocking_timeout=10)
        held = ExitStack()
        try:
            held.enter_context(lock)
        except Exception as exc:  # the queue's Redis is down or restarting: nothing is stored, and the sender hears so
            current_app.logger.warning("chat order lock unavailable: %s", exc)
            raise AppError(503, "unavailable", _("Chat is briefly unavailable. Your message was not sent; "
                                                  "please try again in a moment."))
        with held:
            yield


def room_event(roles=None, limit: str = "default", changes_room: bool = True):
    """Every room event: known connection, role, flood limit, one commit, `error` to the sender on refusal.
    An event that may change what a joiner is shown (`changes_room`) drops the room's snapshot.
    A client that asks for an acknowledgement gets the handler's answer, or the refusal's body, as it: the page
    sends chat one message at a time that way, so it knows which one was stored and which must wait and go again."""
    def decorator(handler):
        @wraps(handler)
        def wrapped(self, *args):
            connection = connections.get(request.sid)
            try:
                if connection is None:
                    raise AppError(401, "unauthorized", _("Join the room first."))
                if roles is not None and connection.role not in roles:
                    raise AppError(403, "forbidden", _("Your role in this room cannot do this."))
                if not connection.allow(limit):
                    raise AppError(429, "rate_limited", _("Slow down a little, please."))
                if len(args) > 1:
                    raise AppError(400, "validation", _("Send one JSON object with the event."))
                answer = handler(self, connection, args[0] if args else None)
                db.session.commit()
                if changes_room:
                    snapshots().changed(connection.live_session_id)
                return answer
            except AppError as exc:
                db.session.rollback()
                send_error(exc)
                return exc.as_json()
            except Exception:  # the room goes on; the sender learns that this one event failed
                db.session.rollback()
                current_app.logger.exception("room event %s failed", handler.__name__)
                refusal = AppError(500, "server_error", _("Something went wrong on our side. Please try again."))
                send_error(refusal)
                return refusal.as_json()
        wrapped.room_event = True
        return wrapped
    return decorator


def live_session(connection: Connection, must_be_running: bool = True) -> LiveSession:
    live = db.session.get(LiveSession, connection.live_session_id)
    if must_be_running and (live is None or live.status != LiveStatus.SCHEDULED):
        raise AppError(403, "ended", _("This session has ended."))
    return live


def participant(connection: Connection) -> Participant:
    return db.session.get(Participant, connection.participant_id)


MemberRow = namedtuple("MemberRow", "id name role headcount")


@dataclass
class PendingInterval:
    """A connection's attendance before it is written: with the next fan-out, in one insert for many."""
    participant_id: int
    joined_at: object
    left_at: object = None


class PresenceFanout:
    """Coalesces presence (and live poll results) per room: a class arriving at the bell would otherwise make
    the server send the whole member list once per arrival to every member, which is quadratic work that
    queues chat behind it. Each room's list goes out at most once per `ROOM_PRESENCE_SECONDS`; a new member
    gets the current list at once. With 0 (tests) every change is sent straight away."""

    def __init__(self, app: Flask):
        self.app = app
        self.rooms: set[int] = set()
        self.polls: set[tuple[int, int]] = set()
        self.last_rows: dict[int, list] = {}  # each room's members as last sent
        # Attendance of new connections, written in one batch before each fan-out (presence reads it).
        self.pending: dict[str, PendingInterval] = {}
        self.writing: dict[str, PendingInterval] = {}
        self.started = False
        self.stopped = False
        self.task = None
        self.lock = threading.Lock()
        self._server: tuple[int, str] | None = None  # (pid, id): a forked child is a new server process
        self.registered = False
        self.last_beat = float("-inf")  # time.monotonic() of this process's last heartbeat that was stored

    # --- this process among the rooms' server processes ---------------------------------------------

    @property
    def server_id(self) -> str:
        if self._server is None or self._server[0] != os.getpid():
            self._server = (os.getpid(), uuid.uuid4().hex)
            self.registered = False
        return self._server[1]

    @staticmethod
    def server_name() -> str:
        return f"{socket.gethostname()}:{os.getpid()}"  # for an operator reading room_servers

    def register_server(self) -> None:
        """Once per process, before its first connection's attendance is written."""
        server_id = self.server_id
        if self.registered:
            return
        with self.lock:
            if self.registered:
                return
            room_service.register_server(server_id, self.server_name())
            db.session.commit()
            self.registered = True

    def heartbeat(self) -> None:
        """Says this process is alive, and closes the attendance of processes that have gone silent."""
        if self.registered and not room_service.server_heartbeat(self.server_id):
            # The others took this process for dead (it was stopped or cut off for a while) and closed its
            # connections' attendance: it comes back, and the connections it still holds are present again.
            room_service.register_server(self.server_id, self.server_name())
            with self.lock:
                for sid, connection in list(connections.items()):
                    if sid not in self.pending and sid not in self.writing:
                        connection.interval_id = None
                        self.pending[sid] = PendingInterval(connection.participant_id, utcnow())
            self.app.logger.warning("room server %s was taken for dead; its connections are present again",
                                    self.server_id)
        db.session.commit()
        beat_before, self.last_beat = self.last_beat, time.monotonic()
        # Judge the others only when this process's own beats went through: after an outage of the database
        # every process looks silent, and the first one back would otherwise close everybody's attendance.
        if self.last_beat - beat_before > 2 * self.app.config["ROOM_HEARTBEAT_SECONDS"] + 1:
            return
        changed = room_service.close_silent_servers(self.app.config["ROOM_SERVER_SILENT_SECONDS"])
        db.session.commit()
        if changed:
            self.app.logger.warning("closed the attendance of silent room servers in sessions %s", sorted(changed))
        self.rooms.update(changed)

    @property
    def interval(self) -> float:
        return float(self.app.config.get("ROOM_PRESENCE_SECONDS", 0.25))

    def presence_changed(self, live_session_id: int) -> None:
        if self.interval <= 0:
            self.send_presence(live_session_id)
            return
        self.rooms.add(live_session_id)
        self._start()

    def poll_changed(self, live_session_id: int, poll_id: int) -> None:
        if self.interval <= 0:
            self.send_poll_results(live_session_id, poll_id)
            return
        self.polls.add((live_session_id, poll_id))
        self._start()

    def _start(self) -> None:
        with self.lock:
            if self.started:
                return
            self.started = True
        self.task = socketio.start_background_task(self._run)

    def stop(self, timeout: float = 5.0) -> None:
        """Ends the fan-out task after the round it is in (an app being torn down, as in the tests)."""
        self.stopped = True
        if self.task is not None:
            self.task.join(timeout)

    def _run(self) -> None:
        last_close_check = last_heartbeat = 0.0
        while not self.stopped:
            socketio.sleep(self.interval)
            if self.stopped:
                break
            rooms, self.rooms = self.rooms, set()
            polls, self.polls = self.polls, set()
            try:
                with self.app.app_context():
                    if time.monotonic() - last_heartbeat >= self.app.config["ROOM_HEARTBEAT_SECONDS"]:
                        last_heartbeat = time.monotonic()
                        self.heartbeat()
                    self.write_attendance()
                    for live_session_id in rooms:
                        self.send_presence(live_session_id)
                    for live_session_id, poll_id in polls:
                        self.send_poll_results(live_session_id, poll_id)
                    if time.monotonic() - last_close_check > 10:
                        last_close_check = time.monotonic()
                        close_finished_rooms()
                    db.session.remove()
            except Exception:  # keep fanning out for the other rooms
                self.app.logger.exception("presence fan-out failed")

    def arrived(self, sid: str, participant_id: int) -> None:
        with self.lock:
            self.pending[sid] = PendingInterval(participant_id, utcnow())

    def left(self, sid: str, participant_id: int) -> None:
        """A connection whose interval may not be written yet: mark it, or close the written row."""
        with self.lock:
            waiting = self.pending.get(sid) or self.writing.get(sid)
            if waiting is not None:
                waiting.left_at = utcnow()
                return
        room_service.close_connection_interval(participant_id, sid)
        db.session.commit()

    def write_attendance(self) -> None:
        """One insert and one commit for every connection since the last fan-out, instead of one each."""
        with self.lock:
            batch, self.pending = self.pending, {}
            self.writing = batch
        if not batch:
            return
        written_left = {sid: interval.left_at for sid, interval in batch.items()}
        try:
            db.session.add_all([AttendanceInterval(participant_id=i.participant_id, joined_at=i.joined_at,
                                                   left_at=written_left[sid], connection_id=sid,
                                                   server_id=self.server_id)
                                for sid, i in batch.items()])
            db.session.commit()
        except Exception:
            db.session.rollback()
            with self.lock:  # try again with the next fan-out
                self.pending.update(batch)
                self.writing = {}
            raise
        with self.lock:
            self.writing = {}
        # Connections that left while their rows were being written.
        for sid, interval in batch.items():
            if written_left[sid] is None and interval.left_at is not None:
                room_service.close_connection_interval(interval.participant_id, sid, interval.left_at)
        db.session.commit()
        # A teacher on another process may have removed one of them after it connected but before its row was
        # written, when the removal could not yet find this connection: look again now that the rows are there.
        removed = room_service.removed_among(i.participant_id for i in batch.values())
        if not removed:
            return
        sids = [sid for sid, interval in batch.items() if interval.participant_id in removed]
        for sid in sids:
            room_service.close_connection_interval(batch[sid].participant_id, sid)
        db.session.commit()
        for sid in sids:
            socketio.emit("removed", {"message": _("The teacher has removed you from this room.")}, to=sid,
                          namespace=NAMESPACE)
            socketio.server.disconnect(sid, namespace=NAMESPACE)

    def rows_with(self, live_session_id: int, member: Participant) -> list:
        """The room's members for a joiner's `state`: while presence is coalesced, the list last sent plus the
        joiner (the next fan-out, within one interval, brings the exact list), so a class arriving together
        does not read the whole room once per student."""
        rows = self.last_rows.get(live_session_id) if self.interval > 0 else None
        if rows is None:
            rows = room_service.member_rows(live_session_id)
        if any(row.id == member.id for row in rows):
            return rows
        return rows + [MemberRow(member.id, member.name, member.role, member.headcount)]

    def send_presence(self, live_session_id: int) -> None:
        rows = room_service.member_rows(live_session_id)
        self.last_rows[live_session_id] = rows
        if not rows:  # the room emptied: keep nothing of it in this process
            self.last_rows.pop(live_session_id, None)
            snapshots().snapshots.pop(live_session_id, None)
        live = db.session.get(LiveSession, live_session_id)
        socketio.emit("presence", {"members": room_service.members(live_session_id, rows)},
                      to=room_name(live_session_id), namespace=NAMESPACE)
        if live is not None:
            socketio.emit("room", room_service.room_json(live, rows), to=room_name(live_session_id),
                          namespace=NAMESPACE)

    def send_poll_results(self, live_session_id: int, poll_id: int) -> None:
        from ..models import Poll
        poll = db.session.get(Poll, poll_id)
        if poll is None:
            return
        results = room_service.poll_results(poll)
        # A quiz's answers stay with the staff until it closes; a poll's are everyone's.
        to = staff_room(live_session_id) if poll.correct_option is not None and poll.closed_at is None \
            else room_name(live_session_id)
        socketio.emit("poll_results", results, to=to, namespace=NAMESPACE)


def close_finished_rooms() -> None:
    """At the session's end the room closes: this process tells its members and lets them go."""
    now = utcnow()
    by_room: defaultdict[int, list[str]] = defaultdict(list)
    for sid, connection in list(connections.items()):
        by_room[connection.live_session_id].append(sid)
    for live_session_id, sids in by_room.items():
        live = db.session.get(LiveSession, live_session_id)
        if live is None or live.status != LiveStatus.SCHEDULED or now >= room_service.closes_at(live):
            for sid in sids:
                socketio.emit("ended", {"reason": "closed"}, to=sid, namespace=NAMESPACE)
                socketio.server.disconnect(sid, namespace=NAMESPACE)


def fanout() -> PresenceFanout:
    return current_app.extensions["room_fanout"]


@dataclass
class RoomSnapshot:
    """What every joiner of a room is shown alike, loaded once and shared by a class arriving together."""
    version: object
    expires: float
    hands: list
    floor: dict
    slides: dict
    poll_id: int | None
    board: list
    last_message_id: int


class RoomSnapshots:
    """A class arriving at the bell would load the same hands, floor, slides, poll and board once per student
    (seven queries each, most of a connect's cost). Each process keeps one snapshot per room, tagged with the
    room's version: every event that changes the room gives it a new version (in Redis when several processes
    share a message queue, so a change on one process is seen by all), and a snapshot is used only while its
    version is current, and at most `SECONDS` old as a safety net."""

    SECONDS = 5.0

    def __init__(self):
        self.snapshots: dict[int, RoomSnapshot] = {}
        self.local_versions: defaultdict[int, int] = defaultdict(int)

    @staticmethod
    def _key(live_session_id: int) -> str:
        return f"kelas:room-version:{live_session_id}"

    def version(self, live_session_id: int):
        """The room's current version; None when it cannot be known (Redis unreachable): then no snapshot."""
        shared = shared_redis()
        if shared is None:
            return self.local_versions[live_session_id]
        try:
            version = shared.get(self._key(live_session_id))
            if version is None:  # not changed since Redis started: a fresh random version, never a reused one
                shared.set(self._key(live_session_id), uuid.uuid4().hex, nx=True, ex=86400)
                version = shared.get(self._key(live_session_id))
            return version
        except Exception:  # noqa: BLE001 - the room still works, from the database
            current_app.logger.warning("room version unavailable", exc_info=True)
            return None

    def changed(self, live_session_id: int) -> None:
        self.snapshots.pop(live_session_id, None)
        self.local_versions[live_session_id] += 1
        shared = shared_redis()
        if shared is not None:
            try:
                shared.set(self._key(live_session_id), uuid.uuid4().hex, ex=86400)
            except Exception:  # noqa: BLE001 - other processes' snapshots still expire after SECONDS
                current_app.logger.warning("room version not published", exc_info=True)

    def chat_sent(self, live_session_id: int, message_id: int) -> None:
        snapshot = self.snapshots.get(live_session_id)
        if snapshot is not None and message_id > snapshot.last_message_id:
            snapshot.last_message_id = message_id

    def get(self, live_session_id: int, loaded_after: float = 0.0) -> RoomSnapshot:
        """The room's snapshot; `loaded_after` (a time.monotonic() instant) refuses one loaded before it."""
        version = self.version(live_session_id)
        snapshot = self.snapshots.get(live_session_id)
        if version is not None and snapshot is not None and snapshot.version == version \
                and snapshot.expires > time.monotonic() and snapshot.expires - self.SECONDS > loaded_after:
            return snapshot
        # Tagged with the version read before loading: a change committed meanwhile makes it stale at once.
        poll = room_service.current_poll(live_session_id)
        snapshot = RoomSnapshot(
            version=version, expires=time.monotonic() + self.SECONDS,
            hands=room_service.hands(live_session_id), floor=room_service.floor_json(live_session_id),
            slides=slide_state(live_session_id), poll_id=poll.id if poll else None,
            board=room_service.board(live_session_id),
            last_message_id=db.session.scalar(select(func.max(ChatMessage.id))
                                              .where(ChatMessage.live_session_id == live_session_id)) or 0)
        if version is not None:
            self.snapshots[live_session_id] = snapshot
        return snapshot


def snapshots() -> RoomSnapshots:
    return current_app.extensions["room_snapshots"]


def state_json(live: LiveSession, member: Participant, rows: list | None = None,
               snapshot: RoomSnapshot | None = None) -> dict:
    """Everything a client needs to draw the room after a (re)connect, chat aside (that comes by `sync`)."""
    snapshot = snapshot or snapshots().get(live.id)
    poll = db.session.get(Poll, snapshot.poll_id) if snapshot.poll_id else None
    state = {
        "you": {"id": member.id, "name": member.name, "role": member.role, "hand": member.hand_raised_at is not None,
                "floor": member.has_floor, "headcount": member.headcount},
        "session": room_service.session_json(live),
        "room": room_service.room_json(live, rows),
        "hands": snapshot.hands,
        "floor": snapshot.floor,
        "slides": snapshot.slides,
        "poll": room_service.poll_json(poll, member) if poll else None,
        "last_message_id": snapshot.last_message_id,
        "media": media_state(member.id, live.id),
    }
    if poll and (poll.correct_option is None or poll.closed_at is not None or member.role in MODERATORS):
        state["poll_results"] = room_service.poll_results(poll)  # answers come in all the time: never cached
    state.update(moderation_state(live.id, member))
    return state


def moderation_state(live_session_id: int, member) -> dict:
    """Who was removed and who may draw, for the teacher and hosts; whether a learner may draw, for them."""
    if member.role in MODERATORS:
        return {"removals": room_service.removals(live_session_id), "drawers": room_service.drawers(live_session_id)}
    if member.role in LEARNERS:
        return {"can_draw": bool(member.can_draw)}
    return {}


def slide_state(live_session_id: int) -> dict:
    from ..rooms.views import slide_key
    deck = room_service.current_deck(live_session_id)
    body = room_service.slide_json(deck)
    if deck is not None:
        body["key"] = slide_key(deck.id)
    return body


class RoomNamespace(Namespace):
    def trigger_event(self, event, *args):
        # The server calls `connect`/`disconnect` while the client is half in or half out; a client that is
        # fully connected and sends an event of that name is not connecting or leaving, whatever it says.
        sent_by_client = event in ("connect", "disconnect") and args and self.socketio.server.manager.is_connected(
            args[0], self.namespace)
        if sent_by_client or event not in ("connect", "disconnect") and not getattr(
                getattr(self, f"on_{event}", None), "room_event", False):
            return self.socketio._handle_event(self._unknown_event, event, self.namespace, *args)
        return super().trigger_event(event, *args)

    def _unknown_event(self, *args):
        refusal = AppError(400, "unknown_event", _("This room does not know that event."))
        send_error(refusal)
        return refusal.as_json()

    def on_connect(self, auth=None):
        token = auth.get("token") if isinstance(auth, dict) else None
        claims = None
        try:
            claims = room_service.read_token(token)
            limit = current_app.config["ROOM_CONNECTIONS_PER_PARTICIPANT"]
            if not slots.take(claims.participant_id, request.sid, limit):
                claims = None  # the slots it holds are its other connections'
                raise AppError(429, "too_many_connections", ngettext(
                    "You already have this room open in %(num)d tab or device. Close it, then try again.",
                    "You already have this room open in %(num)d tabs or devices. Close one of them, then try again.",
                    limit))
            fanout().register_server()
            member, live = room_service.arrival_for_token(claims)
            room_service.check_lock(member, live, connected_here=slots.others(member.id, request.sid))
            # While presence is coalesced, attendance is written in batches with it; otherwise (tests) at once.
            interval_id = None if fanout().interval > 0 else \
                room_service.open_interval(member, request.sid, fanout().server_id).id
            # Read the room in the same transaction (it sees this connection) and commit once, last, so
            # nothing is loaded twice: a class arriving at the bell makes this the hottest path.
            rows = fanout().rows_with(live.id, member)
            snapshot = snapshots().get(live.id)
            state = state_json(live, member, rows, snapshot)
            strokes = snapshot.board
            connection = Connection(member.id, live.id, member.role, member.name, interval_id)
            db.session.commit()
        except BaseException as exc:
            db.session.rollback()
            if claims is not None:
                slots.release(claims.participant_id, request.sid)
            if isinstance(exc, AppError):
                # The connect error's `message` is the words, its `data` the shape every error has: the page shows why.
                raise ConnectionRefusedError(exc.message, exc.as_json())
            raise
        _participant_cache[connection.participant_id] = (connection.live_session_id, connection.role)
        connections[request.sid] = connection
        if interval_id is None:
            fanout().arrived(request.sid, connection.participant_id)
        join_room(room_name(connection.live_session_id))
        join_room(participant_room(connection.participant_id))
        if connection.role in MODERATORS:
            join_room(staff_room(connection.live_session_id))
        emit("state", state)
        emit("board", {"strokes": strokes})
        if fanout().interval > 0:
            emit("presence", {"members": room_service.members(connection.live_session_id, rows)})
        fanout().presence_changed(connection.live_session_id)

    def on_disconnect(self, reason=None):
        connection = connections.pop(request.sid, None)
        if connection is None:
            return
        slots.release(connection.participant_id, request.sid)
        from .media import connection_closed
        connection_closed(request.sid, connection.live_session_id)
        try:
            if connection.interval_id is None:
                fanout().left(request.sid, connection.participant_id)
            else:
                room_service.close_interval(connection.interval_id)
                db.session.commit()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("closing attendance failed")
        fanout().presence_changed(connection.live_session_id)

    # --- the spec's contract ---------------------------------------------------------------------

    @room_event(limit="chat", changes_room=False)
    def on_chat(self, connection: Connection, data):
        live = live_session(connection)
        with chat_order(live.id):
            message = room_service.store_chat(connection, live, data)
            db.session.commit()  # stored before it is sent on
            emit("chat", room_service.message_json(message), to=room_name(live.id))
        snapshots().chat_sent(live.id, message.id)
        return {"id": message.id}

    @room_event(limit="sync", changes_room=False)
    def on_sync(self, connection: Connection, data):
        with_state = room_service.sync_wants_state(data)
        emit("history", {"messages": room_service.history(connection.live_session_id, data)})
        if with_state:  # after `resync`: hands, floor, poll, board or slide may have changed unseen too
            live = live_session(connection, must_be_running=False)
            rows = room_service.member_rows(live.id)
            snapshot = snapshots().get(live.id, loaded_after=queue.subscribed_at)
            emit("state", state_json(live, participant(connection), rows, snapshot))
            emit("board", {"strokes": snapshot.board})
            emit("presence", {"members": room_service.members(live.id, rows)})

    # --- hands and the floor ---------------------------------------------------------------------

    @room_event(roles=LEARNERS)
    def on_hand(self, connection: Connection, data):
        live_session(connection)
        room_service.set_hand(participant(connection), data)
        db.session.commit()
        emit("hands", {"queue": room_service.hands(connection.live_session_id)}, to=room_name(connection.live_session_id))

    @room_event(roles=MODERATORS)
    def on_hand_lower(self, connection: Connection, data):
        live_session(connection)
        room_service.lower_hand(connection.live_session_id, data)
        db.session.commit()
        emit("hands", {"queue": room_service.hands(connection.live_session_id)}, to=room_name(connection.live_session_id))

    @room_event(roles={TEACHER})
    def on_floor(self, connection: Connection, data):
        live_session(connection)
        room_service.give_floor(connection.live_session_id, data)
        db.session.commit()
        from .media import floor_changed
        floor_changed(connection.live_session_id, data.get("id"))
        room = room_name(connection.live_session_id)
        emit("floor", room_service.floor_json(connection.live_session_id), to=room)
        emit("hands", {"queue": room_service.hands(connection.live_session_id)}, to=room)

    @room_event(roles=LEARNERS)
    def on_headcount(self, connection: Connection, data):
        live_session(connection)
        room_service.set_headcount(participant(connection), data)
        db.session.commit()
        fanout().presence_changed(connection.live_session_id)

    # --- moderation ------------------------------------------------------------------------------

    @room_event(roles=MODERATORS)
    def on_mute_chat(self, connection: Connection, data):
        live = live_session(connection)
        live.chat_muted = room_service.flag(data, "muted")
        db.session.commit()
        emit("room", room_service.room_json(live), to=room_name(live.id))

    @room_event(roles=MODERATORS)
    def on_lock(self, connection: Connection, data):
        live = live_session(connection)
        room_service.set_locked(live, room_service.flag(data, "locked"))
        db.session.commit()
        emit("room", room_service.room_json(live), to=room_name(live.id))

    @room_event(roles=MODERATORS)
    def on_remove(self, connection: Connection, data):
        live = live_session(connection)
        target, sids = room_service.remove_participant(live, participant(connection), data)
        db.session.commit()
        # and this process's connections whose attendance is not written yet
        sids = set(sids) | {sid for sid, c in list(connections.items()) if c.participant_id == target.id}
        emit("removed", {"message": _("The teacher has removed you from this room.")},
             to=participant_room(target.id))
        for sid in sids:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        emit("hands", {"queue": room_service.hands(live.id)}, to=room_name(live.id))
        emit("removals", {"people": room_service.removals(live.id)}, to=staff_room(live.id))
        fanout().presence_changed(live.id)

    @room_event(roles=MODERATORS)
    def on_readmit(self, connection: Connection, data):
        live = live_session(connection)
        room_service.readmit(live, data)
        db.session.commit()
        emit("removals", {"people": room_service.removals(live.id)}, to=staff_room(live.id))

    @room_event(roles={TEACHER})
    def on_end(self, connection: Connection, data):
        room_service.no_arguments(data)
        live = live_session(connection)
        sids = room_service.end_session(live)
        db.session.commit()
        from .media import session_ended
        session_ended(live.id)
        sids = set(sids) | {sid for sid, c in list(connections.items()) if c.live_session_id == live.id}
        emit("ended", {"reason": "ended"}, to=room_name(live.id))
        for sid in sids:
            socketio.server.disconnect(sid, namespace=NAMESPACE)

    # --- polls and quick quizzes -----------------------------------------------------------------

    @room_event(roles={TEACHER})
    def on_poll_open(self, connection: Connection, data):
        live = live_session(connection)
        poll = room_service.open_poll(live, data)
        db.session.commit()
        emit("poll", room_service.poll_json(poll), to=room_name(live.id))

    @room_event(roles=LEARNERS)
    def on_poll_answer(self, connection: Connection, data):
        live_session(connection)
        poll = room_service.answer_poll(connection.live_session_id, participant(connection), data)
        db.session.commit()
        emit("poll_answered", {"poll": poll.id, "option": data["option"]})
        fanout().poll_changed(connection.live_session_id, poll.id)

    @room_event(roles={TEACHER})
    def on_poll_close(self, connection: Connection, data):
        live_session(connection)
        poll = room_service.close_poll(connection.live_session_id, data)
        db.session.commit()
        room = room_name(connection.live_session_id)
        emit("poll", room_service.poll_json(poll), to=room)
        emit("poll_results", room_service.poll_results(poll), to=room)

    # --- whiteboard and slides -------------------------------------------------------------------

    @room_event(limit="board")
    def on_board_stroke(self, connection: Connection, data):
        live = live_session(connection)
        if connection.role != TEACHER:
            room_service.may_draw(participant(connection))
        stroke = room_service.add_stroke(live, connection, data)
        db.session.commit()
        emit("board_stroke", room_service.stroke_json(stroke), to=room_name(live.id))

    @room_event(roles={TEACHER})
    def on_board_clear(self, connection: Connection, data):
        room_service.no_arguments(data)
        live_session(connection)
        room_service.clear_board(connection.live_session_id)
        db.session.commit()
        emit("board", {"strokes": []}, to=room_name(connection.live_session_id))

    @room_event()
    def on_board_undo(self, connection: Connection, data):
        live_session(connection)
        if connection.role != TEACHER:
            room_service.may_draw(participant(connection))
        ids = room_service.undo_line(connection.live_session_id, connection, data)
        db.session.commit()
        if ids:
            emit("board_removed", {"ids": ids}, to=room_name(connection.live_session_id))

    @room_event(roles={TEACHER})
    def on_board_allow(self, connection: Connection, data):
        live_session(connection)
        target = room_service.allow_drawing(connection.live_session_id, data)
        db.session.commit()
        emit("board_allowed", {"allowed": target.can_draw}, to=participant_room(target.id))
        emit("drawers", {"ids": room_service.drawers(connection.live_session_id)},
             to=staff_room(connection.live_session_id))

    @room_event(roles={TEACHER})
    def on_slide(self, connection: Connection, data):
        live_session(connection)
        room_service.show_page(connection.live_session_id, data)
        db.session.commit()
        emit("slide", slide_state(connection.live_session_id), to=room_name(connection.live_session_id))

    # --- WebRTC signalling: each message goes to its one peer --------------------------------------

    @room_event(limit="signal", changes_room=False)
    def on_signal(self, connection: Connection, data):
        if not isinstance(data, dict) or set(data) - {"to", "kind", "data"}:
            raise room_service.bad("to", _("Send a signal as {\"to\", \"kind\", \"data\"}."))
        target_id, kind = data.get("to"), data.get("kind")
        if isinstance(target_id, bool) or not isinstance(target_id, int):
            raise room_service.bad("to", _("Name the peer by participant id."))
        if kind not in SIGNAL_KINDS:
            raise room_service.bad("kind", _("Unknown signal kind."))
        try:  # opaque to the server, but it must be JSON a browser can read: no bytes, no NaN
            size = len(json.dumps(data.get("data"), allow_nan=False))
        except (TypeError, ValueError, RecursionError):
            raise room_service.bad("data", _("A signal's data must be plain JSON."))
        if size > SIGNAL_MAX_CHARS:
            raise room_service.bad("data", _("This signal is too large."))
        target = _participant_cache.get(target_id)
        if target is None:
            row = db.session.get(Participant, target_id) if room_service.row_id(target_id) else None
            target = (row.live_session_id, row.role) if row else None
            if target:
                _participant_cache[target_id] = target
        if target is None or target[0] != connection.live_session_id or target_id == connection.participant_id:
            raise AppError(404, "not_found", _("This participant is not in the room."))
        # Media goes teacher <-> each member; members do not call each other.
        if connection.role != TEACHER and target[1] != TEACHER:
            raise AppError(403, "forbidden", _("Your role in this room cannot do this."))
        if kind == "offer" and connection.role in LEARNERS and not participant(connection).has_floor:
            raise AppError(403, "no_floor", _("Wait until the teacher gives you the floor."))
        emit("signal", {"from": connection.participant_id, "kind": kind, "data": data.get("data")},
             to=participant_room(target_id))


def register(app: Flask) -> None:
    # 0.25 s: a class arriving at the bell settles in one or two fan-outs; see docs/rooms.md for the measurements.
    app.config.setdefault("ROOM_PRESENCE_SECONDS", float(os.environ.get("ROOM_PRESENCE_SECONDS", "0.25")))
    app.extensions["room_fanout"] = PresenceFanout(app)
    app.extensions["room_snapshots"] = RoomSnapshots()
    from .media import MediaNamespace  # the room's events and, beside them, the SFU's (sockets/media.py)
    socketio.on_namespace(MediaNamespace(NAMESPACE))
