"""Hands matching runs to a worker, and only that: an RQ queue on Redis when `MATCHING_QUEUE_URL` is set (a long
national run survives a web restart), a detached local process otherwise (the embedded default).

`classroom.worker` runs the job: `rq worker matching --url REDIS_URL` serves the queue, and the local process is
`python -m classroom.worker RUN_ID`. Nothing here imports the worker, so the web process never loads the solver.
"""
from __future__ import annotations

import os
import subprocess
import sys

from flask import current_app

from .errors import Unavailable
from .extensions import db
from .models import MatchingRun
from .services import runs

QUEUE_NAME = "matching"
JOB = "classroom.worker.run_job"   # what an RQ worker imports and calls with the run id
LOCAL_WORKER = "classroom.worker"  # `python -m` of the local process
TIME_LIMIT_SECONDS = 900           # the longest run a coordinator can ask for (services/runs.parse_run_parameters)


def enqueue(run_id: int) -> str:
    """Hand a committed, queued run to a worker; returns who took it (`rq JOB_ID` or `pid PID`). Raises
    Unavailable if nobody can (Redis down, no process could start)."""
    try:
        queue_url = current_app.config.get("MATCHING_QUEUE_URL")
        return _enqueue_rq(queue_url, run_id) if queue_url else _start_local(run_id)
    except Exception as exc:  # noqa: BLE001 - whatever the queue raised, the run was not handed over
        current_app.logger.warning("matching run %s not handed over: %s", run_id, exc)
        raise Unavailable(str(exc)) from exc


def _enqueue_rq(queue_url: str, run_id: int) -> str:
    from redis import Redis
    from rq import Queue
    job = Queue(QUEUE_NAME, connection=Redis.from_url(queue_url)).enqueue(
        JOB, run_id, job_timeout=TIME_LIMIT_SECONDS + 120, result_ttl=3600)
    return f"rq {job.id}"


def _start_local(run_id: int) -> str:
    env = dict(os.environ)
    env["DATABASE_URL"] = current_app.config["SQLALCHEMY_DATABASE_URI"]
    env["SECRET_KEY"] = current_app.config["SECRET_KEY"]
    env["INSTANCE_PATH"] = current_app.instance_path
    log_path = os.path.join(current_app.instance_path, f"matching-run-{run_id}.log")
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", LOCAL_WORKER, str(run_id)], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, cwd=os.path.dirname(current_app.root_path))
    return f"pid {process.pid}"


def hand_over(run: MatchingRun) -> None:
    """Give a committed run to a worker and commit who took it. The enqueue sits between two commits (the worker
    must find the run's row; the page must find who took it), so this edge commits as a view does. If nobody can
    take it, the run is committed as failed and Unavailable raised, which the caller shows."""
    try:
        worker = enqueue(run.id)
    except Unavailable:
        refusal = runs.refused_by_queue(run)
        db.session.commit()
        raise refusal from None
    runs.handed_over(run, worker)
    db.session.commit()
