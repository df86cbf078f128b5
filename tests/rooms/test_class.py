"""What a class does in a room: teacher and host tokens, hands, floor, polls, board, slides, moderation,
signalling to one peer, the class device, attendance, and the light student page."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from classroom.extensions import db
from classroom.models import AttendanceInterval, LiveSession, LiveStatus
from classroom.services import attendance

from .conftest import events, received


def teacher_and_students(joiner, room, names=("Yohana", "Markus")):
    http = joiner.account(room.teacher_email)
    token = http.get(f"/rooms/{room.id}/token").get_json()["token"]
    teacher = joiner.connect(token, http)
    students = [joiner.student(room.code, name) for name in names]
    ids = {}
    for client in (teacher, *students):
        you = events(client, "state")[-1]["you"]
        ids[you["name"]] = you["id"]
    teacher_and_students.ids = ids
    return teacher, students


def test_teacher_gets_a_teacher_token_from_the_account_and_others_get_403(room_app, room, joiner, factory):
    http = joiner.account(room.teacher_email)
    page = http.get(f"/rooms/{room.id}")
    assert page.status_code == 200 and re.search(rb"/static/room/room\.[0-9a-f]{10}\.js", page.data)
    assert http.get(f"/rooms/{room.id}/token").get_json()["role"] == "teacher"
    host = joiner.account(room.school_email)
    assert host.get(f"/rooms/{room.id}/token").get_json()["role"] == "host"
    _, stranger = factory.teacher(name="Guru Lain")
    assert joiner.account(stranger).get(f"/rooms/{room.id}/token").status_code == 403
    assert room_app.test_client().get(f"/rooms/{room.id}/token").status_code in (302, 401)


def test_hands_queue_in_order_and_the_teacher_gives_the_floor(room, joiner):
    teacher, (yohana, markus) = teacher_and_students(joiner, room)
    markus.emit("hand", {"up": True}, namespace="/room")
    yohana.emit("hand", {"up": True}, namespace="/room")
    queue = events(teacher, "hands")[-1]["queue"]
    assert [h["name"] for h in queue] == ["Markus", "Yohana"]
    teacher.emit("floor", {"id": queue[0]["id"]}, namespace="/room")
    got = received(yohana)
    assert got["floor"][-1]["name"] == "Markus"
    assert [h["name"] for h in got["hands"][-1]["queue"]] == ["Yohana"]
    teacher.emit("hand_lower", {"id": queue[1]["id"]}, namespace="/room")
    assert events(markus, "hands")[-1]["queue"] == []


def test_poll_results_are_live_and_a_quiz_reveals_its_answer_when_closed(room, joiner):
    teacher, (yohana, markus) = teacher_and_students(joiner, room)
    teacher.emit("poll_open", {"question": "2 + 2?", "options": ["4", "5"], "correct": 0}, namespace="/room")
    poll = events(yohana, "poll")[-1]
    assert poll["quiz"] and "correct" not in poll
    yohana.emit("poll_answer", {"poll": poll["id"], "option": 0}, namespace="/room")
    markus.emit("poll_answer", {"poll": poll["id"], "option": 1}, namespace="/room")
    assert events(teacher, "poll_results")[-1]["counts"] == [1, 1]
    assert events(markus, "poll_results") == []  # a quiz's answers stay with the teacher until it closes
    teacher.emit("poll_close", {"poll": poll["id"]}, namespace="/room")
    got = received(markus)
    assert got["poll"][-1]["correct"] == 0 and got["poll_results"][-1]["counts"] == [1, 1]
    yohana.emit("poll_answer", {"poll": poll["id"], "option": 1}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "poll_closed"


def test_board_strokes_are_kept_for_a_late_joiner(room, joiner):
    teacher, (yohana,) = teacher_and_students(joiner, room, names=("Yohana",))
    teacher.emit("board_stroke", {"points": [[10, 10], [500, 500]], "color": "#B3261E", "width": 4}, namespace="/room")
    assert events(yohana, "board_stroke")[-1]["points"] == [[10, 10], [500, 500]]
    late = joiner.student(room.code, "Terlambat")
    assert events(late, "board")[-1]["strokes"][0]["color"] == "#b3261e"
    teacher.emit("board_stroke", {"points": [[10, 2000]]}, namespace="/room")
    assert events(teacher, "error")[-1]["error"] == "validation"


def make_pdf(pages: int) -> bytes:
    import pypdfium2 as pdfium
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(842, 595)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_slides_render_to_small_images_and_everyone_follows_the_teachers_page(room_app, room, joiner):
    teacher, (yohana,) = teacher_and_students(joiner, room, names=("Yohana",))
    http = joiner.account(room.teacher_email)
    response = http.post(f"/rooms/{room.id}/slides", data={"file": (io.BytesIO(make_pdf(3)), "bab-1.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    shown = events(yohana, "slide")[-1]
    assert (shown["page"], shown["pages"], shown["title"]) == (1, 3, "bab-1.pdf")
    image = room_app.test_client().get(f"/rooms/slides/{shown['deck']}/1.webp?k={shown['key']}")
    assert image.status_code == 200 and image.mimetype == "image/webp" and len(image.data) < 60_000
    assert room_app.test_client().get(f"/rooms/slides/{shown['deck']}/1.webp?k=forged").status_code == 404
    teacher.emit("slide", {"page": 3}, namespace="/room")
    assert events(yohana, "slide")[-1]["page"] == 3
    late = joiner.student(room.code, "Terlambat")
    assert events(late, "state")[-1]["slides"]["page"] == 3
    bad = http.post(f"/rooms/{room.id}/slides", data={"file": (io.BytesIO(b"not a pdf"), "x.pdf")},
                    content_type="multipart/form-data")
    assert bad.status_code == 400


def test_teacher_mutes_chat_locks_the_room_and_removes_a_participant(room_app, room, joiner):
    teacher, (yohana, markus) = teacher_and_students(joiner, room)
    teacher.emit("mute_chat", {"muted": True}, namespace="/room")
    assert events(yohana, "room")[-1]["chat_muted"] is True
    yohana.emit("chat", {"text": "boleh?"}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "chat_muted"
    teacher.emit("chat", {"text": "Dengarkan dulu."}, namespace="/room")
    assert events(markus, "chat")[-1]["text"] == "Dengarkan dulu."

    teacher.emit("lock", {"locked": True}, namespace="/room")
    assert room_app.test_client().post("/api/rooms/join", json={"code": room.code, "name": "Baru"}).status_code == 403

    markus_id = teacher_and_students.ids["Markus"]
    teacher.emit("remove", {"id": markus_id}, namespace="/room")
    assert not markus.is_connected("/room")
    assert "Markus" not in [m["name"] for m in events(yohana, "presence")[-1]["members"]]


def test_ending_the_session_disconnects_everyone_and_closes_attendance(room_app, room, joiner):
    teacher, (yohana,) = teacher_and_students(joiner, room, names=("Yohana",))
    teacher.emit("end", {}, namespace="/room")
    assert not yohana.is_connected("/room")
    with room_app.app_context():
        assert db.session.get(LiveSession, room.id).status == LiveStatus.ENDED
        assert db.session.scalar(db.select(db.func.count(AttendanceInterval.id))
                                 .where(AttendanceInterval.left_at.is_(None))) == 0


def test_signals_go_to_their_one_peer(room, joiner):
    teacher, (yohana, markus) = teacher_and_students(joiner, room)
    ids = teacher_and_students.ids
    yohana_id, teacher_id = ids["Yohana"], ids["Cut Nyak Rahmah"]
    for client in (teacher, yohana, markus):
        client.get_received("/room")
    teacher.emit("signal", {"to": yohana_id, "kind": "offer", "data": {"type": "offer", "sdp": "v=0"}}, namespace="/room")
    assert events(yohana, "signal") == [{"from": teacher_id, "kind": "offer", "data": {"type": "offer", "sdp": "v=0"}}]
    assert events(markus, "signal") == [] and events(teacher, "signal") == []
    yohana.emit("signal", {"to": teacher_id, "kind": "answer", "data": {"type": "answer", "sdp": "v=0"}}, namespace="/room")
    assert events(teacher, "signal")[0]["from"] == yohana_id
    markus.emit("signal", {"to": yohana_id, "kind": "offer", "data": {}}, namespace="/room")
    assert events(markus, "error")[-1]["error"] == "forbidden"  # students do not call each other
    assert events(yohana, "signal") == []
    yohana.emit("signal", {"to": teacher_id, "kind": "offer", "data": {}}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "no_floor"


def test_class_device_joins_with_a_headcount_that_counts_in_the_room(room_app, room, joiner):
    http = joiner.account(room.school_email)
    assert http.get(f"/rooms/{room.id}/device").status_code == 200
    assert http.post(f"/rooms/{room.id}/device", data={"headcount": "0"}).status_code == 200  # form again
    page = http.post(f"/rooms/{room.id}/device", data={"headcount": "27", "name": "VIII-A"})
    assert page.status_code == 200 and b"class_device" in page.data
    token = page.data.decode().split('"token": "')[1].split('"')[0]
    device = joiner.connect(token, http)
    state = events(device, "state")[-1]
    assert state["you"]["role"] == "class_device" and state["you"]["headcount"] == 27
    joiner.student(room.code, "Yohana")
    assert events(device, "room")[-1]["students"] == 28
    device.emit("headcount", {"count": 30}, namespace="/room")
    assert events(device, "room")[-1]["students"] == 31


def test_attendance_merges_reconnects_and_counts_minutes(room_app, room, joiner):
    token = joiner.token(room.code, "Yohana")
    for _ in range(2):
        joiner.connect(token).disconnect(namespace="/room")
    with room_app.app_context():
        live = db.session.get(LiveSession, room.id)
        start = live.starts_at
        intervals = db.session.scalars(db.select(AttendanceInterval)).all()
        intervals[0].joined_at, intervals[0].left_at = start, start + timedelta(minutes=20)
        intervals[1].joined_at, intervals[1].left_at = start + timedelta(minutes=21), start + timedelta(minutes=50)
        db.session.commit()
        rows = attendance.report(live)
        assert len(rows) == 1 and rows[0].minutes_present == 50 and rows[0].reconnects == 1
        assert len(rows[0].stretches) == 1
    http = joiner.account(room.teacher_email)
    page = http.get(f"/rooms/{room.id}/attendance")
    assert page.status_code == 200 and b"Yohana" in page.data
    csv_text = http.get(f"/rooms/{room.id}/attendance.csv?lang=en").data.decode("utf-8-sig")
    header, row = csv_text.splitlines()[:2]
    assert "minutes_present" in header and ",Yohana,student,,".replace(",,", ",") in row.replace(",,", ",")
    assert ",50,1,no," in row
    assert joiner.account(room.school_email).get(f"/rooms/{room.id}/attendance.csv").status_code == 200


def test_the_student_page_is_indonesian_and_light(room_app, room):
    client = room_app.test_client()
    page = client.get(f"/join?code={room.code}")
    assert page.status_code == 200
    html = page.data.decode()
    assert "Gabung" in html or "Bergabung" in html
    assert "http://" not in html.replace("http://kelas.test", "") and "https://" not in html  # nothing from a CDN
    assert "Join your live class" in client.get(f"/join?code={room.code}&lang=en").data.decode()
    total = len(page.data)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {"/static/room/room.css", "/static/room/socket.io.min.js", "/static/room/room.js"} <= {
        re.sub(r"\.[0-9a-f]{10}\.", ".", a) for a in assets}
    for asset in assets:
        total += len(client.get(asset).data)
    assert total < 150 * 1024, total
