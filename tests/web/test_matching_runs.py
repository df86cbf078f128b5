"""The coordinator's matching loop: run in a worker process, watch it, review, publish, re-plan."""
import json
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from classroom.extensions import db, socketio
from classroom.models import (Assignment, LiveSession, LiveStatus, MatchingRun, Notification, RequestStatus,
                              RunStatus, SessionRequest, TeacherProfile, User)
from classroom import worker
from classroom.services import requests as request_service, runs, withdrawals
from classroom.services.imports import import_instance

from waiting import wait_until

MEDIUM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "instances" / "medium.json"
TERM = {"term_start": "2030-01-07", "term_end": "2030-03-29"}  # 12 weeks from a Monday, kept in the future
ACEH_MORNINGS = [{"day": d, "start": "05:30", "end": "07:30"} for d in ("mon", "tue", "wed", "thu")]
MATH_8 = {"subject": "Matematika", "grade": 8, "students": 28, "sessions_per_week": 2, "duration_minutes": 70,
          "priority": 4, **TERM, "windows": [{"day": d, "start": "07:30", "end": "12:00"} for d in ("mon", "tue", "wed")]}


@pytest.fixture
def programme(app, factory):
    """Two Aceh maths teachers, a Papua school with a maths request and a chemistry request nobody teaches."""
    first, _ = factory.teacher(name="Cut Nyak", province="11", subjects=["Matematika"], grades=[8],
                               availability=ACEH_MORNINGS, certified=True, years_teaching=15)
    second, _ = factory.teacher(name="Teuku Umar", province="11", subjects=["Matematika"], grades=[8],
                                availability=ACEH_MORNINGS)
    staff_id, staff_email = factory.school(province="91", level="SMP")
    coordinator_id, coordinator_email = factory.coordinator()
    with app.app_context():
        school = db.session.get(User, staff_id).school
        maths = request_service.create_request(school, MATH_8)
        science = request_service.create_request(school, {**MATH_8, "subject": "Prakarya", "priority": 2})
        db.session.commit()
        return {"teachers": (first, second), "staff": staff_email, "coordinator": coordinator_email,
                "coordinator_id": coordinator_id, "maths": maths.id, "prakarya": science.id}


def expected_sessions(request_id: int) -> int:
    """Dated sessions of a request's assignment over TERM: one a week on each of its days, none on a national
    holiday (2030: Idul Fitri on Mon 4 and Tue 5 February, Nyepi on Tue 5 March)."""
    import holidays
    from datetime import date, timedelta
    days = {slot["day"] for slot in db.session.scalars(select(Assignment.slots).where(
        Assignment.request_id == request_id)).first()}
    first, last = date.fromisoformat(TERM["term_start"]), date.fromisoformat(TERM["term_end"])
    closed = holidays.country_holidays("ID", years=[first.year])
    dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return sum(1 for d in dates if ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d.weekday()] in days
               and d not in closed)


def run_inline(app, coordinator_id, data=TERM, replan_of=None):
    """Start a run and execute it in this process: the same code the worker process runs."""
    with app.app_context():
        coordinator = db.session.get(User, coordinator_id)
        if replan_of:
            run = runs.start_replan(coordinator, db.session.get(MatchingRun, replan_of), {"time_limit": 5})
        else:
            run = runs.start_run(coordinator, {**data, "time_limit": 5})
        db.session.commit()
        run_id = run.id
        worker.execute(run_id, "test")
        return run_id


def test_run_executes_in_a_worker_process_and_is_reviewed_in_indonesian(app, client, auth, programme):
    auth.login(programme["coordinator"])
    response = client.post("/coordinator/runs", data={**TERM, "time_limit": "5"})
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        run = db.session.get(MatchingRun, run_id)
        assert run.worker.startswith("pid ") and int(run.worker.split()[1]) != os.getpid()
        run = runs.wait_for(run_id, timeout=60)
        assert run.status == RunStatus.FINISHED, run.error
        assert run.requests_served == 1 and run.requests_total == 2
    page = client.get(f"/coordinator/runs/{run_id}").get_data(as_text=True)
    assert "Cut Nyak" in page  # the better teacher gets the class
    assert "Tidak ada guru dalam program yang mengajar Prakarya untuk kelas 8." in page
    assert "Papua" in page and "Aceh" in page  # the province summary and its map
    assert "Terbitkan jadwal ini" in page


