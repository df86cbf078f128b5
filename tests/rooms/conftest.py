"""Room fixtures: a live session built the way the app builds one, and Socket.IO test clients on `/room`."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from classroom.extensions import db, socketio
from classroom.models import LiveSession, LiveStatus, School, User
from classroom.services import requests as request_service
from classroom.services.join_codes import unique_code
from classroom.timefmt import utcnow

from waiting import wait_until


@dataclass
class Room:
    id: int
    code: str
    teacher_email: str
    school_email: str


@pytest.fixture
def room_app(app):
    app.config["ROOM_PRESENCE_SECONDS"] = 0  # send presence at once, so tests see it without waiting
    return app


def make_room(app, factory, starts_in=timedelta(minutes=-5), minutes=90) -> Room:
    _, teacher_email = factory.teacher(name="Cut Nyak Rahmah")
    _, school_email = factory.school(school_name="SMP Negeri 2 Wamena")
    with app.app_context():
        teacher = db.session.scalar(db.select(User).where(User.email == teacher_email))
        staff = db.session.scalar(db.select(User).where(User.email == school_email))
        school: School = staff.school
        today = date.today()
        request = request_service.create_request(school, {
            "class_name": "VIII-A", "subject": "Matematika", "grade": 8, "students": 28, "sessions_per_week": 1,
            "duration_minutes": 70, "priority": 3, "term_start": today.isoformat(),
            "term_end": (today + timedelta(days=80)).isoformat(),
            "windows": [{"day": "mon", "start": "07:30", "end": "12:00"}]})
        now = utcnow().replace(microsecond=0)
        live = LiveSession(request_id=request.id, teacher_id=teacher.teacher_profile.id, school_id=school.id,
                           starts_at=now + starts_in, ends_at=now + starts_in + timedelta(minutes=minutes),
                           join_code=unique_code(), status=LiveStatus.SCHEDULED)
        db.session.add(live)
        db.session.commit()
        return Room(live.id, live.join_code, teacher_email, school_email)


@pytest.fixture
def room(room_app, factory):
    return make_room(room_app, factory)


class Joiner:
    """Joins rooms the way clients do: the HTTP contract for a token, then Socket.IO with it."""

    def __init__(self, app):
        self.app = app
        self.clients = []

    def token(self, code: str, name: str) -> str:
        response = self.app.test_client().post("/api/rooms/join", json={"code": code, "name": name})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]

    def connect(self, token: str | None, flask_client=None):
        client = socketio.test_client(self.app, namespace="/room", auth={"token": token},
                                      flask_test_client=flask_client or self.app.test_client())
        self.clients.append(client)
        return client

    def student(self, code: str, name: str):
        return self.connect(self.token(code, name))

    def account(self, email: str):
        """A teacher's or school staff member's connection, with the token their logged-in page gets."""
        http = self.app.test_client()
        assert http.post("/auth/login", data={"email": email, "password": "rahasia-sekali-123"}).status_code in (302, 303)
        return http

    def close(self):
        for client in self.clients:
            if client.is_connected("/room"):
                client.disconnect(namespace="/room")


@pytest.fixture
def joiner(room_app):
    helper = Joiner(room_app)
    yield helper
    helper.close()


def events(client, name: str) -> list:
    """The payloads of every `name` event the client received since last asked (others are dropped)."""
    return [e["args"][0] for e in client.get_received("/room") if e["name"] == name]


def received(client) -> dict[str, list]:
    by_name: dict[str, list] = {}
    for e in client.get_received("/room"):
        by_name.setdefault(e["name"], []).append(e["args"][0] if e["args"] else None)
    return by_name


ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_room_servers(app, instance_path, count: int = 1, queue_url: str | None = None, embedded: bool = False,
                       **environment: str) -> list[tuple[subprocess.Popen, str]]:
    """Server processes on the test app's database, as production runs them (gunicorn, one gevent worker), or
    with `embedded` as `python wsgi.py` serves the app (Werkzeug, threading mode); joined by `queue_url` when
    given; each with its URL, once it answers. Stop them with stop_room_servers."""
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"].replace("+psycopg", ""),
               SECRET_KEY=app.config["SECRET_KEY"], INSTANCE_PATH=str(instance_path), ROOM_PRESENCE_SECONDS="0.1")
    env.update(environment)  # may stand in for the test app's own settings (another deployment's secret)
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    if queue_url:
        env["SOCKETIO_MESSAGE_QUEUE"] = queue_url
    servers = []
    for _ in range(count):
        port = free_port()
        command = [sys.executable, "wsgi.py"] if embedded else [
            sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "wsgi:app"]
        process = subprocess.Popen(command, cwd=ROOT, env=dict(env, HOST="127.0.0.1", PORT=str(port)),
                                   start_new_session=True)
        servers.append((process, f"http://127.0.0.1:{port}"))
    try:
        for _, url in servers:
            wait_until_serving(url)
    except BaseException:
        stop_room_servers([process for process, _ in servers])
        raise
    return servers


def stop_room_servers(processes) -> None:
    """SIGTERM to each (and its workers), then SIGKILL to any still there after 10 s; gone ones are skipped."""
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_until_serving(url: str, seconds: float = 30) -> None:
    """Block until a server process started by a test answers, or fail the test."""
    def answers() -> bool:
        try:
            urllib.request.urlopen(url + "/join", timeout=2).read()
            return True
        except OSError:
            return False
    wait_until(answers, timeout=seconds, interval=0.2, message=f"the server at {url} to start")
