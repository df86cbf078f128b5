"""Server processes that vanish or lag: attendance and presence stay true to who is really in the room.

A Socket.IO process killed outright says no goodbye. The others notice its silence by its missing heartbeats
and close its connections' attendance at its last heartbeat; a process that was only taken for dead makes its
connections present again; a removal that reached the database before a connection's attendance row still
disconnects it. tests/rooms/test_faults.py shows the first with real processes and a SIGKILL."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from classroom.extensions import db
from classroom.models import AttendanceInterval, Participant, RoomServer
from classroom.timefmt import as_utc, utcnow

from waiting import wait_until

from .conftest import events


@pytest.fixture
def beating(room_app):
    """Coalesced presence, as in production, with a fast heartbeat so that a test sees it."""
    room_app.config.update(ROOM_PRESENCE_SECONDS=0.05, ROOM_HEARTBEAT_SECONDS=0.1, ROOM_SERVER_SILENT_SECONDS=1.0)
    yield room_app
    room_app.extensions["rooms"].stop()


def a_student_on_a_dead_server(app, room, name: str, joined_minutes_ago: int, silent_minutes: int) -> int:
    """A participant whose only connection is held by a server process that stopped beating long ago."""
    now = utcnow()
    with app.app_context():
        db.session.add(RoomServer(id="d" * 32, name="killed-host:4242", started_at=now - timedelta(hours=1),
                                  seen_at=now - timedelta(minutes=silent_minutes)))
        student = Participant(live_session_id=room.id, name=name, role="student")
        db.session.add(student)
        db.session.flush()
        db.session.add(AttendanceInterval(participant_id=student.id, connection_id="gone-sid", server_id="d" * 32,
                                          joined_at=now - timedelta(minutes=joined_minutes_ago)))
        db.session.commit()
        return student.id


def member_names(client) -> list[list[str]]:
    return [[m["name"] for m in body["members"]] for body in events(client, "presence")]


def test_a_student_on_a_killed_process_leaves_presence_and_attendance_at_its_last_heartbeat(beating, room, joiner):
    markus = a_student_on_a_dead_server(beating, room, "Markus", joined_minutes_ago=20, silent_minutes=2)
    yohana = joiner.student(room.code, "Yohana")
    seen: list[list[str]] = []
    wait_until(lambda: seen.extend(member_names(yohana)) or (seen and seen[-1] == ["Yohana"]),
               message=lambda: f"Yohana alone in the presence; presence seen: {seen}")
    assert ["Markus", "Yohana"] in seen  # the ghost was listed until the heartbeat check found its server silent

    with beating.app_context():
        interval = db.session.scalar(db.select(AttendanceInterval).where(AttendanceInterval.participant_id == markus))
        assert interval.left_at is not None
        # closed when its server was last heard of, not when the check ran
        assert abs((utcnow() - timedelta(minutes=2)) - as_utc(interval.left_at)) < timedelta(seconds=5)
        assert db.session.get(RoomServer, "d" * 32) is None

    http = joiner.account(room.teacher_email)
    report = http.get(f"/rooms/{room.id}/attendance.csv").get_data(as_text=True)
    markus_line = next(line for line in report.splitlines() if "Markus" in line)
    assert markus_line.split(",")[7] == "18"  # minutes present: joined 20 minutes ago, silent for the last 2


def test_the_attendance_report_closes_a_silent_server_even_with_nobody_connected(room_app, room, joiner):
    room_app.config["ROOM_SERVER_SILENT_SECONDS"] = 45
    a_student_on_a_dead_server(room_app, room, "Theresia", joined_minutes_ago=30, silent_minutes=25)
    http = joiner.account(room.school_email)
    page = http.get(f"/rooms/{room.id}/attendance").get_data(as_text=True)
    assert "Theresia" in page
    report = http.get(f"/rooms/{room.id}/attendance.csv").get_data(as_text=True)
    assert next(line for line in report.splitlines() if "Theresia" in line).split(",")[7] == "5"


def test_a_process_taken_for_dead_makes_its_connections_present_again(beating, room, joiner):
    yohana = joiner.student(room.code, "Yohana")
    server_id = beating.extensions["rooms"].server.server_id

    def open_intervals():
        with beating.app_context():
            return list(db.session.scalars(db.select(AttendanceInterval).where(AttendanceInterval.left_at.is_(None))))

    wait_until(lambda: [i.server_id for i in open_intervals()] == [server_id])
    with beating.app_context():  # what another process does when this one has been silent too long
        db.session.execute(db.delete(RoomServer).where(RoomServer.id == server_id))
        db.session.execute(db.update(AttendanceInterval).values(left_at=utcnow()))
        db.session.commit()
    wait_until(lambda: len(open_intervals()) == 1)
    assert yohana.is_connected("/room")
    with beating.app_context():
        assert db.session.get(RoomServer, server_id) is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(AttendanceInterval)) == 2


def test_a_removal_that_came_before_the_attendance_row_still_disconnects(beating, room, joiner):
    beating.config["ROOM_PRESENCE_SECONDS"] = 0.5  # Yohana's attendance row waits for the next batch
    yohana = joiner.student(room.code, "Yohana")
    yohana_id = events(yohana, "state")[-1]["you"]["id"]
    with beating.app_context():  # a teacher on another process removes her; it cannot see her connection yet
        db.session.get(Participant, yohana_id).removed = True
        db.session.commit()
    assert yohana.is_connected("/room")
    wait_until(lambda: not yohana.is_connected("/room"), timeout=5)
    with beating.app_context():
        rows = list(db.session.scalars(db.select(AttendanceInterval)
                                       .where(AttendanceInterval.participant_id == yohana_id)))
        assert [row.left_at is not None for row in rows] == [True]


def test_a_process_back_from_a_database_outage_does_not_take_the_others_for_dead(room_app, room):
    """After the database was away, every process's last heartbeat is old; the first one back must not close
    the attendance of all the others, which are alive and beat again as soon as they reach the database."""
    from classroom.sockets.rooms.servers import ServerProcess

    room_app.config.update(ROOM_HEARTBEAT_SECONDS=10, ROOM_SERVER_SILENT_SECONDS=45)
    markus = a_student_on_a_dead_server(room_app, room, "Markus", joined_minutes_ago=20, silent_minutes=2)
    this_process = ServerProcess(room_app)  # no fan-out loop: the test calls its heartbeat itself

    def markus_present() -> bool:
        with room_app.app_context():
            return db.session.scalar(db.select(AttendanceInterval.left_at)
                                     .where(AttendanceInterval.participant_id == markus)) is None

    with room_app.app_context():
        this_process.register_server()
        this_process.last_beat = time.monotonic() - 120  # its own beats failed for two minutes
        this_process.heartbeat()
    assert markus_present()
    with room_app.app_context():
        this_process.heartbeat()  # one beat later its own beats go through: now silence means something
    assert not markus_present()
