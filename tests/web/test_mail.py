"""Notification e-mail: sent once the action that makes it is committed, in each reader's language, over one
connection; nothing is sent for an action that fails, and a mail server that is down fails no action."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from classroom.extensions import db
from classroom.models import Notification, User
from classroom.services.notifications import notify

from .test_matching_runs import expected_sessions, programme, run_inline  # noqa: F401  (fixture)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from smtp_sink import SmtpSink  # noqa: E402
from waiting import wait_until  # noqa: E402


@pytest.fixture
def sink(app):
    server = SmtpSink()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.close()


def test_publishing_mails_the_teacher_and_the_school_in_indonesian_after_it_commits(app, client, auth, programme,
                                                                                     sink):
    run_id = run_inline(app, programme["coordinator_id"])
    assert sink.messages == []
    auth.login(programme["coordinator"])
    assert client.post(f"/api/coordinator/runs/{run_id}/publish", json={}).status_code == 200
    wait_until(lambda: len(sink.messages) == 3)  # sent beside the request, once it has committed
    bodies: dict[str, list[str]] = {}
    for message in sink.messages:
        bodies.setdefault(message["To"], []).append(message.get_content().strip())
    assert sorted(bodies[programme["staff"]]) == [
        "Permintaan Anda Matematika kelas 8 dijadwalkan bersama Cut Nyak.",
        "Permintaan Anda Prakarya kelas 8 belum dapat dilayani kali ini."]
    with app.app_context():
        teacher = db.session.get(User, programme["teachers"][0]).email
        sessions = expected_sessions(programme["maths"])  # twice a week over the term, less national holidays
    assert bodies[teacher] == [f"Jadwal baru diterbitkan: {sessions} sesi langsung untuk Anda."]
    assert sink.connections == 1  # every mail of the publish over one connection

    assert client.post(f"/api/coordinator/runs/{run_id}/publish", json={}).status_code == 409
    time.sleep(0.5)  # a sleep on purpose: no mail must come, so there is no event to wait until
    assert len(sink.messages) == 3  # the refused second publish mails nobody


def test_a_slow_mail_server_does_not_hold_up_the_coordinator(app, client, auth, programme):
    slow = SmtpSink(slow=True)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=slow.port)
    try:
        run_id = run_inline(app, programme["coordinator_id"])
        auth.login(programme["coordinator"])
        assert client.post(f"/api/coordinator/runs/{run_id}/publish", json={}).status_code == 200
        assert slow.messages == []  # published and answered while the mail server has not even said hello
        slow.release.set()
        wait_until(lambda: len(slow.messages) == 3)
    finally:
        slow.release.set()
        slow.close()


def test_an_action_that_rolls_back_sends_no_mail(app, factory, sink):
    user_id, email = factory.teacher(name="Cut Nyak")
    with app.app_context():
        user = db.session.get(User, user_id)
        notify([user], "account_approved")
        db.session.rollback()
        assert sink.messages == []
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0

        notify([db.session.get(User, user_id)], "account_approved")
        assert sink.messages == []  # not before the commit
        db.session.commit()
    wait_until(lambda: sink.messages)
    assert [(m["To"], m.get_content().strip()) for m in sink.messages] == [
        (email, "Akun Anda sudah disetujui. Selamat datang di Kelas Nusantara!")]


def test_a_mail_server_that_is_down_keeps_the_notification(app, factory):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    user_id, _ = factory.teacher(name="Cut Nyak")
    with app.app_context():
        notify([db.session.get(User, user_id)], "account_approved")
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 1
