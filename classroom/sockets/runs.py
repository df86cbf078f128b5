"""Namespace `/runs`: live progress of matching runs, pushed to the coordinators watching them.

The worker process writes progress to the run's row; each server process polls the rows its own
watchers care about (twice a second) and pushes changes, so progress reaches the page whichever
process or queue executes the run, and survives a web restart.
"""
from __future__ import annotations

import threading

from flask import Flask
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import Namespace, emit, join_room

from ..extensions import db, socketio
from ..models import MatchingRun, Role
from ..services import runs as run_service

POLL_SECONDS = 0.5


def run_progress(run: MatchingRun) -> dict:
    limit = float(run.parameters.get("time_limit", 60))
    progress = run.progress or {}
    elapsed = float(progress.get("seconds") or 0)
    return {"run": run.id, "status": run.status.value, "seconds": elapsed, "time_limit": limit,
            "fraction": 1.0 if run.status.value not in ("queued", "running") else min(1.0, elapsed / limit),
            "objective": progress.get("objective"), "bound": progress.get("bound"), "gap": progress.get("gap"),
            "error": run.error}


class ProgressWatcher:
    def __init__(self, app: Flask):
        self.app = app
        self.watched: dict[int, dict | None] = {}
        self.lock = threading.Lock()
        self.running = False

    def watch(self, run_id: int) -> None:
        with self.lock:
            self.watched.setdefault(run_id, None)
            if self.running:
                return
            self.running = True
        socketio.start_background_task(self.loop)

    def loop(self) -> None:
        while True:
            with self.lock:
                ids = list(self.watched)
                if not ids:
                    self.running = False
                    return
            with self.app.app_context():
                if run_service.mark_dead_runs():
                    db.session.commit()
                for run_id in ids:
                    run = db.session.get(MatchingRun, run_id)
                    payload = run_progress(run) if run else None
                    if payload and payload != self.watched.get(run_id):
                        socketio.emit("progress", payload, to=f"run:{run_id}", namespace="/runs")
                    with self.lock:
                        if payload is None or payload["status"] not in ("queued", "running"):
                            self.watched.pop(run_id, None)
                        else:
                            self.watched[run_id] = payload
                db.session.remove()
            socketio.sleep(POLL_SECONDS)


class RunsNamespace(Namespace):
    def __init__(self, namespace: str, watcher: ProgressWatcher):
        super().__init__(namespace)
        self.watcher = watcher

    def on_connect(self, auth=None):
        if not current_user.is_authenticated or current_user.role not in (Role.COORDINATOR, Role.ADMIN):
            return False

    def on_watch(self, data):
        run_id = data.get("run") if isinstance(data, dict) else None
        if not isinstance(run_id, int) or isinstance(run_id, bool):
            emit("error", {"error": "validation", "message": _("Send {\"run\": <number>}.")})
            return
        run = db.session.get(MatchingRun, run_id)
        if run is None:
            emit("error", {"error": "not_found", "message": _("Not found.")})
            return
        join_room(f"run:{run_id}")
        emit("progress", run_progress(run))
        if run.status.value in ("queued", "running"):
            self.watcher.watch(run_id)


def register(app: Flask) -> None:
    socketio.on_namespace(RunsNamespace("/runs", ProgressWatcher(app)))
