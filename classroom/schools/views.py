"""School staff pages: the school's home and its session requests."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from sqlalchemy import select

from ..auth.access import current_school, roles_required
from ..extensions import db
from ..forms import form_data, intervals_from_form, save
from ..models import LiveSession, LiveStatus, Rating, RequestStatus, Role, SessionRequest
from ..reference import LEVEL_GRADES, PROVINCES_BY_CODE, SUBJECTS_BY_LEVEL
from ..i18n import day_name
from ..services import (accounts, fields, ratings as rating_service, reasons, requests as request_service, supply,
                        withdrawals)
from ..timefmt import DAYS, utc_offset_minutes, utcnow, zone_label
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
                           schedules={r.id: request_service.current_assignment(r) for r in requests})


@bp.get("/requests/<int:request_id>")
@roles_required(Role.SCHOOL)
def request_detail(request_id: int):
    session_request = _own_request(request_id)
    sessions = db.session.scalars(select(LiveSession).where(LiveSession.request_id == request_id)
                                  .order_by(LiveSession.starts_at)).all()
    rated = set(db.session.scalars(select(Rating.live_session_id).where(
        Rating.rated_by_id == current_user_obj().id, Rating.live_session_id.in_([s.id for s in sessions]))))
    return render_template("schools/request.html", r=session_request, assignment=request_service.current_assignment(session_request),
                           sessions=sessions, rated=rated, now=utcnow(), explain=reasons.explain)


def _act_on_own_session(live_session_id: int, act, done: str, category: str = "success") -> LiveSession:
    """A school's action on one of its own sessions (another school's is simply not found), committed, and said
    in a flash: the done message, or why it was refused."""
    live = db.get_or_404(LiveSession, live_session_id)
    if live.school_id != current_school().id:
        abort(404)
    try:
        act(live)
        db.session.commit()
    except (ValidationError, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(done, category)
    return live


@bp.post("/sessions/<int:live_session_id>/rating")
@roles_required(Role.SCHOOL)
def rate_session(live_session_id: int):
    live = _act_on_own_session(live_session_id, lambda live: rating_service.rate(live, current_user_obj(), form_data()),
                               _("Thank you for your rating."))
    return redirect(url_for("schools.request_detail", request_id=live.request_id))


@bp.post("/sessions/<int:live_session_id>/decline-substitute")
@roles_required(Role.SCHOOL)
def decline_substitute(live_session_id: int):
    """A substitute is put in at once, so that the class goes on with its join code; the school may say no."""
    _act_on_own_session(live_session_id, lambda live: withdrawals.decline_substitute(live, current_user_obj()),
                        _("The substitute is declined and the session cancelled; the substitute and the coordinators "
                          "are told."), "info")
    return redirect(url_for("schools.home"))


def _request_form(session_request: SessionRequest | None):
    school = current_school()
    errors: dict = {}
    if session_request is not None:
        data = request_service.form_values(session_request)
        windows = request_service.windows_json(session_request)
    else:
        data, windows = {"priority": 3, "duration_minutes": 70, "sessions_per_week": 2}, []
    extra_rows = 3
    if request.method == "POST":
        data = form_data()
        windows = intervals_from_form("window")
        data["windows"] = windows
        if request.form.get("more_rows"):  # without the grid's script: three more window rows, nothing saved
            shown = fields.integer(fields.FieldErrors(), "extra_rows", request.form.get("extra_rows"), low=0, high=97)
            extra_rows = min(shown, 97) + 3
            return _render_request_form(school, data, windows, {}, session_request, extra_rows), 200
        if session_request is None:
            errors = save(lambda: request_service.create_request(school, data, created_by=current_user_obj()))
        else:
            errors = save(lambda: request_service.update_request(session_request, data))
        if not errors:
            flash(_("The request is saved. It waits for the next matching run."), "success")
            return redirect(url_for("schools.home"))
    return _render_request_form(school, data, windows, errors, session_request, extra_rows), (400 if errors else 200)


def _render_request_form(school, data: dict, windows: list, errors: dict, session_request, extra_rows: int):
    supply_counts = None
    subject, grade = data.get("subject"), str(data.get("grade") or "")
    if subject in SUBJECTS_BY_LEVEL[school.level] and grade.isdigit() and int(grade) in LEVEL_GRADES[school.level]:
        supply_counts = supply.free_by_hour(subject, int(grade), school)  # shown without the script as well
    return render_template("schools/request_form.html", school=school, data=data, windows=windows, errors=errors,
                           subjects=SUBJECTS_BY_LEVEL[school.level], grades=LEVEL_GRADES[school.level], days=DAYS,
                           editing=session_request, extra_rows=extra_rows, supply=supply_counts,
                           supply_summary=_supply_summary(supply_counts, subject, grade, school) if supply_counts else
                           _("Choose the subject and grade to see how many teachers are free."),
                           grid=_request_grid_settings(school, windows))


def _supply_summary(counts: dict, subject: str, grade, school) -> str:
    return ngettext("%(num)d approved teacher from another province teaches %(subject)s in grade %(grade)s. Hours "
                    "are your school’s time (%(zone)s).",
                    "%(num)d approved teachers from other provinces teach %(subject)s in grade %(grade)s. Hours are "
                    "your school’s time (%(zone)s).", counts["teachers"], subject=subject, grade=grade,
                    zone=zone_label(school.timezone))


def _request_grid_settings(school, windows: list) -> dict:
    """What the shared week-grid script needs on the request form: the windows so far, the school's zone, and
    where to ask for the free teachers."""
    return {
        "zone": {"label": zone_label(school.timezone), "offset": utc_offset_minutes(school.timezone)},
        "others": [],
        "days": [day_name(d) for d in DAYS],
        "dayKeys": list(DAYS),
        "availability": [w for w in windows if w.get("start") and w.get("end")],
        "supplyUrl": url_for("schools.supply_counts"),
        "texts": {
            "empty": _("No window marked yet. Click or drag in the grid."),
            "unsaved": _("The windows go with the request when you save it."),
            "nextDay": _("next day"),
            "previousDay": _("previous day"),
            "day": _("Day"), "from": _("From"), "to": _("To"),
            "supplyNone": _("Choose the subject and grade to see how many teachers are free."),
            "supplyError": _("The count of free teachers could not be loaded."),
        },
    }


@bp.get("/supply")
@roles_required(Role.SCHOOL)
def supply_counts():
    """JSON for the request form: fitting teachers free at each hour of the week, in the school's time."""
    school = current_school()
    subject = request.args.get("subject", "")
    if subject not in SUBJECTS_BY_LEVEL[school.level]:
        raise ValidationError({"subject": _("Choose a subject of your school's level.")})
    errors = fields.FieldErrors()
    grade = fields.integer(errors, "grade", request.args.get("grade"), low=1, high=12)
    errors.raise_if_any()
    if grade not in LEVEL_GRADES[school.level]:
        raise ValidationError({"grade": _("This school (%(level)s) does not teach grade %(grade)d.",
                                          level=school.level, grade=grade)})
    counts = supply.free_by_hour(subject, grade, school)
    return jsonify({"subject": subject, "grade": grade, "zone": zone_label(school.timezone),
                    "timezone": school.timezone, "days": list(DAYS), **counts,
                    "summary": _supply_summary(counts, subject, grade, school)})


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



def decide_on_colleague(colleague_id: int, accept: bool):
    newcomer = accounts.decide_on_colleague(current_user_obj(), colleague_id, accept)
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
