"""The public contract of ../shared/spec/rooms.md: joining by code, the `/room` namespace, chat and sync."""
from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from classroom.extensions import db, socketio
from classroom.models import ChatMessage, LiveSession

from .conftest import events, make_room, received


def post_join(app, body, lang=None, **kwargs):
    url = "/api/rooms/join" + (f"?lang={lang}" if lang else "")
    return app.test_client().post(url, json=body, **kwargs)


def test_join_by_code_gives_a_student_token(room_app, room):
    response = post_join(room_app, {"code": room.code.lower().replace("-", " "), "name": "  Yohana   Wenda "})
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == "student"
    assert body["room"] == f"session:{room.id}"
    assert body["session"]["id"] == room.id and body["session"]["zone"] == "WIT"
    assert isinstance(body["token"], str) and body["token"]


@pytest.mark.parametrize("body, field", [
    ({"name": "Yohana"}, "code"),
    ({"code": "ABCD-EFGH"}, "name"),
    ({"code": 12345678, "name": "Yohana"}, "code"),
    ({"code": "ABCD-EFGH", "name": "x" * 81}, "name"),
    ({"code": "ABCD-EFGH", "name": "\u200b\n\t"}, "name"),
])
def test_join_refuses_missing_or_bad_fields_with_400(room_app, body, field):
    response = post_join(room_app, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "validation"
    assert field in response.get_json()["fields"]


def test_join_needs_a_json_body(room_app, room):
    response = room_app.test_client().post("/api/rooms/join", data={"code": room.code, "name": "Yohana"})
    assert response.status_code == 400
    assert set(response.get_json()) >= {"error", "message"}
    assert post_join(room_app, ["not", "an", "object"]).status_code == 400


def test_unknown_code_is_404_in_indonesian_by_default_and_english_on_request(room_app, room):
    indonesian = post_join(room_app, {"code": "ZZZZ-ZZZZ", "name": "Yohana"})
    english = post_join(room_app, {"code": "ZZZZ-ZZZZ", "name": "Yohana"}, lang="en")
    assert indonesian.status_code == english.status_code == 404
    assert indonesian.get_json()["error"] == english.get_json()["error"] == "not_found"
    assert english.get_json()["message"] == "No session has this code. Check it with your teacher."
    assert indonesian.get_json()["message"] != english.get_json()["message"]


@pytest.mark.parametrize("change, error", [
    ({"locked": True}, "locked"),
    ({"status": "ended"}, "ended"),
    ({"starts_at": timedelta(hours=2)}, "not_open"),
])
def test_locked_ended_or_not_yet_open_rooms_refuse_with_403(room_app, room, change, error):
    with room_app.app_context():
        live = db.session.get(LiveSession, room.id)
        if "locked" in change:
            live.locked = True
        if "status" in change:
            from classroom.models import LiveStatus
            live.status = LiveStatus.ENDED
        if "starts_at" in change:
            live.starts_at = live.starts_at + change["starts_at"]
            live.ends_at = live.ends_at + change["starts_at"]
        db.session.commit()
    response = post_join(room_app, {"code": room.code, "name": "Yohana"})
    assert response.status_code == 403
    assert response.get_json()["error"] == error


def test_room_opens_fifteen_minutes_before_the_start(room_app, factory):
    early = make_room(room_app, factory, starts_in=timedelta(minutes=14))
    assert post_join(room_app, {"code": early.code, "name": "Yohana"}).status_code == 200


def test_connect_refuses_missing_forged_and_expired_tokens(room_app, room, joiner):
    for token in (None, "", "not-a-token",
                  URLSafeTimedSerializer("another-secret", salt="room-token").dumps({"s": room.id, "p": 1, "r": "student"})):
        client = socketio.test_client(room_app, namespace="/room", auth={"token": token},
                                      flask_test_client=room_app.test_client())
        assert not client.is_connected("/room")
    token = joiner.token(room.code, "Yohana")
    room_app.config["ROOM_TOKEN_SECONDS"] = -1
    assert not joiner.connect(token).is_connected("/room")


def test_token_is_bound_to_its_participant_and_session(room_app, room, factory, joiner):
    other = make_room(room_app, factory)
    token = joiner.token(other.code, "Yohana")
    with room_app.app_context():
        from classroom.services.rooms.access import read_token
        claims = read_token(token)
    forged = URLSafeTimedSerializer("test-secret", salt="room-token").dumps(
        {"s": room.id, "p": claims.participant_id, "r": "student"})
    assert not joiner.connect(forged).is_connected("/room")
    promoted = URLSafeTimedSerializer("test-secret", salt="room-token").dumps(
        {"s": other.id, "p": claims.participant_id, "r": "teacher"})
    assert not joiner.connect(promoted).is_connected("/room")


def test_every_member_receives_presence_on_connect(room, joiner):
    yohana = joiner.student(room.code, "Yohana")
    assert [m["name"] for m in events(yohana, "presence")[-1]["members"]] == ["Yohana"]
    markus = joiner.student(room.code, "Markus")
    for client in (yohana, markus):
        members = events(client, "presence")[-1]["members"]
        assert sorted(m["name"] for m in members) == ["Markus", "Yohana"]
        assert all(set(m) == {"id", "name", "role"} and m["role"] == "student" for m in members)
    markus.disconnect(namespace="/room")
    assert [m["name"] for m in events(yohana, "presence")[-1]["members"]] == ["Yohana"]


def test_chat_reaches_every_member_sender_included_with_increasing_ids(room_app, room, joiner):
    yohana = joiner.student(room.code, "Yohana")
    markus = joiner.student(room.code, "Markus")
    yohana.get_received("/room"), markus.get_received("/room")
    yohana.emit("chat", {"text": "Selamat pagi, Bu!"}, namespace="/room")
    markus.emit("chat", {"text": "Pagi!"}, namespace="/room")
    for client in (yohana, markus):
        chats = events(client, "chat")
        assert [c["text"] for c in chats] == ["Selamat pagi, Bu!", "Pagi!"]
        assert [c["name"] for c in chats] == ["Yohana", "Markus"]
        assert chats[0]["id"] < chats[1]["id"]
        assert chats[0]["at"].endswith("+00:00")
    with room_app.app_context():
        assert db.session.scalar(db.select(db.func.count(ChatMessage.id))) == 2  # stored


def test_chat_in_another_room_stays_there(room_app, room, factory, joiner):
    other = make_room(room_app, factory)
    yohana = joiner.student(room.code, "Yohana")
    outsider = joiner.student(other.code, "Outsider")
    outsider.get_received("/room")
    yohana.emit("chat", {"text": "hanya untuk kelas kami"}, namespace="/room")
    assert events(outsider, "chat") == []


def test_sync_returns_every_message_after_an_id_in_order(room, joiner):
    yohana = joiner.student(room.code, "Yohana")
    for n in range(5):
        yohana.emit("chat", {"text": f"pesan {n}"}, namespace="/room")
    ids = [c["id"] for c in events(yohana, "chat")]
    yohana.emit("sync", {"after": ids[1]}, namespace="/room")
    history = events(yohana, "history")[0]["messages"]
    assert [m["id"] for m in history] == ids[2:]
    assert [m["text"] for m in history] == ["pesan 2", "pesan 3", "pesan 4"]
    assert set(history[0]) == {"id", "name", "text", "at"}


def test_sync_can_bring_the_room_state_back_with_the_chat(room, joiner):
    """What the page sends after `resync`: the chat it missed and the room as it is now."""
    yohana = joiner.student(room.code, "Yohana")
    markus = joiner.student(room.code, "Markus")
    markus.emit("hand", {"up": True}, namespace="/room")
    markus.emit("chat", {"text": "saya mau bertanya"}, namespace="/room")
    yohana.get_received("/room")
    yohana.emit("sync", {"after": 0, "state": True}, namespace="/room")
    seen = received(yohana)
    assert [m["text"] for m in seen["history"][0]["messages"]] == ["saya mau bertanya"]
    assert [h["name"] for h in seen["state"][0]["hands"]] == ["Markus"]
    assert seen["state"][0]["you"]["name"] == "Yohana"
    assert seen["board"] == [{"strokes": []}]
    assert sorted(m["name"] for m in seen["presence"][0]["members"]) == ["Markus", "Yohana"]

    yohana.emit("sync", {"after": 0, "state": "ya"}, namespace="/room")
    assert [(e["error"], list(e.get("fields", {}))) for e in events(yohana, "error")] == [("validation", ["state"])]
    yohana.emit("sync", {"after": 0}, namespace="/room")  # without it, chat only, as the spec says
    assert set(received(yohana)) == {"history"}


def test_a_student_who_drops_gets_what_was_said_meanwhile(room, joiner):
    token = joiner.token(room.code, "Yohana")
    yohana = joiner.connect(token)
    markus = joiner.student(room.code, "Markus")
    markus.emit("chat", {"text": "sebelum"}, namespace="/room")
    last_seen = events(yohana, "chat")[-1]["id"]
    yohana.disconnect(namespace="/room")
    markus.emit("chat", {"text": "selama 1"}, namespace="/room")
    markus.emit("chat", {"text": "selama 2"}, namespace="/room")
    yohana = joiner.connect(token)
    yohana.emit("sync", {"after": last_seen}, namespace="/room")
    assert [m["text"] for m in events(yohana, "history")[0]["messages"]] == ["selama 1", "selama 2"]
    # Reconnecting is the same participant, shown once.
    assert [m["name"] for m in events(markus, "presence")[-1]["members"]].count("Yohana") == 1


@pytest.mark.parametrize("event, payload", [
    ("chat", "just a string"),
    ("chat", {"text": ""}),
    ("chat", {"text": "x" * 501}),
    ("chat", {"text": "hi", "extra": 1}),
    ("chat", None),
    ("sync", {"after": "zero"}),
    ("sync", {"after": -1}),
    ("sync", {}),
    ("no_such_event", {"x": 1}),
])
def test_a_bad_event_gets_error_to_the_sender_alone_and_the_room_goes_on(room, joiner, event, payload):
    yohana = joiner.student(room.code, "Yohana")
    markus = joiner.student(room.code, "Markus")
    yohana.get_received("/room"), markus.get_received("/room")
    if payload is None:
        yohana.emit(event, namespace="/room")
    else:
        yohana.emit(event, payload, namespace="/room")
    errors = events(yohana, "error")
    assert len(errors) == 1 and set(errors[0]) >= {"error", "message"}
    assert received(markus) == {}
    assert yohana.is_connected("/room")
    yohana.emit("chat", {"text": "masih di sini"}, namespace="/room")
    assert [c["text"] for c in events(markus, "chat")] == ["masih di sini"]


def test_roles_are_checked_on_the_server(room, joiner):
    yohana = joiner.student(room.code, "Yohana")
    yohana.get_received("/room")
    for event, payload in [("lock", {"locked": True}), ("mute_chat", {"muted": True}), ("end", {}),
                           ("poll_open", {"question": "?", "options": ["a", "b"]}), ("slide", {"page": 2}),
                           ("board_stroke", {"points": [[1, 1]]}), ("floor", {"id": 1})]:
        yohana.emit(event, payload, namespace="/room")
        assert [e["error"] for e in events(yohana, "error")] == ["forbidden"], event


def test_a_chat_flood_is_refused_without_dropping_the_sender(room, joiner):
    yohana = joiner.student(room.code, "Yohana")
    yohana.get_received("/room")
    for n in range(12):
        yohana.emit("chat", {"text": f"spam {n}"}, namespace="/room")
    got = received(yohana)
    assert len(got["chat"]) == 8
    assert {e["error"] for e in got["error"]} == {"rate_limited"}
    assert yohana.is_connected("/room")


def test_chat_text_is_kept_as_text(room, joiner):
    yohana = joiner.student(room.code, "Yohana")
    yohana.emit("chat", {"text": "<img src=x onerror=alert(1)>"}, namespace="/room")
    assert events(yohana, "chat")[-1]["text"] == "<img src=x onerror=alert(1)>"


def test_a_chat_sent_with_an_acknowledgement_learns_its_id_or_why_it_was_refused(room, joiner):
    yohana = joiner.student(room.code, "Yohana")
    yohana.get_received("/room")
    answers = [yohana.emit("chat", {"text": f"pesan {n}"}, namespace="/room", callback=True) for n in range(9)]
    chats = events(yohana, "chat")
    assert [a["id"] for a in answers[:8]] == [c["id"] for c in chats]
    assert answers[8]["error"] == "rate_limited" and answers[8]["message"]
    assert yohana.emit("dance", {}, namespace="/room", callback=True)["error"] == "unknown_event"
