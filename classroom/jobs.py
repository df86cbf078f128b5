"""Matching runs execute outside the web process: a detached local process in the embedded default,
an RQ queue on Redis when `MATCHING_QUEUE_URL` is set, so a long national run survives a web restart.

`python -m classroom.jobs RUN_ID` is the local worker; `rq worker matching --url REDIS_URL` serves the queue.
"""
from __future__ import annotations

import os
import subprocess
import sys

from flask import Flask, current_app

QUEUE_NAME = "matching"


class QueueUnavailable(RuntimeError):
    """The run could not be handed to a worker (Redis down, no process could start)."""


def enqueue(run_id: int) -> str:
    """Hand a committed, queued run to a worker; returns how it was handed over."""
    try:
        return _enqueue(run_id)
    except Exception as exc:
        raise QueueUnavailable(str(exc)) from exc


def _enqueue(run_id: int) -> str:
    queue_url = current_app.config.get("MATCHING_QUEUE_URL")
    if queue_url:
        from redis import Redis
        from rq import Queue
        time_limit = 900
        job = Queue(QUEUE_NAME, connection=Redis.from_url(queue_url)).enqueue(
            "classroom.jobs.run_job", run_id, job_timeout=time_limit + 120, result_ttl=3600)
        return f"rq {job.id}"
    env = dict(os.environ)
    env["DATABASE_URL"] = current_app.config["SQLALCHEMY_DATABASE_URI"]
    env["SECRET_KEY"] = current_app.config["SECRET_KEY"]
    env["INSTANCE_PATH"] = current_app.instance_path
    log_path = os.path.join(current_app.instance_path, f"matching-run-{run_id}.log")
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "classroom.jobs", str(run_id)], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, cwd=os.path.dirname(current_app.root_path))
    return f"pid {process.pid}"


def _worker_app() -> Flask:
    from . import create_app
    return create_app({"SOCKETIO_MESSAGE_QUEUE": None})


def run_job(run_id: int) -> None:
    """Entry point of both kinds of worker."""
    from .extensions import db
    from .services import runs
    app = _worker_app()
    with app.app_context():
        worker = f"pid {os.getpid()}"
        try:
            from rq import get_current_job
            job = get_current_job()
            if job is not None:
                worker = f"rq {job.id}"
        except ImportError:
            pass
        try:
            runs.execute(run_id, worker)
        finally:
            db.session.remove()


if __name__ == "__main__":
    run_job(int(sys.argv[1]))
