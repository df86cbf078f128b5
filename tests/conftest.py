"""Shared fixtures: an app on SQLite (or on PostgreSQL through TEST_DATABASE_URL), and factories
that build data through the same services the app uses."""
from __future__ import annotations

import os

import pytest

from classroom import create_app
from classroom.extensions import db
from classroom.models import Role
from classroom.services import accounts, teachers as teacher_service

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def app(tmp_path):
    database_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "kelas.test",
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    # A room's background fan-out (heartbeats included) must not outlive its test and touch the next one's data.
    app.extensions["rooms"].stop()
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    """Builds approved accounts and their data through the services, inside an app context."""

    def __init__(self, app):
        self.app = app
        self.count = 0

    def _email(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}@contoh.sch.id"

    def coordinator(self, **overrides):
        with self.app.app_context():
            user = accounts.create_staff_account({"name": "Koordinator", "email": self._email("koordinator"),
                                                  "password": PASSWORD, **overrides}, Role.COORDINATOR)
            db.session.commit()
            return user.id, user.email

    def admin(self):
        with self.app.app_context():
            user = accounts.create_staff_account({"name": "Admin", "email": self._email("admin"),
                                                  "password": PASSWORD}, Role.ADMIN)
            db.session.commit()
            return user.id, user.email

    def teacher(self, province="11", subjects=("Matematika",), grades=(7, 8, 9), availability=None,
                approved=True, **overrides):
        with self.app.app_context():
            user = accounts.register_teacher({"name": overrides.pop("name", "Guru"), "email": self._email("guru"),
                                              "password": PASSWORD, "province": province,
                                              "subjects": list(subjects), "grades": list(grades), **overrides})
            if approved:
                accounts.approve(user, user)
            if availability:
                teacher_service.set_availability(user.teacher_profile, availability)
            db.session.commit()
            return user.id, user.email

    def school(self, npsn=None, province="91", level="SMP", approved=True, **overrides):
        with self.app.app_context():
            self.count += 1
            user = accounts.register_school({"name": "Staf", "email": self._email("sekolah"), "password": PASSWORD,
                                             "npsn": npsn or f"{60000000 + self.count}", "level": level,
                                             "school_name": overrides.pop("school_name", f"Sekolah {self.count}"),
                                             "province": province, "district": "Jayapura", **overrides})
            if approved:
                accounts.approve(user, user)
            db.session.commit()
            return user.id, user.email


@pytest.fixture
def factory(app):
    return Factory(app)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD):
        return self.client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def live_server(app):
    """The test app (with Socket.IO, threading mode) served on a free port in a thread, for a browser."""
    import threading
    from werkzeug.serving import make_server
    app.config.update(SERVER_NAME=None, SESSION_COOKIE_SECURE=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def log_in():
    """Logs a browser page in through the login form, as a person would: `log_in(page, base_url, email)`."""
    def log_in(page, base: str, email: str) -> None:
        page.goto(f"{base}/auth/login")
        page.fill('input[name="email"]', email)
        page.fill('input[name="password"]', PASSWORD)
        page.click('main form button[type="submit"]')
    return log_in


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright; no browser is ever downloaded."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
