"""Services that go away and come back: clear errors while down, nothing half-written, recovery by itself."""
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from classroom import create_app
from classroom.extensions import db
from classroom.models import Availability, MatchingRun, RunStatus

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tcp_proxy import TcpProxy  # noqa: E402

from .test_matching_runs import TERM, _redis_up, programme  # noqa: F401,E402  (fixture)

PASSWORD = "rahasia-sekali-123"
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_database_restart_gives_a_clear_error_and_the_app_recovers(app, factory):
    _, email = factory.teacher(availability=[{"day": "mon", "start": "05:30", "end": "07:00"}])
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    proxied = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                          "SQLALCHEMY_DATABASE_URI": url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)})
    client = proxied.test_client()
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    new_week = {"availability": [{"day": "tue", "start": "05:30", "end": "07:00"},
                                 {"day": "wed", "start": "05:30", "end": "07:00"}]}
    try:
        proxy.stop()  # the database server goes down
        down = client.put("/api/teacher/availability?lang=en", json=new_week)
        assert down.status_code == 503
        assert down.get_json()["message"] == "The service is briefly unavailable. Please try again in a moment."
        with app.app_context():  # nothing half-written: the old week is still there, whole
            assert [(a.day, a.start_minute) for a in db.session.scalars(select(Availability))] == [(0, 330)]
        proxy.start()  # back, on the same port: no restart of the app
        up = client.put("/api/teacher/availability", json=new_week)
        assert up.status_code == 200 and len(up.get_json()["availability"]) == 2
    finally:
        proxy.stop()
        with proxied.app_context():
            db.engine.dispose()


@pytest.mark.skipif(not _redis_up(), reason="Redis is not reachable on 127.0.0.1:6379")
def test_queue_down_marks_the_run_failed_and_says_so_then_recovers(app, client, auth, programme):
    proxy = TcpProxy("127.0.0.1", 6379).start()
    app.config["MATCHING_QUEUE_URL"] = f"redis://127.0.0.1:{proxy.port}/13"
    auth.login(programme["coordinator"])
    try:
        proxy.stop()
        down = client.post("/api/coordinator/runs?lang=en", json={**TERM, "time_limit": 5})
        assert down.status_code == 503
        assert "queue is unavailable" in down.get_json()["message"]
        with app.app_context():
            failed = db.session.scalar(select(MatchingRun))
            assert failed.status == RunStatus.FAILED
        proxy.start()
        up = client.post("/api/coordinator/runs", json={**TERM, "time_limit": 5})
        assert up.status_code == 202 and up.get_json()["status"] == "queued"
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(MatchingRun)) == 2
    finally:
        proxy.stop()
