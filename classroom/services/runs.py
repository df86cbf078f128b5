"""Matching runs: started by a coordinator, handed to a worker, watched, stopped, marked dead.

The worker (`classroom.worker`) executes a run; `services.review` reads its result, `services.publishing` makes it
the term's timetable. Like every service this one adds and flushes; the view, CLI command or worker commits."""
from __future__ import annotations

import time
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Assignment, MatchingRun, RequestStatus, RunStatus, SessionRequest, User
from ..timefmt import utcnow
from ..errors import Conflict, Unavailable, ValidationError
from .. import schemas
from . import matching, timetable

DEAD_AFTER_SECONDS = 30.0   # a RUNNING run whose worker has not beaten for this long has died
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
REVIEWABLE = (RunStatus.FINISHED, RunStatus.STOPPED)


# ---- starting ---------------------------------------------------------------------------------------------

def parse_run_parameters(data) -> tuple[date, date, float]:
    body = schemas.parse(schemas.RunBody, data)
    return body.term_start, body.term_end, float(body.time_limit)


def latest_published(term_start: date, term_end: date) -> MatchingRun | None:
    """The newest published run whose term overlaps this one: the timetable in force."""
    return db.session.scalar(select(MatchingRun).where(
        MatchingRun.status == RunStatus.PUBLISHED, MatchingRun.term_start <= term_end,
        MatchingRun.term_end >= term_start).order_by(MatchingRun.published_at.desc()).limit(1))


def start_run(coordinator: User, data: dict) -> MatchingRun:
    """A full run over the waiting requests of a term, starting from the term's timetable: every published
    session is taken. The caller commits, then calls `jobs.hand_over`."""
    term_start, term_end, time_limit = parse_run_parameters(data)
    waiting = matching.waiting_requests(term_start, term_end)
    if not waiting:
        raise ValidationError({"term_start": _("No request is waiting in this term.")})
    scheduled = timetable.term_requests(term_start, term_end, (RequestStatus.SCHEDULED,))
    requests = sorted(waiting + scheduled, key=lambda r: r.id)
    return _new_run(coordinator, term_start, term_end, time_limit, requests, kind="full")


def start_replan(coordinator: User, published: MatchingRun, data: dict) -> MatchingRun:
    """Re-plan the term of a published timetable after changes, from the term's timetable (whatever runs
    built it), keeping every assignment that is still valid."""
    if published.status != RunStatus.PUBLISHED:
        raise Conflict(_("Only a published timetable can be re-planned."))
    time_limit = float(schemas.parse(schemas.ReplanBody, data).time_limit)
    requests = timetable.term_requests(published.term_start, published.term_end, (
        RequestStatus.WAITING, RequestStatus.SCHEDULED, RequestStatus.UNSERVED))
    return _new_run(coordinator, published.term_start, published.term_end, time_limit, requests, kind="replan")


def _new_run(coordinator: User, term_start: date, term_end: date, time_limit: float,
             requests: list[SessionRequest], kind: str) -> MatchingRun:
    baseline = timetable.baseline_of(requests)
    parameters = {"time_limit": time_limit, "workers": 2,
                  "baseline": sorted(a.id for a in baseline.values() if a.withdrawn_at is None),
                  "withdrawn": sorted(a.id for a in baseline.values() if a.withdrawn_at is not None)}
    newest = latest_published(term_start, term_end)
    run = MatchingRun(term_start=term_start, term_end=term_end, created_by_id=coordinator.id, kind=kind,
                      status=RunStatus.QUEUED, parameters=parameters,
                      previous_run_id=newest.id if newest is not None else None)
    db.session.add(run)
    db.session.flush()
    run.instance = matching.build_instance(f"run {run.id}", term_start, term_end, requests)
    run.requests_total = len(requests)
    return run


def handed_over(run: MatchingRun, worker: str) -> None:
    """A worker took the run (`jobs.hand_over` calls this once the queue has it)."""
    run.worker = worker
    db.session.flush()


def refused_by_queue(run: MatchingRun) -> Unavailable:
    """No worker could take the run: it is marked failed, and the refusal to raise once that is committed."""
    run.status, run.finished_at = RunStatus.FAILED, utcnow()
    run.error = _("The matching queue is unavailable right now. Nothing was started; try again in a moment.")
    db.session.flush()
    return Unavailable(run.error)


def baseline(run: MatchingRun, *keys: str) -> list[Assignment]:
    """The assignments the run started from, by the keys of its parameters: `baseline` (in force when it started),
    `withdrawn` (withdrawn from by then)."""
    ids = [i for key in keys for i in (run.parameters or {}).get(key, [])]
    if not ids:
        return []
    return list(db.session.scalars(select(Assignment).where(Assignment.id.in_(ids)).order_by(Assignment.id)))


def previous_solution_for(run: MatchingRun) -> dict | None:
    """The term's timetable the run starts from, less the assignments teachers withdrew from since."""
    kept = timetable.in_force(baseline(run, "baseline"))
    return timetable.as_solution(kept.values()) if kept else None


# ---- stopping and dead workers -----------------------------------------------------------------------

def request_stop(run: MatchingRun) -> bool:
    """Stop a run: a queued one is withdrawn at once (nothing was computed, so nothing is kept); a running one
    stops at its next step and keeps its best timetable. Returns whether it had started."""
    if run.status not in ACTIVE:
        raise Conflict(_("This run is not running any more."))
    if run.status == RunStatus.QUEUED:
        run.status, run.finished_at, run.stop_requested = RunStatus.STOPPED, utcnow(), True
        run.error = _("Stopped before it started: nothing was computed.")
        db.session.flush()
        return False
    run.stop_requested = True
    db.session.flush()
    return True


def mark_dead_runs() -> int:
    """Runs whose worker died (killed, crashed, machine restarted) are marked failed; nothing was published."""
    limit = utcnow() - timedelta(seconds=current_app.config.get("RUN_DEAD_AFTER_SECONDS", DEAD_AFTER_SECONDS))
    dead = db.session.scalars(select(MatchingRun).where(
        MatchingRun.status == RunStatus.RUNNING, MatchingRun.heartbeat_at < limit)).all()
    for run in dead:
        run.status, run.finished_at = RunStatus.FAILED, utcnow()
        run.error = _("The matching worker stopped unexpectedly. Nothing was published; start the run again.")
    db.session.flush()
    return len(dead)


def wait_for(run_id: int, timeout: float = 60.0) -> MatchingRun:
    """Block until a run leaves QUEUED/RUNNING (the CLI and tests use it)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        run = db.session.get(MatchingRun, run_id)
        if run.status not in ACTIVE or time.monotonic() > deadline:
            return run
        time.sleep(0.2)


# ---- the worker's side ----------------------------------------------------------------------------------------

def claim(run_id: int, worker: str) -> MatchingRun | None:
    """The queued run a worker starts on, now RUNNING; None if it was stopped, taken or deleted meanwhile."""
    run = db.session.get(MatchingRun, run_id)
    if run is None or run.status != RunStatus.QUEUED:
        return None
    run.status, run.started_at, run.worker, run.heartbeat_at = RunStatus.RUNNING, utcnow(), worker, utcnow()
    db.session.flush()
    return run


def mark_failed(run_id: int, error: str) -> None:
    """The worker's solve raised: the run failed and nothing but the failure is kept."""
    run = db.session.get(MatchingRun, run_id)
    run.status, run.error, run.finished_at = RunStatus.FAILED, error, utcnow()
    db.session.flush()
