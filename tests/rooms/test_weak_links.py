"""The room on a weak link, on real servers in every mode (`python wsgi.py`, gunicorn with gevent, and two
gunicorn processes on Redis): one sender's order on both transports, long-polling bursts applied or answered
item by item, refused connects that say why in the user's language."""
from __future__ import annotations

import time
import uuid
from unittest import mock

import pytest
from itsdangerous import URLSafeTimedSerializer

from classroom.extensions import db
from classroom.models import Participant

from .conftest import Joiner, make_room, start_room_servers, stop_room_servers
from .test_two_processes import REDIS_URL, redis_available
from .weak_link import Listener, PollingClient, chats_tagged

pytestmark = pytest.mark.slow


@pytest.fixture(params=["embedded", "gunicorn", "two processes"])
def servers(request, app, tmp_path):
    """The URLs of the servers of one room: one process, or two joined by Redis (sender on the first)."""
    if request.param == "two processes":
        if not redis_available():
            pytest.skip(f"no Redis at {REDIS_URL}")
        started = start_room_servers(app, tmp_path, 2, REDIS_URL)
    else:
        started = start_room_servers(app, tmp_path, embedded=request.param == "embedded")
    yield [url for _, url in started]
    stop_room_servers([process for process, _ in started])


@pytest.fixture
def one_server(request, app, tmp_path):
    started = start_room_servers(app, tmp_path, embedded=request.param == "embedded")
    yield started[0][1]
    stop_room_servers([started[0][0]])


def student_token(app, room, name: str) -> str:
    return Joiner(app).token(room.code, name)


def teacher_token(app, room) -> str:
    http = Joiner(app).account(room.teacher_email)
    return http.get(f"/rooms/{room.id}/token").get_json()["token"]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_one_senders_chat_keeps_the_order_it_was_sent_in(app, factory, servers, transport):
    room = make_room(app, factory)
    listeners = []
    try:
        sender = Listener(servers[0], student_token(app, room, "Yohana"), transport)
        observer = Listener(servers[-1], student_token(app, room, "Markus"), transport)
        listeners = [sender, observer]
        tag = uuid.uuid4().hex[:8]
        texts = [f"{tag} m{n}" for n in range(8)]  # the chat flood limit's whole burst, back to back
        for text in texts:
            sender.emit("chat", {"text": text})
        for listener in listeners:
            chats = chats_tagged(listener.wait_for(lambda got: len(chats_tagged(got, tag)) == 8), tag)
            assert [c["text"] for c in chats] == texts, "arrived out of the order they were sent in"
            assert [c["id"] for c in chats] == sorted(c["id"] for c in chats), "ids out of the sending order"
    finally:
        for listener in listeners:
            listener.close()


def burst(tag: str, chats: int = 50, strokes: int = 200) -> list[tuple[str, dict]]:
    """A teacher's burst: one chat after every four whiteboard strokes, each numbered."""
    events, chat_no = [], 0
    for n in range(chats + strokes):
        if n % 5 == 4 and chat_no < chats:
            events.append(("chat", {"text": f"{tag} c{chat_no}"}))
            chat_no += 1
        else:
            events.append(("board_stroke", {"points": [[n, n], [n + 1, n + 1]], "color": "#1d2a33", "width": 4}))
    return events


@pytest.mark.parametrize("one_server", ["embedded", "gunicorn"], indirect=True)
def test_a_long_polling_burst_is_applied_or_refused_item_by_item(app, factory, one_server):
    room = make_room(app, factory)
    teacher = PollingClient(one_server)
    try:
        assert teacher.connect(teacher_token(app, room))[0] == "connect"
        tag = uuid.uuid4().hex[:8]
        sent = burst(tag)
        teacher.send(sent)  # 250 packets in one POST, as a browser flushes a queue

        def answered(got):
            return len(chats_tagged(got, tag)) + sum(name in ("board_stroke", "error") for name, _ in got) >= len(sent)

        got = teacher.wait_for(answered)
        chats = chats_tagged(got, tag)
        strokes = [body for name, body in got if name == "board_stroke"]
        errors = [body for name, body in got if name == "error"]
        assert len(chats) + len(strokes) + len(errors) == len(sent), "some items were neither applied nor refused"
        assert chats and strokes, "nothing of the burst was applied"
        assert {e["error"] for e in errors} <= {"rate_limited"}
        sent_chats = [body["text"] for name, body in sent if name == "chat"]
        assert [c["text"] for c in chats] == [t for t in sent_chats if t in {c["text"] for c in chats}]
        assert [c["id"] for c in chats] == sorted(c["id"] for c in chats)
        firsts = [s["points"][0][0] for s in strokes]
        assert firsts == sorted(firsts), "strokes applied out of order"
        assert len(chats) >= 8 and len(strokes) >= 60, "fewer applied than the flood limits' bursts allow"
    finally:
        teacher.close()


