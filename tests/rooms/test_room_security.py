"""Doors into a room that someone might force: a removed participant's old token, and guessing join codes."""
from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from classroom import create_app
from classroom.extensions import db, socketio
from classroom.models import AttendanceInterval, LiveSession
from classroom.services import attendance as attendance_service, join_codes
from classroom.services.rooms import presence

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


def wrong_codes(count: int, prefix: str = "ZZ") -> list[str]:
    """Distinct codes no room has (the alphabet has no 0, O, 1, I or L; these use digits it has)."""
    return [f"{prefix}{n:06d}".replace("0", "Z").replace("1", "Y") for n in range(count)]


def guess(client, code: str, **kwargs):
    return client.post("/api/rooms/join", json={"code": code, "name": "Penebak"}, **kwargs)


def test_wrong_codes_from_one_address_never_lock_out_the_right_code(room_app, room):
    client = room_app.test_client()
    assert [guess(client, code).status_code for code in wrong_codes(20)] == [404] * 20
    blocked = guess(client, "ZZZZ-XXXX")
    assert blocked.status_code == 429 and 1 <= int(blocked.headers["Retry-After"]) <= 60
    body = blocked.get_json()
    assert body["error"] == "too_many_requests" and re.search(r"dalam \d+ (detik|menit)\.$", body["message"])
    assert "Terlalu banyak kode salah" in body["message"]
    right = [client.post("/api/rooms/join", json={"code": room.code, "name": f"Siswa {n}"}).status_code
             for n in range(35)]
    assert right == [200] * 35  # the whole class behind that address gets in, at once
    other = guess(client, "ZZZZ-XXXX", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 404  # another school's address is not punished


def test_two_hundred_wrong_codes_in_ten_minutes_wait_minutes_not_most_of_an_hour(room_app, room):
    client = room_app.test_client()
    answers = [guess(client, code, query_string={"lang": "en"}) for code in wrong_codes(200)]
    assert {a.status_code for a in answers[20:]} == {429}
    wait = int(answers[-1].headers["Retry-After"])
    assert 60 < wait <= 600  # the ten-minute window, not the hour's 2,868 s
    assert "minutes" in answers[-1].get_json()["message"]
    assert client.post("/api/rooms/join", json={"code": room.code, "name": "Yohana"}).status_code == 200


def test_a_class_repeating_the_same_wrong_code_counts_once(room_app, room):
    client = room_app.test_client()
    typo = room.code[:-1] + ("X" if room.code[-1] != "X" else "Y")
    assert [guess(client, typo).status_code for _ in range(40)] == [404] * 40
    assert [guess(client, code).status_code for code in wrong_codes(19)] == [404] * 19


def test_a_guessing_script_stops_being_checked_but_a_class_already_joining_goes_on(room_app, room, factory,
                                                                                    monkeypatch):
    from classroom import security
    from .conftest import make_room
    monkeypatch.setattr(security, "WRONG_CODE_LIMIT", "10 per minute")
    monkeypatch.setattr(security, "UNCHECKED_LIMIT", "30 per hour")
    other_room = make_room(room_app, factory)
    client = room_app.test_client()
    assert client.post("/api/rooms/join", json={"code": room.code, "name": "Yohana"}).status_code == 200
    answers = [guess(client, code).status_code for code in wrong_codes(30)]
    assert answers == [404] * 10 + [429] * 20

    unchecked = guess(client, other_room.code)  # right, but nobody joined that room from here: not checked
    assert unchecked.status_code == 429 and "tidak diperiksa" in unchecked.get_json()["message"]
    assert guess(client, "ZZZZ-XXXX").get_json()["message"] == unchecked.get_json()["message"]  # no tell
    assert client.post("/api/rooms/join", json={"code": room.code, "name": "Markus"}).status_code == 200
    elsewhere = {"environ_base": {"REMOTE_ADDR": "10.1.2.3"}}
    assert guess(client, other_room.code, **elsewhere).status_code == 200


def test_behind_a_proxy_the_limit_is_per_forwarded_address(app):
    proxied = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "PROXY_COUNT": 1,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = proxied.test_client()

    def attempt(code: str, address: str) -> int:
        return guess(client, code, headers={"X-Forwarded-For": address}).status_code

    assert [attempt(code, "36.80.1.1") for code in wrong_codes(20)] == [404] * 20
    assert attempt("ZZZZ-XXXX", "36.80.1.1") == 429
    assert attempt("ZZZZ-XXXX", "114.5.9.9") == 404  # nginx's own address (127.0.0.1) is not what is counted
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
    from classroom.sockets.rooms.namespace import RoomNamespace
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
        assert [m["name"] for m in presence.members(room.id)] == ["Cut Nyak Rahmah", "Yohana"]
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


@pytest.mark.parametrize("token", ["\ud800", "é" * 40])
def test_a_token_of_characters_no_room_pass_has_is_refused_as_not_valid(room_app, token):
    """A pass is URL-safe base64; a lone surrogate (JSON can carry one) had crashed the connect instead."""
    refusal = connect_error(room_app, token)
    assert refusal["error"] == "unauthorized"
