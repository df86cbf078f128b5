"""Doors into a room that someone might force: a removed participant's old token, and guessing join codes."""
from __future__ import annotations

from classroom import create_app
from classroom.extensions import db
from classroom.services import join_codes

from .conftest import events


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
