"""The teacher's JSON API: timetable, teaching record, calendar address and withdrawals.

Errors are `{"error", "message", "fields"?}`; writes must be JSON, for the reason given in api/views.py.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, url_for

from ..api.views import json_body, require_json_body
from ..auth.access import current_teacher, roles_required
from ..extensions import db
from ..models import LiveSession, Role
from ..services import calendar_feed, teaching_record, teachers as teacher_service, withdrawals
from ..timefmt import in_zone, zone_label
from ..errors import ValidationError
from .views import record_range, room_url

bp = Blueprint("teacher_api", __name__, url_prefix="/api/teacher")
bp.before_request(require_json_body)


def session_json(live: LiveSession, zone: str) -> dict:
    school_zone = live.school.timezone
    return {
        "id": live.id, "status": live.status.value, "starts_at": live.starts_at.isoformat(),
        "ends_at": live.ends_at.isoformat(),
        "local_start": in_zone(live.starts_at, zone).isoformat(), "zone": zone_label(zone),
        "school_start": in_zone(live.starts_at, school_zone).isoformat(), "school_zone": zone_label(school_zone),
        "school": {"id": live.school_id, "name": live.school.name},
        "subject": live.request.subject, "grade": live.request.grade, "class_name": live.request.class_name,
        "assignment": live.assignment_id, "join_code": live.join_code, "room_url": room_url(live, external=True),
        "withdrawn_reason": live.withdrawn_reason,
    }


@bp.get("/timetable")
@roles_required(Role.TEACHER)
def timetable():
    """Coming sessions (cancelled ones too) and the classes they belong to."""
    profile = current_teacher()
    return {
        "timezone": profile.timezone,
        "sessions": [session_json(live, profile.timezone) for live in teacher_service.upcoming_sessions(profile)],
        "assignments": [{"id": a.id, "subject": a.request.subject, "grade": a.request.grade,
                         "class_name": a.request.class_name, "school": a.request.school.name,
                         "slots": teacher_service.weekly_slots(a, profile.timezone)}
                        for a in teacher_service.active_assignments(profile)],
    }


@bp.get("/record")
@roles_required(Role.TEACHER)
def record():
    profile = current_teacher()
    first, last, errors = record_range()
    if errors:
        raise ValidationError(errors)
    taught = teaching_record.build(profile, first, last)
    return {
        "timezone": profile.timezone, "jp_minutes": teaching_record.JP_MINUTES,
        "sessions": [{**session_json(row.live, profile.timezone), "minutes": row.minutes, "planned_minutes": row.planned_minutes, "jp": row.jp,
                      "students_present": row.students_present, "class_size": row.class_size,
                      "rating": row.rating_mean} for row in taught.sessions],
        "months": [{"month": m.month, "sessions": m.sessions, "minutes": m.minutes, "jp": m.jp} for m in taught.months],
        "total": {"sessions": taught.total_sessions, "minutes": taught.total_minutes, "jp": taught.total_jp,
                  "ratings": taught.rating_count, "rating_mean": taught.rating_mean},
    }


@bp.post("/calendar-token")
@roles_required(Role.TEACHER)
def regenerate_calendar_token():
    token = calendar_feed.regenerate_token(current_teacher())
    db.session.commit()
    return {"calendar_url": url_for("calendar.feed", token=token, _external=True)}


@bp.post("/sessions/<int:live_session_id>/withdraw")
@roles_required(Role.TEACHER)
def withdraw_session(live_session_id: int):
    profile = current_teacher()
    live = withdrawals.own_session(profile, live_session_id)
    if live is None:
        abort(404)
    substitute = withdrawals.withdraw_session(profile, live, json_body().get("reason"))
    db.session.commit()
    return {**session_json(live, profile.timezone), "substitute": substitute.user.name if substitute else None}


@bp.post("/assignments/<int:assignment_id>/withdraw")
@roles_required(Role.TEACHER)
def withdraw_assignment(assignment_id: int):
    profile = current_teacher()
    assignment = withdrawals.own_assignment(profile, assignment_id)
    if assignment is None:
        abort(404)
    cancelled = withdrawals.withdraw_assignment(profile, assignment, json_body().get("reason"))
    db.session.commit()
    return jsonify({"id": assignment.id, "withdrawn_at": assignment.withdrawn_at.isoformat(),
                    "withdrawn_reason": assignment.withdrawn_reason,
                    "request_status": assignment.request.status.value,
                    "cancelled_sessions": [live.id for live in cancelled]})
