"""A teacher's pages: home, profile and limits, weekly availability and dated exceptions."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.access import current_teacher, roles_required
from ..extensions import db
from ..forms import form_data, intervals_from_form
from ..models import AvailabilityException, LiveSession, LiveStatus, Role
from ..reference import ALL_SUBJECTS, PROVINCES, PROVINCES_BY_CODE, WIB, WIT, WITA
from ..services import teachers as teacher_service
from ..services.quality import teacher_quality
from ..timefmt import DAYS, utcnow
from ..validation import ValidationError

bp = Blueprint("teachers", __name__, url_prefix="/teacher")


@bp.get("/")
@roles_required(Role.TEACHER)
def home():
    profile = current_teacher()
    upcoming = db.session.scalars(
        select(LiveSession).where(LiveSession.teacher_id == profile.id, LiveSession.status == LiveStatus.SCHEDULED,
                                  LiveSession.ends_at >= utcnow()).order_by(LiveSession.starts_at).limit(10)).all()
    return render_template("teachers/home.html", profile=profile, province=PROVINCES_BY_CODE[profile.province_code],
                           quality=teacher_quality(profile), upcoming=upcoming, zones=(WIB, WITA, WIT))


@bp.route("/profile", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def profile():
    profile = current_teacher()
    errors: dict = {}
    data = {"province": profile.province_code, "timezone": profile.timezone, "subjects": profile.subjects,
            "grades": [str(g) for g in profile.grades], "max_sessions_per_day": profile.max_sessions_per_day,
            "max_sessions_per_week": profile.max_sessions_per_week, "years_teaching": profile.years_teaching,
            "certified": profile.certified}
    if request.method == "POST":
        data = form_data()
        data["certified"] = bool(request.form.get("certified"))
        try:
            teacher_service.update_profile(profile, data)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("teachers.home"))
    return render_template("teachers/profile.html", data=data, errors=errors, provinces=PROVINCES,
                           subjects=ALL_SUBJECTS, zones=(WIB, WITA, WIT)), (400 if errors else 200)


@bp.route("/availability", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def availability():
    profile = current_teacher()
    errors: dict = {}
    rows = teacher_service.availability_json(profile)
    if request.method == "POST":
        rows = intervals_from_form("slot")
        try:
            teacher_service.set_availability(profile, rows)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            flash(_("Your availability is saved."), "success")
            return redirect(url_for("teachers.availability"))
    return render_template("teachers/availability.html", profile=profile, rows=rows, errors=errors, days=DAYS,
                           zones=(WIB, WITA, WIT)), (400 if errors else 200)


@bp.post("/exceptions")
@roles_required(Role.TEACHER)
def add_exception():
    profile = current_teacher()
    try:
        teacher_service.add_exception(profile, form_data())
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(message, "error")
    else:
        flash(_("The dates are saved; no session will be planned on them."), "success")
    return redirect(url_for("teachers.availability"))


@bp.post("/exceptions/<int:exception_id>/delete")
@roles_required(Role.TEACHER)
def delete_exception(exception_id: int):
    profile = current_teacher()
    exception = db.get_or_404(AvailabilityException, exception_id)
    if exception.teacher_id != profile.id:
        from flask import abort
        abort(404)
    db.session.delete(exception)
    db.session.commit()
    return redirect(url_for("teachers.availability"))