def test_publish_creates_dated_sessions_and_notifies(app, client, auth, programme):
    run_id = run_inline(app, programme["coordinator_id"])
    auth.login(programme["coordinator"])
    client.post(f"/coordinator/runs/{run_id}/publish")
    with app.app_context():
        assert db.session.get(MatchingRun, run_id).status == RunStatus.PUBLISHED
        maths = db.session.get(SessionRequest, programme["maths"])
        assert maths.status == RequestStatus.SCHEDULED
        sessions = db.session.scalars(select(LiveSession).where(LiveSession.request_id == maths.id)).all()
        assert len(sessions) == expected_sessions(maths.id)  # twice a week over a 12-week term, less holidays
        assert len({s.join_code for s in sessions}) == len(sessions)
        first = min(s.starts_at for s in sessions)
        # Monday 7 January 2030, 07:30 in Papua (WIT) is 22:30 UTC on Sunday.
        assert first.isoformat() == "2030-01-06T22:30:00+00:00"
        prakarya = db.session.get(SessionRequest, programme["prakarya"])
        assert prakarya.status == RequestStatus.UNSERVED and prakarya.unserved_reason["code"] == "no_teacher_for_subject_grade"
        kinds = set(db.session.scalars(select(Notification.kind)))
        assert {"timetable_published", "request_scheduled", "request_unserved"} <= kinds
    # the school sees it, with the reason for the other request in words
    client.post("/auth/logout")
    auth.login(programme["staff"])
    page = client.get("/school/").get_data(as_text=True)
    assert "terjadwal" in page and "Tidak ada guru dalam program yang mengajar Prakarya" in page


def test_second_publish_of_the_same_requests_is_refused(app, client, auth, programme):
    first = run_inline(app, programme["coordinator_id"])
    second = run_inline(app, programme["coordinator_id"])
    auth.login(programme["coordinator"])
    client.post(f"/coordinator/runs/{first}/publish")
    page = client.post(f"/coordinator/runs/{second}/publish", follow_redirects=True).get_data(as_text=True)
    assert "dijadwalkan atau diubah sementara itu" in page
    with app.app_context():
        assert db.session.get(MatchingRun, second).status == RunStatus.FINISHED
        assert db.session.scalar(select(func.count()).select_from(LiveSession)) == \
            expected_sessions(programme["maths"])  # not doubled


