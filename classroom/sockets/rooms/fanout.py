"""Presence fan-out: each room's member list (and live poll results) sent at most once per interval, and the
attendance of new connections written in batches with it."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, namedtuple
from dataclasses import dataclass

from flask import Flask
from flask_babel import gettext as _

from ...extensions import db, socketio
from ...models import AttendanceInterval, LiveSession, LiveStatus, Participant, Poll
from ...services.rooms import access, polls, presence
from ...services.rooms.roles import NAMESPACE, room_name, staff_room
from ...timefmt import utcnow
from .registry import rooms


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
        self.waiting_rooms: set[int] = set()
        self.waiting_polls: set[tuple[int, int]] = set()
        self.last_rows: dict[int, list] = {}  # each room's members as last sent
        # Attendance of new connections, written in one batch before each fan-out (presence reads it).
        self.pending: dict[str, PendingInterval] = {}
        self.writing: dict[str, PendingInterval] = {}
        self.started = False
        self.stopped = False
        self.task = None
        self.lock = threading.Lock()

    def present_again(self) -> None:
        """After this process was taken for dead: every connection it holds is written into attendance again."""
        with self.lock:
            for sid, connection in list(rooms().connections.items()):
                if sid not in self.pending and sid not in self.writing:
                    connection.interval_id = None
                    self.pending[sid] = PendingInterval(connection.participant_id, utcnow())

    @property
    def interval(self) -> float:
        return float(self.app.config.get("ROOM_PRESENCE_SECONDS", 0.25))

    def presence_changed(self, live_session_id: int) -> None:
        if self.interval <= 0:
            self.send_presence(live_session_id)
            return
        self.waiting_rooms.add(live_session_id)
        self._start()

    def poll_changed(self, live_session_id: int, poll_id: int) -> None:
        if self.interval <= 0:
            self.send_poll_results(live_session_id, poll_id)
            return
        self.waiting_polls.add((live_session_id, poll_id))
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
            waiting_rooms, self.waiting_rooms = self.waiting_rooms, set()
            waiting_polls, self.waiting_polls = self.waiting_polls, set()
            try:
                with self.app.app_context():
                    if time.monotonic() - last_heartbeat >= self.app.config["ROOM_HEARTBEAT_SECONDS"]:
                        last_heartbeat = time.monotonic()
                        self.waiting_rooms.update(rooms().server.heartbeat())
                    self.write_attendance()
                    for live_session_id in waiting_rooms:
                        self.send_presence(live_session_id)
                    for live_session_id, poll_id in waiting_polls:
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
        presence.close_connection_interval(participant_id, sid)
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
                                                   server_id=rooms().server.server_id)
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
                presence.close_connection_interval(interval.participant_id, sid, interval.left_at)
        db.session.commit()
        # A teacher on another process may have removed one of them after it connected but before its row was
        # written, when the removal could not yet find this connection: look again now that the rows are there.
        removed = presence.removed_among(i.participant_id for i in batch.values())
        if not removed:
            return
        sids = [sid for sid, interval in batch.items() if interval.participant_id in removed]
        for sid in sids:
            presence.close_connection_interval(batch[sid].participant_id, sid)
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
            rows = presence.member_rows(live_session_id)
        if any(row.id == member.id for row in rows):
            return rows
        return rows + [MemberRow(member.id, member.name, member.role, member.headcount)]

    def send_presence(self, live_session_id: int) -> None:
        rows = presence.member_rows(live_session_id)
        self.last_rows[live_session_id] = rows
        if not rows:  # the room emptied: keep nothing of it in this process
            self.last_rows.pop(live_session_id, None)
            rooms().snapshots.snapshots.pop(live_session_id, None)
        live = db.session.get(LiveSession, live_session_id)
        socketio.emit("presence", {"members": presence.members(live_session_id, rows)},
                      to=room_name(live_session_id), namespace=NAMESPACE)
        if live is not None:
            socketio.emit("room", presence.room_json(live, rows), to=room_name(live_session_id),
                          namespace=NAMESPACE)

    def send_poll_results(self, live_session_id: int, poll_id: int) -> None:
        poll = db.session.get(Poll, poll_id)
        if poll is None:
            return
        results = polls.poll_results(poll)
        # A quiz's answers stay with the staff until it closes; a poll's are everyone's.
        to = staff_room(live_session_id) if poll.correct_option is not None and poll.closed_at is None \
            else room_name(live_session_id)
        socketio.emit("poll_results", results, to=to, namespace=NAMESPACE)


def close_finished_rooms() -> None:
    """At the session's end the room closes: this process tells its members and lets them go."""
    now = utcnow()
    by_room: defaultdict[int, list[str]] = defaultdict(list)
    for sid, connection in list(rooms().connections.items()):
        by_room[connection.live_session_id].append(sid)
    for live_session_id, sids in by_room.items():
        live = db.session.get(LiveSession, live_session_id)
        if live is None or live.status != LiveStatus.SCHEDULED or now >= access.closes_at(live):
            for sid in sids:
                socketio.emit("ended", {"reason": "closed"}, to=sid, namespace=NAMESPACE)
                socketio.server.disconnect(sid, namespace=NAMESPACE)

