"""Lesson recordings: Janus writes the teacher's feed as .mjr files, janus-pp-rec turns them into a WebM (VP8)
and an Ogg Opus file a browser plays; who may watch and for how long follow the room's rules (docs/rooms.md)."""
from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import LessonRecording, LiveSession
from ..timefmt import utcnow
from ..errors import AppError

CONVERT_SECONDS = 600


def recordings_path() -> Path:
    return Path(current_app.config["RECORDINGS_PATH"])


def active(live_session_id: int) -> LessonRecording | None:
    return db.session.scalar(select(LessonRecording).where(LessonRecording.live_session_id == live_session_id,
                                                           LessonRecording.status == "recording"))


def start(live: LiveSession) -> LessonRecording:
    if active(live.id) is not None:
        raise AppError(409, "recording", _("This lesson is already being recorded."))
    recording = LessonRecording(live_session_id=live.id, base_name="")
    db.session.add(recording)
    db.session.flush()
    recording.base_name = f"session-{live.id}-recording-{recording.id}"
    return recording


def stop(recording: LessonRecording) -> None:
    recording.ended_at = utcnow()
    recording.status = "processing"


def convert(recording: LessonRecording) -> None:
    """janus-pp-rec on each .mjr Janus wrote (audio and video, named <base>-<kind>-<mindex>.mjr)."""
    folder = recordings_path()
    made, problems = {}, []
    for kind, suffix in (("video", "webm"), ("audio", "opus")):
        sources = sorted(folder.glob(f"{recording.base_name}-{kind}-*.mjr"))
        if not sources:
            continue
        target = f"{recording.base_name}-{kind}.{suffix}"
        try:
            result = subprocess.run(["janus-pp-rec", str(sources[0]), str(folder / target)], capture_output=True,
                                    text=True, timeout=CONVERT_SECONDS)
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"{kind}: {exc}")
            continue
        if result.returncode == 0 and (folder / target).exists() and (folder / target).stat().st_size > 0:
            made[kind] = target
        else:
            problems.append(f"{kind}: janus-pp-rec exited {result.returncode}: {result.stderr[-500:]}")
    recording.video_file, recording.audio_file = made.get("video"), made.get("audio")
    recording.status = "ready" if made else "failed"
    recording.problem = "; ".join(problems) or (None if made else "Janus wrote no media for this recording")


def for_session(live_session_id: int) -> list[LessonRecording]:
    return list(db.session.scalars(select(LessonRecording).where(LessonRecording.live_session_id == live_session_id)
                                   .order_by(LessonRecording.started_at)))


def kept_until(live: LiveSession):
    """Recordings are kept RECORDING_RETENTION_DAYS after the session ends, then refused and deleted."""
    return live.ends_at + timedelta(days=current_app.config["RECORDING_RETENTION_DAYS"])


def file_for(recording: LessonRecording, kind: str) -> Path:
    name = recording.video_file if kind == "video" else recording.audio_file
    if recording.status != "ready" or not name:
        raise AppError(404, "not_found", _("This recording is not ready."))
    return recordings_path() / name


def prune(now=None) -> int:
    """Deletes recordings (rows and files) of sessions whose retention has passed; returns how many."""
    now = now or utcnow()
    # Sessions that ended before now - retention (interval arithmetic differs between SQLite and PostgreSQL).
    cutoff = now - timedelta(days=current_app.config["RECORDING_RETENTION_DAYS"])
    old = db.session.scalars(select(LessonRecording).join(LiveSession).where(LiveSession.ends_at < cutoff)).all()
    count = 0
    for recording in old:
        for path in recordings_path().glob(f"{recording.base_name}-*"):
            path.unlink(missing_ok=True)
        db.session.delete(recording)
        count += 1
    return count
