"""The matching worker: runs one job, a matching run, from start to stored result.

Both kinds of worker call `run_job`: an RQ worker (`rq worker matching --url REDIS_URL`) and the local process
`python -m classroom.worker RUN_ID` that `classroom.jobs` starts. The job loads the run, calls the scheduler,
stores the result and commits at its own edges: the claim, each heartbeat, the result or the failure.
"""
from __future__ import annotations

import os
import sys
import threading

from flask import Flask, current_app
from sqlalchemy import select, update

from .extensions import db
from .models import MatchingRun, RunStatus
from .services import matching, review, runs
from .services.matching_pieces import pieces_for_run
from .timefmt import utcnow

PROGRESS_EVERY_SECONDS = 0.5


def _worker_app() -> Flask:
    from . import create_app
    return create_app({"SOCKETIO_MESSAGE_QUEUE": None})


def _worker_name() -> str:
    try:
        from rq import get_current_job
        job = get_current_job()
        if job is not None:
            return f"rq {job.id}"
    except ImportError:
        pass
    return f"pid {os.getpid()}"


def run_job(run_id: int) -> None:
    """Entry point of both kinds of worker: an app of its own, one run, then the session is let go."""
    app = _worker_app()
    with app.app_context():
        try:
            execute(run_id, _worker_name())
        finally:
            db.session.remove()


class _Heartbeat:
    """Heartbeat, progress and the stop flag travel through the database, in a thread of their own with its own
    session, every PROGRESS_EVERY_SECONDS: the coordinator's page reads them, and a stop request reaches the solver."""

    def __init__(self, app: Flask, run_id: int):
        self.app, self.run_id = app, run_id
        self.stop = threading.Event()
        self.done = threading.Event()
        self.latest: dict = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._beat, name=f"run-{run_id}-heartbeat", daemon=True)

    def on_progress(self, info: dict) -> None:
        with self.lock:
            self.latest.update(info)

    def _beat(self) -> None:
        with self.app.app_context():
            while not self.done.is_set():
                with self.lock:
                    snapshot = dict(self.latest)
                db.session.execute(update(MatchingRun).where(MatchingRun.id == self.run_id).values(
                    heartbeat_at=utcnow(), progress=snapshot or None))
                stop_requested = db.session.scalar(select(MatchingRun.stop_requested).where(
                    MatchingRun.id == self.run_id))
                db.session.commit()
                if stop_requested:
                    self.stop.set()
                self.done.wait(PROGRESS_EVERY_SECONDS)
            db.session.remove()

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.done.set()
        self.thread.join()


def execute(run_id: int, worker: str) -> None:
    """Run the matching of `run_id` in this process, reporting progress and honouring a stop request."""
    import scheduler

    run = runs.claim(run_id, worker)
    if run is None:
        return
    db.session.commit()
    try:
        with _Heartbeat(current_app._get_current_object(), run_id) as heartbeat:
            instance = scheduler.load_instance(run.instance)
            previous_json = runs.previous_solution_for(run)
            previous = scheduler.Solution.from_json(previous_json) if previous_json else None
            solution = scheduler.solve(instance, time_limit=run.parameters.get("time_limit", 60),
                                       workers=run.parameters.get("workers", 2), previous=previous,
                                       progress=heartbeat.on_progress, stop=heartbeat.stop, pieces=pieces_for_run())
    except Exception as exc:  # the run is marked failed; nothing was written but the failure
        db.session.rollback()
        runs.mark_failed(run_id, f"{type(exc).__name__}: {exc}")
        db.session.commit()
        raise
    store_result(db.session.get(MatchingRun, run_id), solution)
    db.session.commit()


def store_result(run: MatchingRun, solution) -> None:
    """The solver's answer becomes the run's assignments, figures and final status (stopped or finished)."""
    db.session.refresh(run)  # the heartbeat thread wrote progress and perhaps the stop request
    matching.record_solution(run, solution.to_json())
    moved = review.moved_count(run)
    if moved is not None:
        run.moved = moved
    run.progress = {"seconds": round(solution.seconds, 2), "objective": solution.objective,
                    "bound": solution.bound, "gap": solution.gap}
    run.status = RunStatus.STOPPED if run.stop_requested else RunStatus.FINISHED
    db.session.flush()


if __name__ == "__main__":
    run_job(int(sys.argv[1]))
