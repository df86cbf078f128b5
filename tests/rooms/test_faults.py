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
from classroom.models import AttendanceInterval, ChatMessage, Participant
from classroom.timefmt import as_utc, utcnow

from .conftest import make_room, start_room_servers, stop_room_servers
from .test_two_processes import REDIS_URL, redis_available

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tcp_proxy import TcpProxy  # noqa: E402


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


def wait_until(condition, seconds: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


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
        assert wait_until(lambda: len(yohana.ids) >= 3 and len(markus.ids) >= 3, 15), "chat did not cross processes"
        os.killpg(doomed.pid, signal.SIGKILL)  # no goodbye: the process and its sockets just vanish
        assert wait_until(lambda: not yohana.client.connected and not markus.client.connected, 15)
        time.sleep(1.0)  # messages go on while the two are away
        for member in (yohana, markus):
            member.connect(survivor_url)  # what the page's reconnect does, with the same token
            member.sync()
        time.sleep(1.0)
    finally:
        stop.set()
        talker.join(timeout=10)
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
    assert wait_until(lambda: speaker.presence and speaker.presence[-1] == ["Agustina", "Pembicara"], 10)
    time.sleep(1.0)  # a couple of heartbeats
    killed_at = utcnow()
    os.killpg(doomed.pid, signal.SIGKILL)  # Agustina's page is gone too: she does not come back
    # silent for 3 s, noticed within a heartbeat of the survivor, then presence within its 0.1 s fan-out
    assert wait_until(lambda: speaker.presence[-1] == ["Pembicara"], 10), speaker.presence[-3:]
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
        assert wait_until(lambda: len(markus.ids) == 1, 10)

        proxy.stop()  # Redis goes away
        time.sleep(0.5)
        for n in range(3):
            yohana.chat(f"selama {n}")
            time.sleep(0.3)
        # Each attempt is answered: refused with a clear error (nothing stored), or stored (then sync has it).
        assert wait_until(lambda: len(yohana.errors) + len(stored_ids(app, room)) - 1 >= 3, 20)
        for error in yohana.errors:
            assert error["error"] == "unavailable" and error["message"]
        assert yohana.client.connected and markus.client.connected  # the sockets themselves stay up
        markus.client.emit("hand", {"up": True}, namespace="/room")  # stored; its broadcast cannot cross
        time.sleep(0.5)

        proxy.start()  # Redis is back on the same address; the app is not restarted
        delivered = False
        started = time.monotonic()
        for n in range(40):  # bounded: about 40 s at most
            before = len(markus.ids)
            yohana.chat(f"setelah {n}")
            if wait_until(lambda: len(markus.ids) > before, 1.0):
                delivered = True
                break
        recovery = time.monotonic() - started
        assert delivered, "chat never crossed processes again after Redis came back"
        print(f"recovered {recovery:.1f} s after Redis came back")
        time.sleep(0.5)
        for member in (yohana, markus):
            member.sync()
        stored = stored_ids(app, room)
        for member in (yohana, markus):
            assert set(stored) <= member.ids  # every stored message reaches everyone, live or by sync
            assert member.resyncs >= 1  # its process lost the queue's subscription and said so
        # The resync brought the room's state as well: the hand Markus raised while Redis was away
        assert wait_until(lambda: yohana.states and [h["name"] for h in yohana.states[-1]["hands"]] == ["Markus"], 10)
    finally:
        yohana.close()
        markus.close()
        proxy.stop()
