"""Several server processes serve one room through the Redis message queue: a chat message from a client on
one process reaches a client on the other."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .conftest import make_room, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> bool:
    try:
        import redis
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_servers(app, tmp_path):
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"].replace("+psycopg", ""),
               SECRET_KEY=app.config["SECRET_KEY"], SOCKETIO_MESSAGE_QUEUE=REDIS_URL, INSTANCE_PATH=str(tmp_path),
               ROOM_PRESENCE_SECONDS="0.1")
    processes, urls = [], []
    for _ in range(2):
        port = free_port()
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_until_serving(url)
        yield urls
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=10)


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
