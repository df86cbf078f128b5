"""A removal holds for the session through the join contract: the same browser key or the same name is refused
until the teacher lets that person back in; the teacher and hosts are told who was removed."""
from __future__ import annotations

from .conftest import events
from .test_class import teacher_and_students

KEY = "a3f9c2e4b5d6a7f8c9e0b1a2c3d4e5f6"


def join(app, code: str, name: str, key: str | None = None):
    body = {"code": code, "name": name} if key is None else {"code": code, "name": name, "key": key}
    return app.test_client().post("/api/rooms/join?lang=en", json=body)


def test_a_removed_student_is_refused_by_key_and_by_name_until_let_back_in(room_app, room, joiner):
    token = join(room_app, room.code, "Markus", KEY).get_json()["token"]
    teacher, _ = teacher_and_students(joiner, room, names=())
    markus = joiner.connect(token)
    markus_id = events(markus, "state")[-1]["you"]["id"]
    teacher.get_received("/room")
    teacher.emit("remove", {"id": markus_id}, namespace="/room")
    assert events(teacher, "removals")[-1]["people"][0]["name"] == "Markus"

    for name, key in (("Markus", KEY), ("Someone Else", KEY), ("  markus ", None), ("MARKUS", "b" * 32)):
        refused = join(room_app, room.code, name, key)
        assert refused.status_code == 403 and refused.get_json()["error"] == "removed", (name, key)
    assert join(room_app, room.code, "Yohana", "c" * 32).status_code == 200  # others still join

    teacher.emit("readmit", {"id": markus_id}, namespace="/room")
    assert events(teacher, "removals")[-1]["people"] == []
    assert join(room_app, room.code, "Markus", KEY).status_code == 200
    teacher.emit("readmit", {"id": markus_id}, namespace="/room")  # not removed any more
    assert events(teacher, "error")[-1]["fields"] == {"id": "Peserta ini tidak sedang dikeluarkan."}


def test_a_bad_browser_key_is_a_400_naming_the_field(room_app, room):
    for key in ("short", "x" * 65, "ä" * 20, 12345):
        response = join(room_app, room.code, "Markus", key)
        assert response.status_code == 400 and "key" in response.get_json()["fields"], key


def test_only_the_teacher_and_hosts_may_let_someone_back_in(room_app, room, joiner):
    teacher, (yohana, markus) = teacher_and_students(joiner, room)
    teacher.emit("remove", {"id": teacher_and_students.ids["Markus"]}, namespace="/room")
    yohana.get_received("/room")
    yohana.emit("readmit", {"id": teacher_and_students.ids["Markus"]}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "forbidden"
    assert join(room_app, room.code, "Markus").status_code == 403