def test_availability_changed_during_the_run_blocks_publishing(app, client, auth, programme):
    run_id = run_inline(app, programme["coordinator_id"])
    with app.app_context():
        chosen = db.session.scalars(select(Assignment.teacher_id).where(Assignment.run_id == run_id)).one()
        profile = db.session.get(TeacherProfile, chosen)
        profile.availability.clear()
        db.session.commit()
    auth.login(programme["coordinator"])
    page = client.post(f"/coordinator/runs/{run_id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "Data berubah sejak proses ini dimulai" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 0


def test_replan_after_withdrawal_keeps_what_still_works(app, client, auth, factory, programme):
    with app.app_context():
        school = db.session.scalar(select(SessionRequest).where(SessionRequest.id == programme["maths"])).school
        english = request_service.create_request(school, {**MATH_8, "subject": "Bahasa Inggris", "grade": 7})
        db.session.commit()
        english_id = english.id
    factory.teacher(name="Andi", province="73", subjects=["Bahasa Inggris"], grades=[7],
                    availability=[{"day": d, "start": "06:30", "end": "08:30"} for d in ("mon", "tue", "wed")])
    first = run_inline(app, programme["coordinator_id"])
    auth.login(programme["coordinator"])
    client.post(f"/coordinator/runs/{first}/publish")
    with app.app_context():
        english_codes = set(db.session.scalars(select(LiveSession.join_code).where(LiveSession.request_id == english_id)))
        maths = db.session.scalar(select(Assignment).where(Assignment.run_id == first, Assignment.request_id == programme["maths"]))
        leaving = maths.teacher_id
        # the maths teacher withdraws from the whole assignment, the way the teacher's page does it
        withdrawals.withdraw_assignment(maths.teacher, maths, "dinas luar")
        db.session.commit()
        assert maths.request.status == RequestStatus.WAITING
    second = run_inline(app, programme["coordinator_id"], replan_of=first)
    page = client.get(f"/coordinator/runs/{second}").get_data(as_text=True)
    # the class that went from one teacher to another has moved; it is not "newly served"
    assert "1 tetap, 1 berpindah, 0 baru terlayani, 0 tidak lagi terlayani." in page
    changes = page[page.index('id="changes"'):page.index("</section>", page.index('id="changes"'))]
    with app.app_context():
        leaving_name = db.session.get(TeacherProfile, leaving).user.name
    assert leaving_name in changes and "t%d" % leaving not in changes
    assert "WIB" in changes  # the coordinator's zone, named
    client.post(f"/coordinator/runs/{second}/publish")
    with app.app_context():
        assert db.session.get(MatchingRun, second).moved == 1
        kept = set(db.session.scalars(select(LiveSession.join_code).where(
            LiveSession.request_id == english_id, LiveSession.status == LiveStatus.SCHEDULED)))
        assert kept == english_codes  # the unchanged class keeps its join codes: no churn
        new_teacher = db.session.scalar(select(Assignment.teacher_id).where(
            Assignment.run_id == second, Assignment.request_id == programme["maths"]))
        assert new_teacher not in (None, leaving)


def test_progress_is_pushed_to_coordinators_only(app, client, auth, programme, factory):
    auth.login(programme["coordinator"])
    response = client.post("/coordinator/runs", data={**TERM, "time_limit": "5"})
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    watcher = socketio.test_client(app, namespace="/runs", flask_test_client=client)
    assert watcher.is_connected("/runs")
    watcher.emit("watch", {"run": run_id}, namespace="/runs")
    seen = []
    wait_until(lambda: seen.extend(m["args"][0] for m in watcher.get_received("/runs") if m["name"] == "progress")
               or (seen and seen[-1]["status"] not in ("queued", "running")), timeout=60, interval=0.2,
               message=lambda: f"the run's progress to say it ended; progress seen: {seen[-3:]}")
    assert seen[-1]["status"] == "finished" and seen[-1]["objective"] > 0 and seen[-1]["fraction"] == 1.0
    watcher.disconnect(namespace="/runs")

    other = app.test_client()
    _, teacher = factory.teacher()
    other.post("/auth/login", data={"email": teacher, "password": "rahasia-sekali-123"})
    refused = socketio.test_client(app, namespace="/runs", flask_test_client=other)
    assert not refused.is_connected("/runs")


@pytest.fixture
def medium_programme(app, factory):
    coordinator_id, email = factory.coordinator()
    with app.app_context():
        import_instance(json.loads(MEDIUM.read_text()), *[__import__("datetime").date.fromisoformat(TERM[k]) for k in ("term_start", "term_end")])
        db.session.commit()
    return coordinator_id, email


def _wait_running(app, run_id, timeout=60):
    def running_with_a_solution():
        with app.app_context():
            run = db.session.get(MatchingRun, run_id)
            return run if run.status == RunStatus.RUNNING and (run.progress or {}).get("objective") else None
    return wait_until(running_with_a_solution, timeout=timeout, interval=0.2,
                      message="the run to be running with a first solution")


@pytest.mark.slow
def test_stopping_early_keeps_the_best_timetable(app, client, auth, medium_programme):
    auth.login(medium_programme[1])
    response = client.post("/coordinator/runs", data={**TERM, "time_limit": "300"})
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    _wait_running(app, run_id)
    client.post(f"/coordinator/runs/{run_id}/stop")
    started = time.monotonic()
    with app.app_context():
        run = runs.wait_for(run_id, timeout=60)
        assert time.monotonic() - started < 30
        assert run.status == RunStatus.STOPPED
        assert run.requests_served > 500 and run.objective > 0


@pytest.mark.slow
def test_a_killed_worker_marks_the_run_failed_and_publishes_nothing(app, client, auth, medium_programme):
    app.config["RUN_DEAD_AFTER_SECONDS"] = 2
    auth.login(medium_programme[1])
    response = client.post("/coordinator/runs", data={**TERM, "time_limit": "300"})
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    run = _wait_running(app, run_id)
    os.kill(int(run.worker.split()[1]), signal.SIGKILL)
    # A sleep on purpose: the worker is taken for dead once its last heartbeat is older than
    # RUN_DEAD_AFTER_SECONDS, and only the page below checks that; nothing happens in between to wait for.
    time.sleep(3)
    page = client.get(f"/coordinator/runs/{run_id}").get_data(as_text=True)
    assert "Pekerja pencocokan berhenti tanpa terduga" in page
    with app.app_context():
        assert db.session.get(MatchingRun, run_id).status == RunStatus.FAILED
        assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 0


def _redis_up() -> bool:
    try:
        import redis
        return redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not reachable on 127.0.0.1:6379")
def test_runs_go_through_an_rq_queue_when_redis_is_configured(app, client, auth, programme):
    import subprocess
    import sys
    import redis
    queue_url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(queue_url).flushdb()
    app.config["MATCHING_QUEUE_URL"] = queue_url
    auth.login(programme["coordinator"])
    response = client.post("/api/coordinator/runs", json={**TERM, "time_limit": 5})
    assert response.status_code == 202
    run_id = response.get_json()["id"]
    with app.app_context():
        run = db.session.get(MatchingRun, run_id)
        assert run.worker.startswith("rq ") and run.status == RunStatus.QUEUED
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret"}
    worker = subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", queue_url, "matching"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    with app.app_context():
        run = runs.wait_for(run_id, timeout=10)
        assert run.status == RunStatus.FINISHED and run.requests_served == 1


def test_only_a_published_timetable_can_be_replanned(app, client, auth, programme):
    run_id = run_inline(app, programme["coordinator_id"])
    auth.login(programme["coordinator"])
    response = client.post(f"/api/coordinator/runs/{run_id}/replan?lang=en", json={"time_limit": 5})
    assert response.status_code == 409
    assert response.get_json()["message"] == "Only a published timetable can be re-planned."


def test_a_solver_that_raises_leaves_the_run_failed_with_its_error_and_nothing_else(app, programme, monkeypatch):
    import scheduler

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")
    monkeypatch.setattr(scheduler, "solve", broken)
    with pytest.raises(RuntimeError):
        run_inline(app, programme["coordinator_id"])
    with app.app_context():
        run = db.session.scalar(select(MatchingRun))
        assert run.status == RunStatus.FAILED and run.error == "RuntimeError: solver crashed"
        assert run.finished_at is not None and run.solution is None
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_a_run_stopped_before_its_worker_starts_is_left_alone_by_the_worker(app, programme):
    with app.app_context():
        run = runs.start_run(db.session.get(User, programme["coordinator_id"]), {**TERM, "time_limit": 5})
        runs.request_stop(run)
        db.session.commit()
        run_id = run.id
        worker.execute(run_id, "test")
        db.session.expire_all()
        run = db.session.get(MatchingRun, run_id)
        assert run.status == RunStatus.STOPPED and run.worker is None and run.solution is None
