"""A class arriving with presence coalesced, as in production: presence, attendance and removal still hold."""
from __future__ import annotations

import pytest

from classroom.extensions import db
from classroom.models import AttendanceInterval

from waiting import wait_until

from .conftest import events, received


@pytest.fixture
def coalesced(room_app):
    room_app.config["ROOM_PRESENCE_SECONDS"] = 0.05
    yield room_app
    room_app.extensions["rooms"].stop()


def intervals(app) -> list[AttendanceInterval]:
    with app.app_context():
        return list(db.session.scalars(db.select(AttendanceInterval).order_by(AttendanceInterval.id)))


def test_a_class_arriving_together_sees_everyone_and_each_connection_is_in_the_attendance(coalesced, room, joiner):
    students = [joiner.student(room.code, name) for name in ("Yohana", "Markus", "Theresia")]
    wait_until(lambda: len(intervals(coalesced)) == 3)
    for student in students:
        seen = received(student)
        assert "state" in seen  # at once, before any fan-out
        presence = seen.get("presence", [])
        wait_until(lambda: presence.extend(events(student, "presence")) or
                   any(len(p["members"]) == 3 for p in presence))
    assert all(i.left_at is None for i in intervals(coalesced))

    students[0].disconnect(namespace="/room")
    wait_until(lambda: sum(i.left_at is not None for i in intervals(coalesced)) == 1)


def test_a_connection_that_leaves_before_its_attendance_is_written_is_still_closed(coalesced, room, joiner):
    coalesced.config["ROOM_PRESENCE_SECONDS"] = 0.5
    yohana = joiner.student(room.code, "Yohana")
    yohana.disconnect(namespace="/room")
    wait_until(lambda: len(intervals(coalesced)) == 1)
    wait_until(lambda: intervals(coalesced)[0].left_at is not None)


def test_a_student_removed_just_after_arriving_is_disconnected(coalesced, room, joiner):
    coalesced.config["ROOM_PRESENCE_SECONDS"] = 0.5  # the student's attendance is not written yet
    http = joiner.account(room.teacher_email)
    teacher = joiner.connect(http.get(f"/rooms/{room.id}/token").get_json()["token"], http)
    yohana = joiner.student(room.code, "Yohana")
    yohana_id = events(yohana, "state")[-1]["you"]["id"]
    teacher.emit("remove", {"id": yohana_id}, namespace="/room")
    assert not yohana.is_connected("/room")
    wait_until(lambda: [i.left_at is not None for i in intervals(coalesced) if i.participant_id == yohana_id]
               == [True])
