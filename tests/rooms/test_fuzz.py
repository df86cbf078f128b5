"""Junk on `/room`: random and malformed payloads for every event, from every role, also at flood rates. Each one
is answered with `error` to its sender alone (or dropped), the others in the room receive nothing because of it,
and the room goes on: a normal chat afterwards still reaches everyone."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from classroom.extensions import socketio
from classroom.schemas import events as room_events
from classroom.sockets.rooms import guard as room_guard

from .conftest import events, received

EVENTS = ("chat", "sync", "hand", "hand_lower", "floor", "poll_open", "poll_answer", "poll_close", "board_stroke",
          "board_clear", "slide", "mute_chat", "lock", "remove", "end", "headcount", "signal")
ROLES = ("student", "class_device", "host", "teacher")

# JSON-ish junk: wrong types, huge and odd strings, huge numbers, nesting, binary.
scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63) | st.integers(max_value=-2**63)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40)
           | st.sampled_from(["", " ", "\x00", "\u202e", "<script>alert(1)</script>", "x" * 100_000, "9" * 5000,
                              "Infinity", "NaN", "-1", "1e400", "__proto__", "'; DROP TABLE chat_messages; --",
                              "\ud800", "Yohana \udfff", "a\x00b", "Asia/" + "x" * 5000])
           | st.binary(max_size=64))
KEYS = st.sampled_from(["text", "after", "up", "id", "question", "options", "correct", "poll", "option", "points",
                        "color", "width", "page", "muted", "locked", "count", "to", "kind", "data"]) | st.text(max_size=12)
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=6) | st.dictionaries(KEYS, inner, max_size=6),
                    max_leaves=25)
json_junk = st.recursive(scalars.filter(lambda v: not isinstance(v, bytes)),
                         lambda inner: st.lists(inner, max_size=6) | st.dictionaries(KEYS, inner, max_size=6),
                         max_leaves=25)
payloads = st.one_of(junk, st.dictionaries(KEYS, junk, max_size=5), st.binary(max_size=4096))


def small_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -2**31 < value < 2**31


def counts(value) -> bool:
    try:
        return 1 <= int(value) <= 200
    except Exception:  # noqa: BLE001 - whatever int() refuses is junk
        return False


def could_be_valid(event: str, payload) -> bool:
    """Over-approximates the payloads an event accepts, so the junk sent is junk for sure."""
    if event in ("board_clear", "end"):
        return payload is None or payload == {}
    if not isinstance(payload, dict):
        return False
    shape = {
        "chat": lambda p: set(p) == {"text"} and isinstance(p["text"], str),
        "sync": lambda p: isinstance(p.get("after"), int) and not isinstance(p["after"], bool),
        "hand": lambda p: isinstance(p.get("up"), bool),
        "hand_lower": lambda p: small_int(p.get("id")),
        "floor": lambda p: "id" in p and (p["id"] is None or small_int(p["id"])),
        "poll_open": lambda p: isinstance(p.get("question"), str) and isinstance(p.get("options"), list),
        "poll_answer": lambda p: small_int(p.get("poll")),
        "poll_close": lambda p: small_int(p.get("poll")),
        "board_stroke": lambda p: isinstance(p.get("points"), list),
        "slide": lambda p: False,  # no slides uploaded: every `slide` is refused
        "mute_chat": lambda p: isinstance(p.get("muted"), bool),
        "lock": lambda p: isinstance(p.get("locked"), bool),
        "remove": lambda p: small_int(p.get("id")),
        "headcount": lambda p: "count" in p and counts(p["count"]),
        "signal": lambda p: small_int(p.get("to")) and p.get("kind") in room_events.SIGNAL_KINDS,
    }[event]
    return shape(payload)


@pytest.fixture
def cast(room_app, room, joiner):
    """One of each role in one room, plus a second student who only watches."""
    teacher_http = joiner.account(room.teacher_email)
    teacher = joiner.connect(teacher_http.get(f"/rooms/{room.id}/token").get_json()["token"], teacher_http)
    host_http = joiner.account(room.school_email)
    host = joiner.connect(host_http.get(f"/rooms/{room.id}/token").get_json()["token"], host_http)
    device_http = joiner.account(room.school_email)
    page = device_http.post(f"/rooms/{room.id}/device", data={"headcount": "25", "name": "VIII-A"}).get_data(as_text=True)
    device = joiner.connect(page.split('"token": "')[1].split('"')[0], device_http)
    members = {"teacher": teacher, "host": host, "class_device": device,
               "student": joiner.student(room.code, "Yohana"), "watcher": joiner.student(room.code, "Markus")}
    for client in members.values():
        assert client.is_connected("/room")
        client.get_received("/room")
    return members


def drain(members) -> None:
    for client in members.values():
        client.get_received("/room")


def assert_room_goes_on(members, sender: str = "watcher") -> None:
    for client in members.values():
        assert client.is_connected("/room")
    drain(members)
    members[sender].emit("chat", {"text": "Masih di sini?"}, namespace="/room")
    for name, client in members.items():
        assert [c["text"] for c in events(client, "chat")] == ["Masih di sini?"], name


def assert_only_an_error_to_the_sender(members, role: str) -> None:
    answer = received(members[role])
    assert set(answer) <= {"error"}, answer
    for body in answer.get("error", []):
        assert isinstance(body["message"], str) and body["message"]
        assert body["error"] != "server_error", body  # refused on purpose, not by a crash
    for name, client in members.items():
        if name != role:
            assert received(client) == {}, (name, role)


@pytest.fixture
def no_flood_limit(monkeypatch):
    """Payload checks, not the flood limit, should answer here (the flood has its own test below)."""
    monkeypatch.setattr(room_guard, "LIMITS", {kind: (10**9, 10**9) for kind in room_guard.LIMITS})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(event=st.sampled_from(EVENTS), role=st.sampled_from(ROLES), payload=payloads)
def test_junk_payloads_are_refused_to_the_sender_alone(no_flood_limit, cast, event, role, payload):
    assume(not could_be_valid(event, payload))
    drain(cast)
    cast[role].emit(event, payload, namespace="/room")
    assert_only_an_error_to_the_sender(cast, role)
    assert cast[role].is_connected("/room")


def test_after_all_that_junk_the_room_goes_on(no_flood_limit, cast):
    for event in EVENTS:
        for role in ROLES:
            cast[role].emit(event, "x" * 50_000, {"nested": [[[[{}]]]]}, namespace="/room")  # two arguments
            cast[role].emit(event, b"\x00\xff" * 1000, namespace="/room")
            if event != "end":  # `end` with no argument is the real thing
                cast[role].emit(event, namespace="/room")
    assert_room_goes_on(cast)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=st.sampled_from(ROLES), name=st.text(min_size=1, max_size=30) | st.sampled_from(
    ["connect", "disconnect", "message", "error", "__init__", "trigger_event", "_unknown_event", "on_chat",
     "chat ", "CHAT", "x" * 10_000]), payload=payloads)
def test_unknown_and_reserved_event_names_are_refused(cast, role, name, payload):
    assume(name not in EVENTS)
    drain(cast)
    cast[role].emit(name, payload, namespace="/room")
    assert_only_an_error_to_the_sender(cast, role)
    assert cast[role].is_connected("/room")


def test_a_flood_of_junk_and_of_valid_events_stays_with_the_flooder(cast):
    for role in ROLES:
        flood(cast, role)


def flood(cast, role: str) -> None:
    for _ in range(40):
        for event in EVENTS:
            if event != "end":
                cast[role].emit(event, {"text": 7, "id": "x", "points": "y"}, namespace="/room")
    answer = received(cast[role])
    assert set(answer) <= {"error"}
    assert {e["error"] for e in answer["error"]} <= {"validation", "forbidden", "rate_limited", "not_found",
                                                   "no_slides", "unknown_event"}
    assert "rate_limited" in {e["error"] for e in answer["error"]}
    for name, client in cast.items():
        if name != role:
            assert received(client) == {}, name
    for _ in range(100):  # now valid chat, far above the rate: the flooder is slowed, the room is not flooded
        cast[role].emit("chat", {"text": "spam"}, namespace="/room")
    delivered = len(events(cast["watcher"], "chat"))
    assert delivered <= room_guard.LIMITS["chat"][0] + 3  # the burst, and what refills while it runs
    assert_room_goes_on(cast)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# A top-level number is left out: the test client would write `0/room,5.0`, which reads as packet id 5 (the raw
# frame test below sends such frames on purpose).
@given(auth=json_junk.filter(lambda v: isinstance(v, bool) or not isinstance(v, (int, float)))
       | st.dictionaries(st.just("token"), json_junk, min_size=1))
def test_junk_at_connect_is_refused_and_the_room_sees_nothing(room_app, cast, auth):
    drain(cast)
    client = socketio.test_client(room_app, namespace="/room", auth=auth)
    assert not client.is_connected("/room")
    for name, member in cast.items():
        assert received(member) == {}, name


def test_malformed_packets_do_not_break_the_connection(cast):
    """Frames a socket.io client library would never send: broken JSON, deep nesting, huge text, no event name."""
    student = cast["student"]
    server = socketio.server
    sid = student.eio_sid
    for raw in ['42/room,["chat",', '42/room,{"chat": 1}', '42/room,[]', '42/room,[1,2]', '42/room,[null]',
                '42/room,["chat",' + "[" * 50_000 + "]" * 50_000 + "]", '42/room,"' + "x" * 200_000 + '"',
                '45-/room,["chat",{"_placeholder":true,"num":9}]', '42/nowhere,["chat",{"text":"x"}]', "4", "49"]:
        try:
            server._handle_eio_message(sid, raw)
        except Exception:  # noqa: BLE001 - the server's transport drops a frame it cannot decode; that is fine
            pass
        for name, member in cast.items():
            if name != "student":
                assert received(member) == {}, (raw[:40], name)
    student.get_received("/room")
    assert_room_goes_on(cast)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(set(room_events.SIGNAL_KINDS) - {"offer"})), data=junk)
def test_a_signals_opaque_data_reaches_its_one_peer_or_is_refused(no_flood_limit, room_app, cast, kind, data):
    """`data` is the browsers' business (SDP, ICE): whatever it holds goes to the one peer or back as an error."""
    teacher_id = next(c.participant_id for c in room_app.extensions["rooms"].connections.values()
                      if c.role == "teacher")
    drain(cast)
    cast["student"].emit("signal", {"to": teacher_id, "kind": kind, "data": data}, namespace="/room")
    answer, to_teacher = received(cast["student"]), received(cast["teacher"])
    if answer:
        assert set(answer) == {"error"} and answer["error"][0]["error"] != "server_error", answer
        assert to_teacher == {}
    else:
        assert set(to_teacher) == {"signal"} and len(to_teacher["signal"]) == 1
    for name in ("host", "class_device", "watcher"):
        assert received(cast[name]) == {}, name



