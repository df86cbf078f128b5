"""Who gets into a room and what each event may do: admission at connect (token, connection slots, lock), and
the guard every event passes (a known connection, its role, its flood limit, its payload read against the
event's schema, and the one commit); a refusal goes back to the sender alone as `error`."""
from __future__ import annotations

import inspect
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import wraps

from flask import current_app, request
from flask_babel import gettext as _, ngettext
from flask_socketio import ConnectionRefusedError, emit

from ...errors import AppError
from ...extensions import db
from ...models import LiveSession, LiveStatus, Participant
from ...schemas.events import Event, Nothing, read_event
from ...services.rooms import access, presence
from .registry import rooms
from .snapshots import state_json


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


@dataclass
class Arrival:
    """An admitted connection and what it is shown first."""
    connection: Connection
    state: dict
    strokes: list
    rows: list


def admit(token, sid: str) -> Arrival:
    """A connect: a valid token, a free connection slot, an open room that the lock lets this member into, and
    attendance; refused with ConnectionRefusedError, whose `message` is the words and `data` the shape every
    error has, so the page shows why. Commits once, last: a class arriving at the bell makes this the hottest
    path, so the room is read in the same transaction (it sees this connection) and nothing is loaded twice."""
    registry = rooms()
    claims = None
    try:
        claims = access.read_token(token)
        limit = current_app.config["ROOM_CONNECTIONS_PER_PARTICIPANT"]
        if not registry.slots.take(claims.participant_id, sid, limit):
            claims = None  # the slots it holds are its other connections'
            raise AppError(429, "too_many_connections", ngettext(
                "You already have this room open in %(num)d tab or device. Close it, then try again.",
                "You already have this room open in %(num)d tabs or devices. Close one of them, then try again.",
                limit))
        registry.server.register_server()
        member, live = access.arrival_for_token(claims)
        access.check_lock(member, live, connected_here=registry.slots.others(member.id, sid))
        # While presence is coalesced, attendance is written in batches with it; otherwise (tests) at once.
        interval_id = None if registry.fanout.interval > 0 else \
            presence.open_interval(member, sid, registry.server.server_id).id
        rows = registry.fanout.rows_with(live.id, member)
        snapshot = registry.snapshots.get(live.id)
        arrival = Arrival(Connection(member.id, live.id, member.role, member.name, interval_id),
                          state_json(live, member, rows, snapshot), snapshot.board, rows)
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        if claims is not None:
            registry.slots.release(claims.participant_id, sid)
        if isinstance(exc, AppError):
            raise ConnectionRefusedError(exc.message, exc.as_json())
        raise
    connection = arrival.connection
    registry.participant_cache[connection.participant_id] = (connection.live_session_id, connection.role)
    registry.connections[sid] = connection
    if connection.interval_id is None:
        registry.fanout.arrived(sid, connection.participant_id)
    return arrival


def depart(sid: str) -> Connection | None:
    """A disconnect: the connection's slot and attendance end; None if it was never admitted."""
    registry = rooms()
    connection = registry.connections.pop(sid, None)
    if connection is None:
        return None
    registry.slots.release(connection.participant_id, sid)
    try:
        if connection.interval_id is None:
            registry.fanout.left(sid, connection.participant_id)
        else:
            presence.close_interval(connection.interval_id)
            db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("closing attendance failed")
    return connection


def send_error(exc: AppError) -> None:
    emit("error", exc.as_json())  # inside a handler `emit` answers the sender alone


@dataclass(frozen=True)
class EventRule:
    """What the guard holds an event to, as /api/rooms/events.json lists it."""
    name: str
    roles: frozenset[str] | None  # None: every member (the handler may narrow it further, and says so)
    limit: str
    payload: type[Event]
    description: str
    also: str  # who else is refused, by a check of the room's rows (`permits`)


EVENTS: dict[str, EventRule] = {}  # every room event, by name


def room_event(roles=None, limit: str = "default", changes_room: bool = True, payload: type[Event] = Nothing,
               permits=None):
    """Every room event: known connection, role (and `permits(connection)`, a check of who may that needs the
    room's rows), flood limit, its payload read against its schema (`payload`, from schemas/events.py; the handler
    gets the checked schema), one commit, `error` to the sender on refusal. Who may act is checked before what
    they sent: someone who may not draw learns that, not how a stroke is written.

    The wrapper is the one place that commits. A handler that tells the room about its change is a generator
    that yields once, when the change is made: the wrapper commits there and then resumes it, so nothing is
    sent on unless the commit went through (chat stays inside its ordering lock while it commits). An event
    that may change what a joiner is shown (`changes_room`) drops the room's snapshot once committed.
    A client that asks for an acknowledgement gets the handler's answer (its return value), or the refusal's
    body, as it: the page sends chat one message at a time that way, so it knows which one was stored and
    which must wait and go again."""
    def decorator(handler):
        name = handler.__name__.removeprefix("on_")
        EVENTS[name] = EventRule(name, frozenset(roles) if roles is not None else None, limit, payload,
                                 " ".join((handler.__doc__ or payload.__doc__ or "").split()),
                                 " ".join((permits.__doc__ or "").split()) if permits is not None else "")

        @wraps(handler)
        def wrapped(self, *args):
            registry = rooms()
            connection = registry.connections.get(request.sid)
            steps = None
            try:
                if connection is None:
                    raise AppError(401, "unauthorized", _("Join the room first."))
                if roles is not None and connection.role not in roles:
                    raise AppError(403, "forbidden", _("Your role in this room cannot do this."))
                if permits is not None:
                    permits(connection)
                if not connection.allow(limit):
                    raise AppError(429, "rate_limited", _("Slow down a little, please."))
                if len(args) > 1:
                    raise AppError(400, "validation", _("Send one JSON object with the event."))
                answer = handler(self, connection, read_event(payload, args[0] if args else None))
                if inspect.isgenerator(answer):
                    steps = answer
                    finished, answer = advance(steps)  # the change
                db.session.commit()
                if changes_room:
                    registry.snapshots.changed(connection.live_session_id)
                if steps is not None and not finished:
                    finished, answer = advance(steps)  # what the room is told
                    if not finished:
                        raise RuntimeError(f"room event {handler.__name__} yielded more than once")
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
            finally:
                if steps is not None:
                    steps.close()  # a handler stopped at its yield (the commit failed) leaves its locks
        wrapped.room_event = True
        return wrapped
    return decorator


def advance(steps) -> tuple[bool, object]:
    """Runs a generator handler to its next yield: (False, None), or (True, its answer) once it has returned."""
    try:
        next(steps)
    except StopIteration as returned:
        return True, returned.value
    return False, None


def live_session(connection: Connection, must_be_running: bool = True) -> LiveSession:
    live = db.session.get(LiveSession, connection.live_session_id)
    if must_be_running and (live is None or live.status != LiveStatus.SCHEDULED):
        raise AppError(403, "ended", _("This session has ended."))
    return live


def participant(connection: Connection) -> Participant:
    return db.session.get(Participant, connection.participant_id)
