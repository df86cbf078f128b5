"""Media settings and refusals that need no media server: the mesh default, TURN REST API credentials,
and what a student may not ask of the SFU path."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .conftest import events
from .test_class import teacher_and_students


def test_without_janus_the_room_is_a_mesh_and_the_page_says_so(room_app, room, joiner):
    page = room_app.test_client().get(f"/join?code={room.code}&lang=en").get_data(as_text=True)
    assert 'data-mode="mesh"' in page and "Media directly between browsers (mesh)" in page
    student = joiner.student(room.code, "Yohana")
    assert events(student, "state")[-1]["media"] == {"mode": "mesh", "ice_servers": [], "ice_policy": "all"}
    student.emit("media_feeds", {}, namespace="/room")
    assert events(student, "error")[-1]["error"] == "mesh"


def test_each_participant_gets_its_own_short_lived_turn_credentials(room_app, room, joiner):
    room_app.config.update(TURN_URLS=["turn:turn.kelas.id:3478?transport=udp", "turns:turn.kelas.id:443"],
                           TURN_SECRET="rahasia-turn", TURN_CREDENTIAL_SECONDS=3600,
                           ROOM_ICE_SERVERS=[{"urls": "stun:stun.kelas.id:3478"}])
    before = int(time.time())
    http = joiner.account(room.teacher_email)
    teacher = joiner.connect(http.get(f"/rooms/{room.id}/token").get_json()["token"], http)
    yohana = joiner.student(room.code, "Yohana")
    servers = {}
    for name, client in (("teacher", teacher), ("Yohana", yohana)):
        state = events(client, "state")[-1]
        stun, turn = state["media"]["ice_servers"]
        assert stun == {"urls": "stun:stun.kelas.id:3478"}
        assert turn["urls"] == ["turn:turn.kelas.id:3478?transport=udp", "turns:turn.kelas.id:443"]
        expiry, participant = turn["username"].split(":")
        assert int(participant) == state["you"]["id"]
        assert before + 3600 <= int(expiry) <= int(time.time()) + 3600
        expected = base64.b64encode(hmac.new(b"rahasia-turn", turn["username"].encode(), hashlib.sha1).digest())
        assert turn["credential"] == expected.decode()  # what coturn's use-auth-secret checks
        servers[name] = turn
    assert servers["teacher"]["username"] != servers["Yohana"]["username"]


def test_a_student_cannot_publish_without_the_floor_nor_share_a_screen(room_app, room, joiner):
    room_app.config["JANUS_URL"] = "ws://127.0.0.1:9"  # never reached: the refusals come first
    _, (yohana,) = teacher_and_students(joiner, room, names=("Yohana",))
    offer = {"type": "offer", "sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"}
    yohana.emit("media_publish", {"kind": "camera", "jsep": offer}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "no_floor"
    yohana.emit("media_publish", {"kind": "screen", "jsep": offer}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "forbidden"
    yohana.emit("media_publish", {"kind": "camera", "jsep": {"type": "offer", "sdp": 5}}, namespace="/room")
    error = events(yohana, "error")[-1]
    assert error["error"] == "validation" and "jsep" in error["fields"]
    yohana.emit("media_mute", {"id": 1, "muted": True}, namespace="/room")
    assert events(yohana, "error")[-1]["error"] == "forbidden"


def test_recordings_follow_the_retention_and_are_pruned(room_app, room, tmp_path):
    from datetime import timedelta

    from classroom.extensions import db
    from classroom.models import LessonRecording, LiveSession
    from classroom.services import recordings

    room_app.config.update(RECORDINGS_PATH=str(tmp_path), RECORDING_RETENTION_DAYS=30)
    with room_app.app_context():
        recording = LessonRecording(live_session_id=room.id, base_name="session-x-recording-1", status="ready",
                                    video_file="session-x-recording-1-video.webm")
        db.session.add(recording)
        db.session.commit()
        recording_id = recording.id
    (tmp_path / "session-x-recording-1-video.webm").write_bytes(b"\x1a\x45\xdf\xa3")
    (tmp_path / "session-x-recording-1-video-1.mjr").write_bytes(b"MJR")
    http = room_app.test_client()
    assert http.post("/auth/login", data={"email": room.school_email, "password": "rahasia-sekali-123"}).status_code == 302
    player = f"/rooms/{room.id}/recordings/{recording_id}"
    assert http.get(player).status_code == 200
    assert http.get(player + "/video").data == b"\x1a\x45\xdf\xa3"
    with room_app.app_context():
        assert recordings.prune() == 0  # within the retention: kept
        live = db.session.get(LiveSession, room.id)
        live.ends_at -= timedelta(days=31)
        db.session.commit()
    assert http.get(player).status_code == 410
    result = room_app.test_cli_runner().invoke(args=["prune-recordings"])
    assert "deleted 1" in result.output
    assert list(tmp_path.glob("session-x-*")) == []
    assert http.get(player).status_code == 404