@pytest.mark.parametrize("text", ["\ud800", "Yohana \udfff!", "a\x00b", "\x00" * 20])
def test_text_no_database_can_store_is_cleaned_or_refused_never_a_crash(cast, text):
    """Lone surrogates and NUL bytes (PostgreSQL refuses NUL) in chat, a poll and a student's name."""
    drain(cast)
    cast["student"].emit("chat", {"text": text}, namespace="/room")
    cast["teacher"].emit("poll_open", {"question": text, "options": [text, "B"]}, namespace="/room")
    for name, client in cast.items():
        for body in received(client).get("error", []):
            assert body["error"] != "server_error", (name, body)
    assert_room_goes_on(cast)


@pytest.mark.parametrize("body", ['{"code": "x", "name": "\\ud800"}', '{"code": "x", "name": "a\\u0000b"}',
                                  '{"code": ' + "[" * 100_000 + "]" * 100_000 + "}", '{"code": 1e999, "name": "Y"}'])
def test_hostile_join_bodies_are_refused_with_a_named_field(room_app, room, body):
    response = room_app.test_client().post("/api/rooms/join", data=body.replace('"x"', f'"{room.code}"'),
                                           content_type="application/json")
    assert response.status_code == 400 and response.get_json()["fields"], response.get_data(as_text=True)[:200]
