"""School staff pages: the school's home and its session requests."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.access import current_school, roles_required
from ..extensions import db
from ..forms import form_data, intervals_from_form, save
from ..models import Assignment, LiveSession, LiveStatus, MatchingRun, Rating, RequestStatus, Role, RunStatus, SessionRequest
from ..reference import LEVEL_GRADES, PROVINCES_BY_CODE, SUBJECTS_BY_LEVEL
from ..services import accounts, ratings as rating_service, reasons, requests as request_service
from ..timefmt import DAYS, utcnow
from ..errors import Conflict, ValidationError

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
        select(LiveSession).where(LiveSession.school_id == school.id,  # cancelled ones too, with the reason
                                  LiveSession.status.in_([LiveStatus.SCHEDULED, LiveStatus.CANCELLED]),
                                  LiveSession.ends_at >= utcnow()).order_by(LiveSession.starts_at).limit(10)).all()
    return render_template("schools/home.html", school=school, province=PROVINCES_BY_CODE[school.province_code],
                           requests=requests, upcoming=upcoming, statuses=RequestStatus, explain=reasons.explain,
                           colleagues=accounts.waiting_colleagues(current_user_obj()),
                           schedules={r.id: current_assignment(r) for r in requests})


def current_assignment(session_request: SessionRequest) -> Assignment | None:
    """The assignment in force for a scheduled request: the newest of a published run, not withdrawn."""
    if session_request.status != RequestStatus.SCHEDULED:
        return None
    return db.session.scalar(select(Assignment).join(MatchingRun).where(
        Assignment.request_id == session_request.id, Assignment.withdrawn_at.is_(None),
        MatchingRun.status == RunStatus.PUBLISHED).order_by(MatchingRun.published_at.desc()).limit(1))


@bp.get("/requests/<int:request_id>")
@roles_required(Role.SCHOOL)
def request_detail(request_id: int):
    session_request = _own_request(request_id)
    sessions = db.session.scalars(select(LiveSession).where(LiveSession.request_id == request_id)
                                  .order_by(LiveSession.starts_at)).all()
    rated = set(db.session.scalars(select(Rating.live_session_id).where(
        Rating.rated_by_id == current_user_obj().id, Rating.live_session_id.in_([s.id for s in sessions]))))
    return render_template("schools/request.html", r=session_request, assignment=current_assignment(session_request),
                           sessions=sessions, rated=rated, now=utcnow(), explain=reasons.explain)


@bp.post("/sessions/<int:live_session_id>/rating")
@roles_required(Role.SCHOOL)
def rate_session(live_session_id: int):
    live = db.get_or_404(LiveSession, live_session_id)
    if live.school_id != current_school().id:
        abort(404)
    try:
        rating_service.rate(live, current_user_obj(), form_data())
        db.session.commit()
    except (ValidationError, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(_("Thank you for your rating."), "success")
    return redirect(url_for("schools.request_detail", request_id=live.request_id))


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
        if session_request is None:
            errors = save(lambda: request_service.create_request(school, data, created_by=current_user_obj()))
        else:
            errors = save(lambda: request_service.update_request(session_request, data))
        if not errors:
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



def waiting_colleague(colleague_id: int):
    """Someone asking to join the staff member's own school; anyone else is simply not found."""
    newcomer = next((u for u in accounts.waiting_colleagues(current_user_obj()) if u.id == colleague_id), None)
    if newcomer is None:
        abort(404)
    return newcomer


def decide_on_colleague(colleague_id: int, accept: bool):
    """The school's staff let a newcomer in or keep them out (page and API alike); committed."""
    newcomer = waiting_colleague(colleague_id)
    if accept:
        accounts.approve(newcomer, current_user_obj())
    else:
        accounts.refuse_colleague(newcomer, current_user_obj())
    db.session.commit()
    return newcomer


@bp.post("/colleagues/<int:colleague_id>/approve")
@roles_required(Role.SCHOOL)
def approve_colleague(colleague_id: int):
    flash(_("%(name)s can now log in.", name=decide_on_colleague(colleague_id, True).name), "success")
    return redirect(url_for("schools.home"))


@bp.post("/colleagues/<int:colleague_id>/refuse")
@roles_required(Role.SCHOOL)
def refuse_colleague(colleague_id: int):
    flash(_("%(name)s will not join your school.", name=decide_on_colleague(colleague_id, False).name), "info")
    return redirect(url_for("schools.home"))
