"""A live session's lesson recordings: the list, a player, and the files (routes on the rooms blueprint).
Who may watch is who may read the session's attendance: its teacher, its school's staff, coordinators."""
from __future__ import annotations

from flask import abort, render_template, send_file

from ..auth.access import roles_required
from ..extensions import db
from ..i18n import viewer_timezone
from ..models import LessonRecording, Role
from ..services import recordings as recording_service
from ..errors import AppError
from ..timefmt import utcnow
from .views import bp, session_for_report

WATCHERS = (Role.TEACHER, Role.SCHOOL, Role.COORDINATOR, Role.ADMIN)


def recording_of(live_session_id: int, recording_id: int):
    live = session_for_report(live_session_id)
    recording = db.get_or_404(LessonRecording, recording_id)
    if recording.live_session_id != live.id:
        abort(404)
    if recording_service.kept_until(live) < utcnow():
        abort(410)  # past the retention: `flask prune-recordings` deletes it
    return live, recording


@bp.get("/rooms/<int:live_session_id>/recordings")
@roles_required(*WATCHERS)
def recordings(live_session_id: int):
    live = session_for_report(live_session_id)
    return render_template("rooms/recordings.html", live=live, zone=viewer_timezone(),
                           recordings=recording_service.for_session(live.id),
                           kept_until=recording_service.kept_until(live))


@bp.get("/rooms/<int:live_session_id>/recordings/<int:recording_id>")
@roles_required(*WATCHERS)
def recording_player(live_session_id: int, recording_id: int):
    live, recording = recording_of(live_session_id, recording_id)
    return render_template("rooms/recording.html", live=live, recording=recording, zone=viewer_timezone())


@bp.get("/rooms/<int:live_session_id>/recordings/<int:recording_id>/<kind>")
@roles_required(*WATCHERS)
def recording_file(live_session_id: int, recording_id: int, kind: str):
    _, recording = recording_of(live_session_id, recording_id)
    if kind not in ("video", "audio"):
        abort(404)
    try:
        path = recording_service.file_for(recording, kind)
    except AppError:
        abort(404)
    if not path.exists():
        abort(404)
    # Range requests (conditional=True) let the player seek without loading the whole lesson.
    return send_file(path, mimetype="video/webm" if kind == "video" else "audio/ogg", conditional=True,
                     max_age=3600)
