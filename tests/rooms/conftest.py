"""Room fixtures: a live session built the way the app builds one, and Socket.IO test clients on `/room`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from classroom.extensions import db, socketio
from classroom.models import LiveSession, LiveStatus, School, User
from classroom.services import requests as request_service
from classroom.services.join_codes import unique_code
from classroom.timefmt import utcnow


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


def wait_until_serving(url: str, seconds: float = 30) -> None:
    """Block until a server process started by a test answers, or fail the test."""
    import time
    import urllib.request
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url + "/join", timeout=2).read()
            return
        except OSError:
            if time.time() > deadline:
                pytest.fail(f"server {url} did not start")
            time.sleep(0.2)
