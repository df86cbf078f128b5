"""School staff pages: the school's home and its session requests."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.access import current_school, roles_required
from ..extensions import db
from ..forms import form_data, intervals_from_form
from ..models import LiveSession, LiveStatus, RequestStatus, Role, SessionRequest
from ..reference import LEVEL_GRADES, PROVINCES_BY_CODE, SUBJECTS_BY_LEVEL
from ..services import requests as request_service
from ..timefmt import DAYS, utcnow
from ..validation import ValidationError

bp = Blueprint("schools", __name__, url_prefix="/school")


def _own_request(request_id: int) -> SessionRequest:
    """A request of the staff member's own school; any other school's is simply not found."""
    session_request = db.get_or_404(SessionRequest, request_id)
    if session_request.school_id != current_school().id:
        abort(404)
    return session_request


@bp.get("/")
@roles_required(Role.SCHOOL)
def home():
    school = current_school()
    requests = db.session.scalars(select(SessionRequest).where(SessionRequest.school_id == school.id)
                                  .order_by(SessionRequest.created_at.desc())).all()
    upcoming = db.session.scalars(
        select(LiveSession).where(LiveSession.school_id == school.id, LiveSession.status == LiveStatus.SCHEDULED,
                                  LiveSession.ends_at >= utcnow()).order_by(LiveSession.starts_at).limit(10)).all()
    return render_template("schools/home.html", school=school, province=PROVINCES_BY_CODE[school.province_code],
                           requests=requests, upcoming=upcoming, statuses=RequestStatus)


def _request_form(session_request: SessionRequest | None):
    school = current_school()
    errors: dict = {}
    if session_request is not None:
        data = {"class_name": session_request.class_name, "subject": session_request.subject,
                "grade": session_request.grade, "students": session_request.students,
                "sessions_per_week": session_request.sessions_per_week,
                "duration_minutes": session_request.duration_minutes, "priority": session_request.priority,
                "term_start": session_request.term_start.isoformat(), "term_end": session_request.term_end.isoformat()}
        windows = request_service.windows_json(session_request)
    else:
        data, windows = {"priority": 3, "duration_minutes": 70, "sessions_per_week": 2}, []
    if request.method == "POST":
        data = form_data()
        windows = intervals_from_form("window")
        data["windows"] = windows
        try:
            if session_request is None:
                request_service.create_request(school, data, created_by=current_user_obj())
            else:
                request_service.update_request(session_request, data)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            flash(_("The request is saved. It waits for the next matching run."), "success")
            return redirect(url_for("schools.home"))
    subjects = SUBJECTS_BY_LEVEL[school.level]
    return render_template("schools/request_form.html", school=school, data=data, windows=windows, errors=errors,
                           subjects=subjects, grades=LEVEL_GRADES[school.level], days=DAYS,
                           editing=session_request), (400 if errors else 200)


def current_user_obj():
    from flask_login import current_user
    return current_user._get_current_object()


@bp.route("/requests/new", methods=["GET", "POST"])
@roles_required(Role.SCHOOL)
def new_request():
    return _request_form(None)


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@roles_required(Role.SCHOOL)
def edit_request(request_id: int):
    return _request_form(_own_request(request_id))


@bp.post("/requests/<int:request_id>/cancel")
@roles_required(Role.SCHOOL)
def cancel_request(request_id: int):
    request_service.cancel_request(_own_request(request_id))
    db.session.commit()
    flash(_("The request is cancelled."), "info")
    return redirect(url_for("schools.home"))
