"""The JSON API. Errors are `{"error", "message", "fields"?}`.

Unsafe methods must send `Content-Type: application/json`: a page on another site cannot send that
without a CORS preflight this app never grants, which is what protects these cookie-authenticated
routes from cross-site requests in place of a form's CSRF token.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import current_school, current_teacher, public, roles_required
from ..extensions import db
from ..models import Role, SessionRequest
from ..reference import PROVINCES, SUBJECTS_BY_LEVEL, ZONE_NAMES
from ..services import accounts, requests as request_service, teachers as teacher_service
from ..security import REGISTER_LIMIT, limiter
from ..errors import ValidationError

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def require_json_body():
    """Every write says it is JSON, even with an empty body: a cross-site form cannot, which is what
    keeps these cookie-authenticated routes safe from cross-site requests."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.is_json:
        raise ValidationError({"body": _("Send the data as JSON (Content-Type: application/json).")})


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"body": _("The body must be a JSON object.")})
    return body


@bp.get("/reference")
@public
def reference():
    return {
        "provinces": [{"code": p.code, "name": p.name, "timezone": p.timezone, "zone": ZONE_NAMES[p.timezone]}
                      for p in PROVINCES],
        "subjects": {level: list(subjects) for level, subjects in SUBJECTS_BY_LEVEL.items()},
    }


def user_json(user) -> dict:
    body = {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value,
            "status": user.status.value, "timezone": user.viewer_timezone, "language": user.language}
    if user.teacher_profile:
        p = user.teacher_profile
        body["teacher"] = {"province": p.province_code, "timezone": p.timezone, "subjects": p.subjects,
                           "grades": p.grades, "max_sessions_per_day": p.max_sessions_per_day,
                           "max_sessions_per_week": p.max_sessions_per_week}
    if user.school and user.is_active:  # not to whoever just typed a school's public NPSN
        body["school"] = {"id": user.school.id, "npsn": user.school.npsn, "name": user.school.name}
    return body


@bp.post("/register/teacher")
@limiter.limit(REGISTER_LIMIT)
@public
def register_teacher():
    user = accounts.register_teacher(json_body())
    db.session.commit()
    return user_json(user), 201


@bp.post("/register/school")
@limiter.limit(REGISTER_LIMIT)
@public
def register_school():
    user = accounts.register_school(json_body())
    db.session.commit()
    return user_json(user), 201


@bp.get("/me")
@roles_required(*Role)
def me():
    return user_json(current_user)


@bp.get("/teacher/availability")
@roles_required(Role.TEACHER)
def get_availability():
    profile = current_teacher()
    return {"timezone": profile.timezone, "availability": teacher_service.availability_json(profile)}


@bp.put("/teacher/availability")
@roles_required(Role.TEACHER)
def put_availability():
    profile = current_teacher()
    teacher_service.set_availability(profile, json_body().get("availability"))
    db.session.commit()
    return {"timezone": profile.timezone, "availability": teacher_service.availability_json(profile)}


@bp.put("/teacher/profile")
@roles_required(Role.TEACHER)
def put_profile():
    teacher_service.update_profile(current_teacher(), json_body())
    db.session.commit()
    return user_json(current_user)


def request_json(session_request: SessionRequest) -> dict:
    return {
        "id": session_request.id, "school": session_request.school_id, "class_name": session_request.class_name,
        "subject": session_request.subject, "grade": session_request.grade, "students": session_request.students,
        "sessions_per_week": session_request.sessions_per_week,
        "duration_minutes": session_request.duration_minutes, "priority": session_request.priority,
        "term_start": session_request.term_start.isoformat(), "term_end": session_request.term_end.isoformat(),
        "windows": request_service.windows_json(session_request), "timezone": session_request.school.timezone,
        "status": session_request.status.value, "unserved_reason": session_request.unserved_reason,
    }


def _own_request(request_id: int) -> SessionRequest:
    session_request = db.session.get(SessionRequest, request_id)
    if session_request is None or session_request.school_id != current_school().id:
        abort(404)
    return session_request


@bp.get("/school/requests")
@roles_required(Role.SCHOOL)
def list_requests():
    rows = db.session.scalars(select(SessionRequest).where(SessionRequest.school_id == current_school().id)
                              .order_by(SessionRequest.id)).all()
    return jsonify([request_json(r) for r in rows])


@bp.post("/school/requests")
@roles_required(Role.SCHOOL)
def create_request():
    session_request = request_service.create_request(current_school(), json_body(), created_by=current_user)
    db.session.commit()
    return request_json(session_request), 201


@bp.get("/school/requests/<int:request_id>")
@roles_required(Role.SCHOOL)
def get_request(request_id: int):
    return request_json(_own_request(request_id))


@bp.put("/school/requests/<int:request_id>")
@roles_required(Role.SCHOOL)
def update_request(request_id: int):
    session_request = request_service.update_request(_own_request(request_id), json_body())
    db.session.commit()
    return request_json(session_request)


@bp.delete("/school/requests/<int:request_id>")
@roles_required(Role.SCHOOL)
def cancel_request(request_id: int):
    request_service.cancel_request(_own_request(request_id))
    db.session.commit()
    return "", 204