def expired_token(app, participant_id: int, room) -> str:
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="room-token")
    with mock.patch("time.time", return_value=time.time() - 4 * 3600):
        return serializer.dumps({"s": room.id, "p": participant_id, "r": "student"})


@pytest.mark.parametrize("one_server", ["embedded", "gunicorn"], indirect=True)
def test_a_refused_connect_carries_error_and_message_in_the_users_language(app, factory, one_server):
    room = make_room(app, factory)
    token = student_token(app, room, "Yohana")
    with app.app_context():
        yohana = db.session.scalar(db.select(Participant).where(Participant.name == "Yohana"))
        participant_id = yohana.id
        stale = student_token(app, room, "Markus")
        markus = db.session.scalar(db.select(Participant).where(Participant.name == "Markus"))
        markus.removed = True
        db.session.commit()
    forged = URLSafeTimedSerializer("another-secret", salt="room-token").dumps(
        {"s": room.id, "p": participant_id, "r": "student"})
    cases = [
        (expired_token(app, participant_id, room), "token_expired", "Your room pass has expired. Join again with the code."),
        (forged, "unauthorized", "This room pass is not valid."),
        (stale, "removed", "The teacher has removed you from this room."),
    ]
    for refused, error, english in cases:
        answers = {}
        for lang in ("en", None):
            client = PollingClient(one_server, lang=lang)
            try:
                answers[lang] = client.connect(refused)
            finally:
                client.close()
        name, body = answers["en"]
        assert name == "connect_error"
        assert body["data"] == {"error": error, "message": english}
        assert body["message"] == english, "the message is a Python repr, not words for the user"
        indonesian = answers[None][1]
        assert indonesian["data"]["error"] == error and indonesian["data"]["message"] != english
    assert PollingClient(one_server).connect(token)[0] == "connect"


@pytest.mark.parametrize("embedded", [True, False], ids=["embedded", "gunicorn"])
def test_a_sender_whose_handler_waits_stalls_no_one_else(app, factory, tmp_path, embedded):
    """Handling each client's events in order must not queue every client behind one slow handler: a chat that
    waits for its room's lock (held here, as a slow process on Redis would) delays no other room."""
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    import redis

    from classroom.sockets.rooms.ordering import chat_order_key

    [(process, url)] = start_room_servers(app, tmp_path, queue_url=REDIS_URL, embedded=embedded)
    waiting_room, other_room = make_room(app, factory), make_room(app, factory)
    listeners = []
    lock = redis.Redis.from_url(REDIS_URL).lock(chat_order_key(waiting_room.id), timeout=20)
    try:
        yohana = Listener(url, student_token(app, waiting_room, "Yohana"), "websocket")
        markus = Listener(url, student_token(app, other_room, "Markus"), "websocket")
        listeners = [yohana, markus]
        tag = uuid.uuid4().hex[:8]
        assert lock.acquire(blocking_timeout=5)
        yohana.emit("chat", {"text": f"{tag} menunggu"})
        time.sleep(0.3)  # a sleep on purpose: her handler now waits for the lock, which nothing outside shows
        markus.emit("chat", {"text": f"{tag} jalan terus"})
        got = markus.wait_for(lambda events: chats_tagged(events, tag), seconds=5)
        assert [c["text"] for c in chats_tagged(got, tag)] == [f"{tag} jalan terus"]
        assert chats_tagged(yohana.events, tag) == [], "the lock was not held"
        lock.release()
        got = yohana.wait_for(lambda events: chats_tagged(events, tag), seconds=10)
        assert [c["text"] for c in chats_tagged(got, tag)] == [f"{tag} menunggu"]
    finally:
        if lock.owned():
            lock.release()
        for listener in listeners:
            listener.close()
        stop_room_servers([process])
