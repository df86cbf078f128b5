"""Faults under a live session: a server process killed outright, and the Redis message queue restarting.
The servers run the production way (gunicorn, one gevent worker each, Redis as the queue), as in
test_two_processes.py; Redis sits behind tests/tcp_proxy.py so a "restart" never touches the machine's Redis."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from urllib.parse import urlparse

from pathlib import Path

import pytest

from classroom.extensions import db
from classroom.models import AttendanceInterval, ChatMessage, Participant, RoomServer
from classroom.timefmt import as_utc, utcnow

from .conftest import make_room, start_room_servers, stop_room_servers
from .test_two_processes import REDIS_URL, redis_available

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tcp_proxy import TcpProxy  # noqa: E402
from waiting import wait_until  # noqa: E402


@pytest.fixture
def start_servers(app, tmp_path):
    """Starts gunicorn gevent processes on a message queue URL; stops whatever is left at the end."""
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    started = []

    def start(count: int, queue_url: str) -> list[tuple[subprocess.Popen, str]]:
        servers = start_room_servers(app, tmp_path, count, queue_url,
                                     ROOM_HEARTBEAT_SECONDS="0.5", ROOM_SERVER_SILENT_SECONDS="3")
        started.extend(process for process, _ in servers)
        return servers

    yield start
    stop_room_servers(started)


class Member:
    """A python-socketio client that keeps every chat id it has seen, live or through `sync`."""

    def __init__(self, token: str):
        import socketio
        self.token = token
        self.ids: set[int] = set()
        self.errors: list[dict] = []
        self.synced = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("chat", lambda body: self.ids.add(body["id"]), namespace="/room")
        self.client.on("error", self.errors.append, namespace="/room")
        self.client.on("history", self._history, namespace="/room")
        self.resyncs = 0
        self.client.on("resync", self._resync, namespace="/room")
        self.states: list[dict] = []
        self.client.on("state", self.states.append, namespace="/room")
        self.presence: list[list[str]] = []
        self.client.on("presence", lambda body: self.presence.append([m["name"] for m in body["members"]]),
                       namespace="/room")

    def _history(self, body):
        self.ids.update(m["id"] for m in body["messages"])
        self.synced.set()

    def _resync(self, body):  # the server's queue was away: fetch what may have been missed meanwhile
        self.resyncs += 1
        self.client.emit("sync", {"after": max(self.ids, default=0), "state": True}, namespace="/room")

    def connect(self, url: str) -> None:
        self.client.connect(url, namespaces=["/room"], auth={"token": self.token}, transports=["websocket"],
                            wait_timeout=10)

    def sync(self) -> None:
        self.synced.clear()
        self.client.emit("sync", {"after": max(self.ids, default=0)}, namespace="/room")
        assert self.synced.wait(10), "no history after sync"

    def chat(self, text: str) -> None:
        self.client.emit("chat", {"text": text}, namespace="/room")

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def tokens(app, room, *names) -> list[str]:
    return [app.test_client().post("/api/rooms/join", json={"code": room.code, "name": name}).get_json()["token"]
            for name in names]


def stored_ids(app, room) -> list[int]:
    with app.app_context():
        ids = list(db.session.scalars(db.select(ChatMessage.id).where(ChatMessage.live_session_id == room.id)))
        db.session.remove()
        return ids


def hand_raised(app, room, name: str) -> bool:
    with app.app_context():
        raised = db.session.scalar(db.select(Participant.hand_raised_at).where(
            Participant.live_session_id == room.id, Participant.name == name)) is not None
        db.session.remove()
        return raised


def test_clients_of_a_killed_process_reconnect_to_the_other_and_miss_nothing(app, factory, start_servers):
    app.config["ROOM_PRESENCE_SECONDS"] = 0
    room = make_room(app, factory)
    (doomed, doomed_url), (_, survivor_url) = start_servers(2, REDIS_URL)
    yohana, markus, speaker = (Member(t) for t in tokens(app, room, "Yohana", "Markus", "Pembicara"))
    yohana.connect(doomed_url)
    markus.connect(doomed_url)
    speaker.connect(survivor_url)
    stop = threading.Event()

    def talk():  # the class keeps chatting through the crash, a few messages a second
        n = 0
        while not stop.is_set() and n < 200:
            speaker.chat(f"pesan {n}")
            n += 1
            time.sleep(0.15)

    talker = threading.Thread(target=talk)
    try:
        talker.start()
        wait_until(lambda: len(yohana.ids) >= 3 and len(markus.ids) >= 3, timeout=15,
                   message="chat to cross processes")
        os.killpg(doomed.pid, signal.SIGKILL)  # no goodbye: the process and its sockets just vanish
        wait_until(lambda: not yohana.client.connected and not markus.client.connected, timeout=15)
        time.sleep(1.0)  # a sleep on purpose: the class chats on for a while the two are away
        for member in (yohana, markus):
            member.connect(survivor_url)  # what the page's reconnect does, with the same token
            member.sync()
        time.sleep(1.0)  # and for a while after they are back; the count of stored chats below relies on both
    finally:
        stop.set()
        talker.join(timeout=10)
    # A sleep on purpose: the last chats may still be on their way to the database; waiting for each one's
    # answer would be a check this test does not make.
    time.sleep(1.0)
    for member in (yohana, markus):
        member.sync()
    stored = stored_ids(app, room)
    assert len(stored) >= 10
    for member in (yohana, markus):
        first = min(member.ids)
        assert [i for i in stored if i >= first and i not in member.ids] == []
        assert member.errors == []
    for member in (yohana, markus, speaker):
        member.close()


def test_a_student_on_a_killed_process_leaves_the_others_presence_and_is_absent_from_its_last_heartbeat(
        app, factory, start_servers):
    room = make_room(app, factory)
    (doomed, doomed_url), (_, survivor_url) = start_servers(2, REDIS_URL)
    ghost, speaker = (Member(t) for t in tokens(app, room, "Agustina", "Pembicara"))
    ghost.connect(doomed_url)
    speaker.connect(survivor_url)
    wait_until(lambda: speaker.presence and speaker.presence[-1] == ["Agustina", "Pembicara"], timeout=10)

    def beaten_since_she_joined() -> bool:  # so that her absence starts at a heartbeat, not at her arrival
        with app.app_context():
            beat = db.session.execute(
                db.select(RoomServer.seen_at, AttendanceInterval.joined_at)
                .join(AttendanceInterval, AttendanceInterval.server_id == RoomServer.id)
                .join(Participant, Participant.id == AttendanceInterval.participant_id)
                .where(Participant.name == "Agustina")).first()
            db.session.remove()
        return beat is not None and beat.seen_at > beat.joined_at

    wait_until(beaten_since_she_joined, message="a heartbeat of Agustina's process since she joined")
    killed_at = utcnow()
    os.killpg(doomed.pid, signal.SIGKILL)  # Agustina's page is gone too: she does not come back
    # silent for 3 s, noticed within a heartbeat of the survivor, then presence within its 0.1 s fan-out
    wait_until(lambda: speaker.presence[-1] == ["Pembicara"], timeout=10,
               message=lambda: f"Agustina gone from the presence; last presence: {speaker.presence[-3:]}")
    with app.app_context():
        rows = list(db.session.scalars(db.select(AttendanceInterval).join(Participant)
                                       .where(Participant.name == "Agustina")))
        db.session.remove()
    assert len(rows) == 1 and rows[0].left_at is not None
    # absent from the last heartbeat before the kill, not from when the silence was noticed
    assert killed_at - timedelta(seconds=1.5) <= as_utc(rows[0].left_at) <= killed_at
    speaker.close()


def test_a_redis_restart_gives_clear_errors_loses_no_stored_chat_and_recovers_by_itself(app, factory,
                                                                                       start_servers):
    app.config["ROOM_PRESENCE_SECONDS"] = 0
    room = make_room(app, factory)
    redis = urlparse(REDIS_URL)
    proxy = TcpProxy(redis.hostname, redis.port or 6379).start()
    queue_url = f"redis://127.0.0.1:{proxy.port}{redis.path or '/0'}"
    (_, first_url), (_, second_url) = start_servers(2, queue_url)
    yohana, markus = (Member(t) for t in tokens(app, room, "Yohana", "Markus"))
    yohana.connect(first_url)
    markus.connect(second_url)
    try:
        yohana.chat("sebelum")
        wait_until(lambda: len(markus.ids) == 1, timeout=10)

        proxy.stop()  # Redis goes away
        time.sleep(0.5)  # a sleep on purpose: the servers lose their Redis connections, and nothing outside shows when
        for n in range(3):
            yohana.chat(f"selama {n}")
            time.sleep(0.3)  # a sleep on purpose: the attempts are spread over the outage
        # Each attempt is answered: refused with a clear error (nothing stored), or stored (then sync has it).
        wait_until(lambda: len(yohana.errors) + len(stored_ids(app, room)) - 1 >= 3, timeout=20,
                   message="an answer to each chat sent while Redis is away")
        for error in yohana.errors:
            assert error["error"] == "unavailable" and error["message"]
        assert yohana.client.connected and markus.client.connected  # the sockets themselves stay up
        markus.client.emit("hand", {"up": True}, namespace="/room")  # stored; its broadcast cannot cross
        wait_until(lambda: hand_raised(app, room, "Markus"), message="Markus's raised hand stored")

        proxy.start()  # Redis is back on the same address; the app is not restarted
        started = time.monotonic()
        ids_before_each_chat: list[int] = []

        def a_chat_crosses() -> bool:  # Yohana says something each second until it reaches Markus's process
            if ids_before_each_chat and len(markus.ids) > ids_before_each_chat[-1]:
                return True
            ids_before_each_chat.append(len(markus.ids))
            yohana.chat(f"setelah {len(ids_before_each_chat) - 1}")
            return False

        wait_until(a_chat_crosses, timeout=40, interval=1.0,
                   message="chat to cross processes again after Redis came back")
        print(f"recovered {time.monotonic() - started:.1f} s after Redis came back")
        time.sleep(0.5)  # a sleep on purpose, as in the first test: the last chat may still be on its way
        for member in (yohana, markus):
            member.sync()
        stored = stored_ids(app, room)
        for member in (yohana, markus):
            assert set(stored) <= member.ids  # every stored message reaches everyone, live or by sync
            assert member.resyncs >= 1  # its process lost the queue's subscription and said so
        # The resync brought the room's state as well: the hand Markus raised while Redis was away
        wait_until(lambda: yohana.states and [h["name"] for h in yohana.states[-1]["hands"]] == ["Markus"],
                   timeout=10)
    finally:
        yohana.close()
        markus.close()
        proxy.stop()
