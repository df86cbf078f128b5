"""A room event is stored in one commit, and the room is told of it only once that commit went through."""
from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from classroom.extensions import db
from classroom.models import ChatMessage

from .conftest import events, received
from .test_class import teacher_and_students


@pytest.fixture
def commits():
    """How many transactions were committed, in any session, while the test ran."""
    counted = []

    def count(session):
        counted.append(session)

    event.listen(Session, "after_commit", count)
    yield counted
    event.remove(Session, "after_commit", count)


@pytest.mark.parametrize("who, name, body", [
    ("student", "chat", {"text": "Selamat pagi, Bu"}),
    ("student", "hand", {"up": True}),
    ("teacher", "lock", {"locked": True}),
    ("teacher", "mute_chat", {"muted": True}),
    ("teacher", "floor", {"id": "Yohana"}),
    ("teacher", "poll_open", {"question": "2 + 2?", "options": ["3", "4"], "correct": 1}),
    ("teacher", "board_stroke", {"points": [[10, 10], [20, 20]]}),
    ("teacher", "board_clear", {}),
])
def test_a_room_event_commits_once_and_then_the_room_hears_of_it(room, joiner, commits, who, name, body):
    teacher, (yohana,) = teacher_and_students(joiner, room, names=("Yohana",))
    if body.get("id") == "Yohana":
        body = {"id": teacher_and_students.ids["Yohana"]}
    sender = teacher if who == "teacher" else yohana
    for client in (teacher, yohana):
        client.get_received("/room")
    commits.clear()
    answer = sender.emit(name, body, namespace="/room", callback=True)
    assert not (isinstance(answer, dict) and "error" in answer), answer
    assert len(commits) == 1
    assert "error" not in received(sender)
    assert received(yohana if sender is teacher else teacher)  # the others were told


def test_a_chat_whose_commit_fails_reaches_nobody_and_the_next_one_goes_through(room_app, room, joiner, monkeypatch):
    teacher, (yohana,) = teacher_and_students(joiner, room, names=("Yohana",))
    for client in (teacher, yohana):
        client.get_received("/room")
    commit = db.session.commit

    def database_gone():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "commit", database_gone)
    answer = yohana.emit("chat", {"text": "Hilang"}, namespace="/room", callback=True)
    assert answer["error"] == "server_error"
    assert "chat" not in received(teacher)
    assert [e["error"] for e in events(yohana, "error")] == ["server_error"]

    monkeypatch.setattr(db.session, "commit", commit)  # back: the room's chat lock was let go meanwhile
    answer = yohana.emit("chat", {"text": "Sampai"}, namespace="/room", callback=True)
    assert set(answer) == {"id"}
    assert [m["text"] for m in events(teacher, "chat")] == ["Sampai"]
    with room_app.app_context():
        assert list(db.session.scalars(db.select(ChatMessage.text))) == ["Sampai"]
