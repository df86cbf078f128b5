"""Doors into a room that someone might force: a removed participant's old token, and guessing join codes."""
from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from classroom import create_app
from classroom.extensions import db, socketio
from classroom.models import AttendanceInterval, LiveSession
from classroom.services import attendance as attendance_service, join_codes, rooms as room_service

from .conftest import events, make_room, start_room_servers, stop_room_servers


def test_a_removed_participant_cannot_come_back_with_the_same_token(room_app, room, joiner):
    http = joiner.account(room.teacher_email)
    teacher = joiner.connect(http.get(f"/rooms/{room.id}/token").get_json()["token"], http)
    token = joiner.token(room.code, "Markus")
    markus = joiner.connect(token)
    markus_id = events(markus, "state")[-1]["you"]["id"]
    teacher.emit("remove", {"id": markus_id}, namespace="/room")
    assert not markus.is_connected("/room")

    again = joiner.connect(token)
    assert not again.is_connected("/room")
    assert markus_id not in [m["id"] for m in events(teacher, "presence")[-1]["members"]]


def test_the_21st_join_attempt_in_a_minute_from_one_address_gets_429_in_indonesian(room_app, room):
    client = room_app.test_client()
    codes = [client.post("/api/rooms/join", json={"code": f"ZZZZ-ZZ{n:02d}", "name": "Penebak"}).status_code
             for n in range(20)]
    assert codes == [404] * 20
    blocked = client.post("/api/rooms/join", json={"code": room.code, "name": "Yohana"})  # even the right code
    assert blocked.status_code == 429
    body = blocked.get_json()
    assert body["error"] == "too_many_requests" and "Terlalu banyak percobaan" in body["message"]
    other = client.post("/api/rooms/join", json={"code": room.code, "name": "Yohana"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200  # another school's address is not punished


def test_a_whole_class_behind_one_address_joins_with_the_right_code(room_app, room):
    client = room_app.test_client()
    codes = [client.post("/api/rooms/join", json={"code": room.code, "name": f"Siswa {n}"}).status_code
             for n in range(35)]
    assert codes == [200] * 35  # only wrong codes count towards the limit


def test_behind_a_proxy_the_limit_is_per_forwarded_address(app):
    proxied = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "PROXY_COUNT": 1,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = proxied.test_client()

    def guess(address: str) -> int:
        return client.post("/api/rooms/join", json={"code": "ZZZZ-ZZZZ", "name": "Penebak"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [guess("36.80.1.1") for _ in range(20)] == [404] * 20
    assert guess("36.80.1.1") == 429
    assert guess("114.5.9.9") == 404  # nginx's own address (127.0.0.1) is not what is counted
    with proxied.app_context():
        db.engine.dispose()


def test_join_codes_carry_the_entropy_the_docs_state():
    assert len(join_codes.ALPHABET) == 31 and join_codes.LENGTH == 8
    assert 39.6 <= join_codes.ENTROPY_BITS < 39.7
    assert len({join_codes.new_code() for _ in range(2000)}) == 2000


@pytest.fixture
def served_room(app, factory, tmp_path):
    """A room and a production-like server process for it, whose public address is not the one it listens on."""
    app.config["ROOM_PRESENCE_SECONDS"] = 0
    room = make_room(app, factory)
    (process, url), = start_room_servers(app, tmp_path, 1, PUBLIC_URL="https://kelas.example.id",
                                         SOCKETIO_ALLOWED_ORIGINS="https://cermin.kelas.example.id")
    yield room, url
    stop_room_servers([process])


def room_socket(app, room, url: str, transport: str, origin: str):
    import socketio
    token = app.test_client().post("/api/rooms/join", json={"code": room.code, "name": "Yohana"}).get_json()["token"]
    # The WebSocket client sends an Origin of its own, which this one replaces; long-polling sends it as a header.
    client = socketio.Client(reconnection=False, websocket_extra_options={"origin": origin})
    client.connect(url, namespaces=["/room"], auth={"token": token}, transports=[transport],
                   headers={} if transport == "websocket" else {"Origin": origin}, wait_timeout=10)
    return client


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_page_on_a_foreign_origin_cannot_open_a_room_socket(app, served_room, transport):
    import socketio
    room, url = served_room
    with pytest.raises(socketio.exceptions.ConnectionError):
        room_socket(app, room, url, transport, "https://evil.example")
    handshake = urllib.request.Request(url + "/socket.io/?EIO=4&transport=polling",
                                       headers={"Origin": "https://evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(handshake, timeout=10)
    assert refused.value.code == 400


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_the_apps_own_origins_open_a_room_socket(app, served_room, transport):
    room, url = served_room
    for own in (url, "https://kelas.example.id", "https://cermin.kelas.example.id"):  # served, PUBLIC_URL, listed
        client = room_socket(app, room, url, transport, own)
        try:
            assert client.connected and client.transport() == transport, own
        finally:
            client.disconnect()


def connect_error(app, token: str) -> dict | None:
    """Connect as the page does; the data of the connect error the client gets, or None if it got in."""
    from flask_socketio import ConnectionRefusedError
    from classroom.sockets.rooms import RoomNamespace
    refusals = []
    original = RoomNamespace.on_connect

    def watched(self, auth=None):
        try:
            return original(self, auth)
        except ConnectionRefusedError as exc:
            refusals.append(exc.error_args)  # what goes to the client as the connect error
            raise

    RoomNamespace.on_connect = watched
    try:
        client = socketio.test_client(app, namespace="/room", auth={"token": token})
    finally:
        RoomNamespace.on_connect = original
    if client.is_connected("/room"):
        client.disconnect(namespace="/room")
        return None
    assert refusals, "refused without saying why"
    return refusals[0]["data"]


def test_a_locked_room_refuses_tokens_handed_out_before_the_lock(room_app, room, joiner):
    http = joiner.account(room.teacher_email)
    teacher = joiner.connect(http.get(f"/rooms/{room.id}/token").get_json()["token"], http)
    early_token = joiner.token(room.code, "Datang Terlambat")  # got a token, never came in
    in_class = joiner.student(room.code, "Yohana")
    teacher.emit("lock", {"locked": True}, namespace="/room")
    assert events(teacher, "room")[-1]["locked"] is True

    refusal = connect_error(room_app, early_token)
    assert refusal["error"] == "locked" and "mengunci" in refusal["message"]
    with room_app.app_context():
        assert [m["name"] for m in room_service.members(room.id)] == ["Cut Nyak Rahmah", "Yohana"]
    assert in_class.is_connected("/room")  # who is in stays in


def test_a_student_who_was_in_comes_back_into_a_locked_room_after_a_drop(room_app, room, joiner):
    http = joiner.account(room.teacher_email)
    teacher = joiner.connect(http.get(f"/rooms/{room.id}/token").get_json()["token"], http)
    dropped_before = joiner.token(room.code, "Markus")  # a weak link: gone a moment before the lock
    joiner.connect(dropped_before).disconnect(namespace="/room")
    yohana_token = joiner.token(room.code, "Yohana")
    yohana = joiner.connect(yohana_token)
    teacher.emit("lock", {"locked": True}, namespace="/room")
    yohana.disconnect(namespace="/room")  # and one dropped after it

    assert connect_error(room_app, yohana_token) is None
    assert connect_error(room_app, dropped_before) is None
    host_http = joiner.account(room.school_email)
    assert connect_error(room_app, host_http.get(f"/rooms/{room.id}/token").get_json()["token"]) is None
    assert connect_error(room_app, http.get(f"/rooms/{room.id}/token").get_json()["token"]) is None


def test_a_student_who_left_well_before_the_lock_is_not_let_back_in(room_app, room, joiner):
    room_app.config["ROOM_LOCK_REJOIN_SECONDS"] = 0
    http = joiner.account(room.teacher_email)
    teacher = joiner.connect(http.get(f"/rooms/{room.id}/token").get_json()["token"], http)
    token = joiner.token(room.code, "Markus")
    joiner.connect(token).disconnect(namespace="/room")
    teacher.emit("lock", {"locked": True}, namespace="/room")
    assert connect_error(room_app, token)["error"] == "locked"
    teacher.emit("lock", {"locked": False}, namespace="/room")
    assert connect_error(room_app, token) is None


def test_one_token_gets_a_few_connections_and_the_extra_is_refused_with_a_message(room_app, room, joiner):
    room_app.config["ROOM_CONNECTIONS_PER_PARTICIPANT"] = 3
    token = joiner.token(room.code, "Yohana")
    tabs = [joiner.connect(token) for _ in range(3)]
    assert all(tab.is_connected("/room") for tab in tabs)
    refusal = connect_error(room_app, token)
    assert refusal["error"] == "too_many_connections" and "3 tab" in refusal["message"]

    tabs[0].disconnect(namespace="/room")  # one tab closed: room for another
    tabs[0] = joiner.connect(token)
    assert tabs[0].is_connected("/room")
    with room_app.app_context():
        live = db.session.get(LiveSession, room.id)
        rows = attendance_service.report(live)
        assert [row.name for row in rows] == ["Yohana"]  # one person, one row of presence
        assert len(rows[0].stretches) == 1
        written = db.session.scalar(select(func.count(AttendanceInterval.id)))
        assert written == 4  # the refused connection wrote nothing


def test_many_connects_at_once_with_one_token_get_no_more_than_the_limit(room_app, room, joiner):
    room_app.config["ROOM_CONNECTIONS_PER_PARTICIPANT"] = 3
    token = joiner.token(room.code, "Yohana")
    results = []
    threads = [threading.Thread(target=lambda: results.append(joiner.connect(token).is_connected("/room")))
               for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 3
