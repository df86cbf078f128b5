"""A class arriving at once on PostgreSQL, everyone chatting while others join and leave: afterwards every
message is stored once, in order, and every connection has its attendance row, closed."""
from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import func, select

from classroom.extensions import db, socketio
from classroom.models import AttendanceInterval, ChatMessage, Participant

from waiting import wait_until

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="real concurrency needs PostgreSQL (SQLite serialises every writer)")

STUDENTS, MESSAGES = 12, 5


def test_joining_and_chatting_at_once_loses_nothing(room_app, room):
    start = threading.Barrier(STUDENTS)
    failures: list[str] = []
    received: dict[int, list[int]] = {}

    def student(index: int) -> None:
        try:
            start.wait()
            response = room_app.test_client().post("/api/rooms/join", json={"code": room.code, "name": f"Siswa {index}"})
            assert response.status_code == 200, response.get_json()
            client = socketio.test_client(room_app, namespace="/room", auth={"token": response.get_json()["token"]},
                                          flask_test_client=room_app.test_client())
            assert client.is_connected("/room")
            for n in range(MESSAGES):
                client.emit("chat", {"text": f"{index}-{n}"}, namespace="/room")
            time.sleep(0.5)  # a sleep on purpose: it gathers what the others say meanwhile, whose order is checked
            got = [e["args"][0]["id"] for e in client.get_received("/room") if e["name"] == "chat"]
            received[index] = got
            client.disconnect(namespace="/room")
        except Exception as exc:  # reported below, with the student's number
            failures.append(f"student {index}: {exc!r}")

    threads = [threading.Thread(target=student, args=(i,)) for i in range(STUDENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []

    with room_app.app_context():
        ids = list(db.session.scalars(select(ChatMessage.id).where(ChatMessage.live_session_id == room.id)
                                      .order_by(ChatMessage.id)))
        assert len(ids) == STUDENTS * MESSAGES  # every message stored once
        texts = set(db.session.scalars(select(ChatMessage.text).where(ChatMessage.live_session_id == room.id)))
        assert texts == {f"{i}-{n}" for i in range(STUDENTS) for n in range(MESSAGES)}
    for index, got in received.items():
        assert got == sorted(got), f"student {index} saw ids out of order"
        assert len(got) >= MESSAGES  # at least their own, stored and echoed

    def attendance_left_at() -> list:
        with room_app.app_context():
            return db.session.execute(select(AttendanceInterval.left_at).join(Participant).where(
                Participant.live_session_id == room.id)).scalars().all()

    # attendance is written in batches: wait for the last one
    wait_until(lambda: len(rows := attendance_left_at()) == STUDENTS and all(rows), timeout=10, interval=0.3,
               message=lambda: f"{STUDENTS} attendance rows, all closed; when they left: {attendance_left_at()}")
    with room_app.app_context():
        participants = db.session.scalar(select(func.count()).select_from(Participant).where(
            Participant.live_session_id == room.id, Participant.role == "student"))
    assert participants == STUDENTS
