"""Whiteboard text, undo and drawing the teacher allows, checked on the server for every stroke."""
from __future__ import annotations

from .conftest import events
from .test_class import teacher_and_students


def test_a_student_draws_only_while_the_teacher_lets_them(room_app, room, joiner):
    teacher, (yohana,) = teacher_and_students(joiner, room, names=("Yohana",))
    yohana_id = teacher_and_students.ids["Yohana"]
    yohana.emit("board_stroke", {"points": [[1, 1], [2, 2]]}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "forbidden"

    teacher.emit("board_allow", {"id": yohana_id, "allowed": True}, namespace="/room")
    assert events(yohana, "board_allowed")[-1] == {"allowed": True}
    assert events(teacher, "drawers")[-1] == {"ids": [yohana_id]}
    yohana.emit("board_stroke", {"points": [[1, 1], [2, 2]], "line": 7}, namespace="/room")
    yohana.emit("board_stroke", {"points": [[2, 2], [3, 3]], "line": 7}, namespace="/room")
    assert len(events(teacher, "board_stroke")) == 2
    yohana.emit("board_undo", {}, namespace="/room")  # the whole line, both pieces
    assert len(events(teacher, "board_removed")[-1]["ids"]) == 2

    teacher.emit("board_allow", {"id": yohana_id, "allowed": False}, namespace="/room")
    yohana.get_received("/room")
    yohana.emit("board_stroke", {"points": [[1, 1]]}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "forbidden"
    yohana.emit("board_clear", {}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "forbidden"


def test_text_on_the_board_is_one_point_and_reaches_late_joiners(room_app, room, joiner):
    teacher, _ = teacher_and_students(joiner, room, names=())
    teacher.emit("board_stroke", {"points": [[10, 10], [20, 20]], "text": "x = 3"}, namespace="/room")
    assert events(teacher, "error")[-1]["fields"] == {"points": "Teks ditulis pada satu titik [x, y]."}
    teacher.emit("board_stroke", {"points": [[10, 10]], "text": "x = 3", "color": "#b3261e"}, namespace="/room")
    assert events(teacher, "board_stroke")[-1]["text"] == "x = 3"
    late = joiner.student(room.code, "Markus")
    assert [s.get("text") for s in events(late, "board")[-1]["strokes"]] == ["x = 3"]
