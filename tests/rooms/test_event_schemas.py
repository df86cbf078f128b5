"""Every room event's payload has one schema: the guard reads what a client sends against it, and
/api/rooms/events.json states the same schemas. These tests take the document at its word: what it says an event
needs, the server asks for, and what it says is the wrong type, the server refuses, naming the field."""
from __future__ import annotations

import inspect

import pytest
import jsonschema_rs

from classroom.sockets.media import MediaNamespace
from classroom.sockets.rooms import guard as room_guard

from .conftest import events, received
from .test_fuzz import cast  # noqa: F401  (one of each role in one room)


@pytest.fixture
def document(room_app):
    response = room_app.test_client().get("/api/rooms/events.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def no_flood_limit(monkeypatch):
    monkeypatch.setattr(room_guard, "LIMITS", {kind: (10**9, 10**9) for kind in room_guard.LIMITS})


def handled_events() -> set[str]:
    """The events the room's namespace answers (the media namespace is the room's, with the SFU's events)."""
    return {name.removeprefix("on_") for name, member in inspect.getmembers(MediaNamespace)
            if name.startswith("on_") and getattr(member, "room_event", False)}


def test_the_document_lists_every_event_the_room_answers_with_a_valid_schema(document):
    listed = document["events"]
    assert set(listed) == handled_events()
    assert len(listed) == 30
    for name, event in listed.items():
        jsonschema_rs.meta.validate(event["payload"])  # a JSON Schema (2020-12) a client can use
        assert event["payload"]["type"] == "object", name
        assert event["description"], name
    assert listed["lock"]["roles"] == ["host", "teacher"]
    assert listed["board_undo"]["roles"] == "any member"
    assert listed["chat"]["flood_limit"] == {"kind": "chat", "burst": 8, "per_second": 1.0}


PAGE_SENDS = [  # what static/room sends, as it sends it
    ("chat", {"text": "Selamat pagi, Bu"}), ("sync", {"after": 0, "state": True}), ("hand", {"up": True}),
    ("lock", {"locked": False}), ("floor", {"id": None}), ("poll_open", {"question": "?", "options": ["a", "b"]}),
    ("board_stroke", {"points": [[10, 20], [30, 40]], "color": "#1d2a33", "width": 3, "line": 7}),
    ("board_stroke", {"points": [[10, 20]], "color": "#AA0000", "width": 3, "text": "x = 2"}),
    ("board_undo", {}), ("end", {}), ("media_feeds", {}), ("headcount", {"count": 25}),
    ("media_trickle", {"target": "sub:11", "candidate": {"candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host",
                                                          "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "u"}}),
    ("media_trickle", {"target": "pub:camera", "candidate": None}),
    ("media_publish", {"kind": "camera", "jsep": {"type": "offer", "sdp": "v=0"}}),
    ("signal", {"to": 3, "kind": "ice", "data": {"candidate": "x"}}),
]


def test_what_the_page_sends_is_what_the_document_allows(document):
    for name, payload in PAGE_SENDS:
        assert jsonschema_rs.is_valid(document["events"][name]["payload"], payload), (name, payload)
    assert not jsonschema_rs.is_valid(document["events"]["chat"]["payload"], {"text": "x", "extra": 1})
    assert not jsonschema_rs.is_valid(document["events"]["headcount"]["payload"], {"count": "30"})


def sender_for(event: dict) -> str:
    roles = event["roles"]
    if roles == "any member" or "teacher" in roles:
        return "teacher"
    return "student" if "student" in roles else "class_device"


def first_schema(schema: dict) -> dict:
    """An optional field is `anyOf [its schema, null]`: its own schema."""
    return schema["anyOf"][0] if "anyOf" in schema else schema


def wrong_type(schema: dict):
    """A value of a JSON type the field's schema does not allow, or None when it allows any JSON."""
    schema = first_schema(schema)
    if "enum" in schema:
        return "no such choice"
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if kinds & {"integer", "number"}:
        return "12"
    if "string" in kinds:
        return 12
    if "boolean" in kinds:
        return "yes"
    if "array" in kinds:
        return {"0": [1, 1]}
    if "object" in kinds:
        return "an object"
    return None


def answer(client) -> dict:
    got = received(client)
    assert set(got) <= {"error"}, got  # a refused payload reaches nobody and changes nothing
    assert len(got.get("error", [])) == 1, got
    return got["error"][0]


def fields_of(document):
    for name, event in sorted(document["events"].items()):
        for field, schema in event["payload"]["properties"].items():
            yield name, event, field, schema


def test_a_field_of_the_wrong_type_is_refused_naming_it(no_flood_limit, cast, document):
    checked, untyped = 0, []
    for name, event, field, schema in fields_of(document):
        value = wrong_type(schema)
        if value is None:
            untyped.append(f"{name}.{field}")
            continue
        client = cast[sender_for(event)]
        client.emit(name, {field: value}, namespace="/room")
        refusal = answer(client)
        assert refusal["error"] == "validation" and field in refusal["fields"], (name, field, refusal)
        assert refusal["fields"][field], (name, field)
        for other in cast.values():
            assert received(other) == {}
        checked += 1
    assert untyped == ["signal.data"]  # opaque to the server: any JSON, size-checked
    assert checked == 43


def test_what_the_document_requires_the_server_asks_for_all_at_once(no_flood_limit, cast, document):
    for name, event in sorted(document["events"].items()):
        required = set(event["payload"].get("required", []))
        if not required:
            continue
        client = cast[sender_for(event)]
        client.emit(name, {}, namespace="/room")
        refusal = answer(client)
        assert refusal["error"] == "validation" and set(refusal["fields"]) == required, (name, refusal)


def test_closed_events_refuse_keys_the_document_does_not_list(no_flood_limit, cast, document):
    closed = {name for name, event in document["events"].items()
              if event["payload"].get("additionalProperties") is False}
    assert closed == {"chat", "signal", "end", "board_clear", "board_undo"}
    for name in sorted(closed):
        client = cast["teacher"]
        client.emit(name, {"extra": 1}, namespace="/room")
        refusal = answer(client)
        assert refusal["error"] == "validation", (name, refusal)
    assert cast["teacher"].is_connected("/room")


def test_a_payload_that_is_not_an_object_names_the_body(no_flood_limit, cast):
    for payload in ("text", 5, [1, 2], True):
        cast["student"].emit("hand", payload, namespace="/room")
        assert answer(cast["student"])["fields"] == {"body": "Kirim satu objek JSON bersama peristiwa ini."}
    cast["student"].emit("hand", {"up": True}, namespace="/room")  # and the room goes on
    assert [h["name"] for h in events(cast["teacher"], "hands")[-1]["queue"]] == ["Yohana"]


def test_a_headcount_is_a_whole_number_in_range(no_flood_limit, cast):
    device = cast["class_device"]
    for count in ("30", 30.5, True, 0, 201):
        device.emit("headcount", {"count": count}, namespace="/room")
        assert set(answer(device)["fields"]) == {"count"}, count
    device.emit("headcount", {"count": 30}, namespace="/room")
    assert received(device).get("error") is None


def test_rules_between_fields_are_refused_on_the_field(no_flood_limit, cast):
    teacher = cast["teacher"]
    teacher.emit("poll_open", {"question": "2 + 2?", "options": ["3", "4"], "correct": 2}, namespace="/room")
    assert set(answer(teacher)["fields"]) == {"correct"}
    teacher.emit("board_stroke", {"points": [[1, 1], [2, 2]], "text": "x"}, namespace="/room")
    assert answer(teacher)["fields"] == {"points": "Teks ditulis pada satu titik [x, y]."}
    teacher.emit("floor", {}, namespace="/room")
    assert set(answer(teacher)["fields"]) == {"id"}
    teacher.emit("floor", {"id": None}, namespace="/room")  # null takes the floor back: allowed
    assert events(teacher, "floor")[-1] == {"id": None, "name": None}


def test_text_is_cleaned_as_before(no_flood_limit, cast):
    student = cast["student"]
    student.emit("chat", {"text": "  baris satu\nbaris\u0000 dua \u200b "}, namespace="/room")
    assert events(cast["watcher"], "chat")[-1]["text"] == "baris satu\nbaris dua"
    cast["teacher"].emit("poll_open", {"question": " Berapa\n  2 + 2? ", "options": ["3", " 4 "]}, namespace="/room")
    poll = events(cast["watcher"], "poll")[-1]
    assert (poll["question"], poll["options"]) == ("Berapa 2 + 2?", ["3", "4"])


def test_the_device_page_reads_the_headcount_as_the_event_does(room_app, room, joiner):
    """One field type: the form takes its text (" 27 "), the event only a JSON number; both refuse 201 alike."""
    http = joiner.account(room.school_email)
    page = http.post(f"/rooms/{room.id}/device", data={"headcount": "201", "name": "VIII-A"}).get_data(as_text=True)
    assert "Masukkan angka 1 sampai 200." in page and "class_device" not in page
    page = http.post(f"/rooms/{room.id}/device", data={"headcount": "dua puluh"}).get_data(as_text=True)
    assert "Masukkan jumlah siswa di depan perangkat ini." in page
    page = http.post(f"/rooms/{room.id}/device", data={"headcount": " 27 ", "name": ""}).get_data(as_text=True)
    device = joiner.connect(page.split('"token": "')[1].split('"')[0], http)
    you = events(device, "state")[-1]["you"]
    assert (you["headcount"], you["name"]) == (27, "VIII-A")  # an empty name is the class's
    device.emit("headcount", {"count": 201}, namespace="/room")
    assert events(device, "error")[-1]["fields"] == {"count": "Masukkan angka 1 sampai 200."}
