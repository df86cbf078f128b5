"""Several server processes serve one room through the Redis message queue: a chat message from a client on
one process reaches a client on the other."""
from __future__ import annotations

import os
import threading
import time

import pytest

from .conftest import make_room, start_room_servers, stop_room_servers

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> bool:
    try:
        import redis
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture
def two_servers(app, tmp_path):
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    servers = start_room_servers(app, tmp_path, 2, REDIS_URL)
    yield [url for _, url in servers]
    stop_room_servers([process for process, _ in servers])


def test_chat_crosses_from_one_server_process_to_another(app, factory, two_servers):
    import socketio

    app.config["ROOM_PRESENCE_SECONDS"] = 0
    room = make_room(app, factory)
    first, second = two_servers
    received = threading.Event()
    got = []
    clients = []
    tokens = [app.test_client().post("/api/rooms/join", json={"code": room.code, "name": name}).get_json()["token"]
              for name in ("Yohana", "Markus")]
    for url, token in zip((first, second), tokens):
        client = socketio.Client(reconnection=False)
        client.connect(url, namespaces=["/room"], auth={"token": token}, wait_timeout=10)
        clients.append(client)

    @clients[1].on("chat", namespace="/room")
    def on_chat(body):
        got.append(body)
        received.set()

    try:
        clients[0].emit("chat", {"text": "Halo dari proses pertama"}, namespace="/room")
        assert received.wait(10), "the message did not cross processes"
        assert got[0]["text"] == "Halo dari proses pertama" and got[0]["name"] == "Yohana"
    finally:
        for client in clients:
            client.disconnect()


def test_two_deployments_on_one_redis_do_not_hear_each_others_rooms(app, factory, tmp_path):
    """Pub/sub ignores the database number: before each deployment had its own channel, a chat in one
    deployment's room reached the members of the other deployment's room with the same id."""
    import json
    import socketio
    import urllib.request

    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    app.config["ROOM_PRESENCE_SECONDS"] = 0
    room = make_room(app, factory)
    (ours, our_url), = start_room_servers(app, tmp_path / "ours", 1, REDIS_URL)
    try:
        (theirs, their_url), = start_room_servers(app, tmp_path / "theirs", 1, REDIS_URL.rsplit("/", 1)[0] + "/1",
                                                  SECRET_KEY="another-deployment's-secret")
    except BaseException:
        stop_room_servers([ours])
        raise
    heard = {"ours": [], "theirs": []}
    echoed = threading.Event()
    clients = []
    try:
        for label, url in (("ours", our_url), ("theirs", their_url)):
            request = urllib.request.Request(url + "/api/rooms/join", method="POST",
                                             data=json.dumps({"code": room.code, "name": label}).encode(),
                                             headers={"Content-Type": "application/json"})
            token = json.load(urllib.request.urlopen(request, timeout=10))["token"]
            client = socketio.Client(reconnection=False)
            client.on("chat", lambda body, label=label: (heard[label].append(body),
                                                         label == "ours" and echoed.set()), namespace="/room")
            client.connect(url, namespaces=["/room"], auth={"token": token}, wait_timeout=10)
            clients.append(client)
        clients[0].emit("chat", {"text": "Hanya untuk kelas kami"}, namespace="/room")
        assert echoed.wait(10), "the sender's own deployment did not deliver the message"
        # A sleep on purpose: nothing must arrive there; the other deployment would have heard it by now, from the
        # same Redis.
        time.sleep(1.5)
        assert [m["text"] for m in heard["ours"]] == ["Hanya untuk kelas kami"]
        assert heard["theirs"] == []
    finally:
        for client in clients:
            client.disconnect()
        stop_room_servers([ours, theirs])

