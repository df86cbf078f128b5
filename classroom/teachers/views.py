"""A teacher's pages: home, profile and limits, weekly availability and dated exceptions, timetable,
calendar feed, teaching record and withdrawals."""
from __future__ import annotations

from datetime import timedelta

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request, url_for)
from flask_babel import gettext as _, ngettext
from sqlalchemy import select

from ..auth.access import current_teacher, public, roles_required
from ..extensions import db
from ..links import room_url
from ..forms import form_data, intervals_from_form, save
from ..i18n import day_name, format_moment
from ..models import AvailabilityException, LiveSession, LiveStatus, Role
from ..reference import ALL_SUBJECTS, PROVINCES, PROVINCES_BY_CODE, WIB, WIT, WITA
from ..services import (calendar_feed, fields, school_calendar, teaching_record, teachers as teacher_service,
                        withdrawals)
from ..services.quality import quality_signal
from ..timefmt import DAYS, in_zone, utc_offset_minutes, utcnow, zone_label
from ..errors import Conflict, ValidationError

bp = Blueprint("teachers", __name__, url_prefix="/teacher")
# The feed is fetched by phone calendars, which carry no login: the unguessable token is the key.
calendar_bp = Blueprint("calendar", __name__)


@bp.get("/")
@roles_required(Role.TEACHER)
def home():
    profile = current_teacher()
    upcoming = db.session.scalars(
        select(LiveSession).where(LiveSession.teacher_id == profile.id, LiveSession.status == LiveStatus.SCHEDULED,
                                  LiveSession.ends_at >= utcnow()).order_by(LiveSession.starts_at).limit(10)).all()
    return render_template("teachers/home.html", profile=profile, province=PROVINCES_BY_CODE[profile.province_code],
                           quality=quality_signal(profile), upcoming=upcoming, zones=(WIB, WITA, WIT))


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
        errors = save(lambda: teacher_service.update_profile(profile, data))
        if not errors:
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
        errors = save(lambda: teacher_service.set_availability(profile, rows))
        if not errors:
            flash(_("Your availability is saved."), "success")
            return redirect(url_for("teachers.availability"))
    return render_template("teachers/availability.html", profile=profile, rows=rows, errors=errors, days=DAYS,
                           zones=(WIB, WITA, WIT), grid=grid_settings(profile)), (400 if errors else 200)


def grid_settings(profile) -> dict:
    """What the week-grid script needs: the saved week, the zones to show beside it, and its words."""
    return {
        "api": url_for("api.put_availability"),
        "zone": {"label": zone_label(profile.timezone), "offset": utc_offset_minutes(profile.timezone)},
        "others": [{"label": zone_label(z), "offset": utc_offset_minutes(z)} for z in (WIB, WITA, WIT)
                   if z != profile.timezone],
        "days": [day_name(d) for d in DAYS],
        "dayKeys": list(DAYS),
        "availability": teacher_service.availability_json(profile),
        "texts": {
            "saving": _("Saving…"),
            "saved": _("Saved. Schools will be matched to these hours at the next planning run."),
            "unsaved": _("You have changes that are not saved yet."),
            "refused": _("Nothing was saved:"),
            "offline": _("The server did not answer; nothing was saved. Check the connection and try again."),
            "login": _("Your login has expired. Log in again, then save."),
            "empty": _("No free time marked yet. Click or drag in the grid."),
            "nextDay": _("next day"),
            "previousDay": _("previous day"),
        },
    }


@bp.post("/exceptions")
@roles_required(Role.TEACHER)
def add_exception():
    """Dates the teacher cannot teach. Dates that already have published sessions are confirmed first, on a page
    listing those sessions; confirming withdraws each (a substitute sought, the school told)."""
    profile = current_teacher()
    try:
        exception = teacher_service.add_exception(profile, form_data())
    except ValidationError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(message, "error")
        return redirect(url_for("teachers.availability"))
    coming = withdrawals.coming_sessions_on(profile, exception.start_date, exception.end_date)
    if coming and request.form.get("confirm") != "1":
        db.session.rollback()  # nothing is saved until the teacher has seen what it withdraws
        return render_template("teachers/leave_confirm.html", profile=profile, coming=coming,
                               form={k: request.form.get(k, "") for k in ("start_date", "end_date", "kind", "note")},
                               start_date=exception.start_date, end_date=exception.end_date)
    reason = _("Leave") + (f": {exception.note}" if exception.note else "")
    affected = withdrawals.withdraw_for_leave(profile, exception.start_date, exception.end_date, reason)
    db.session.commit()
    if not affected:
        flash(_("The dates are saved; no session will be planned on them."), "success")
        return redirect(url_for("teachers.availability"))
    flash(ngettext("%(num)d session already published on these dates is withdrawn; its school is told:",
                   "%(num)d sessions already published on these dates are withdrawn; their schools are told:",
                   len(affected)), "info")
    for live, substitute in affected:
        when = format_moment(live.starts_at, profile.timezone)
        flash(_("%(when)s, %(subject)s at %(school)s: %(substitute)s substitutes (same join code).",
                when=when, subject=live.request.subject, school=live.school.name,
                substitute=substitute.user.name) if substitute else
              _("%(when)s, %(subject)s at %(school)s: no substitute is free, the session is cancelled.",
                when=when, subject=live.request.subject, school=live.school.name), "info")
    return redirect(url_for("teachers.availability"))


@bp.post("/exceptions/<int:exception_id>/delete")
@roles_required(Role.TEACHER)
def delete_exception(exception_id: int):
    profile = current_teacher()
    exception = db.get_or_404(AvailabilityException, exception_id)
    if exception.teacher_id != profile.id:
        abort(404)
    db.session.delete(exception)
    db.session.commit()
    return redirect(url_for("teachers.availability"))


# --- timetable and calendar feed ---------------------------------------------------------------------

@bp.get("/timetable")
@roles_required(Role.TEACHER)
def timetable():
    profile = current_teacher()
    errors = fields.FieldErrors()
    chosen = fields.date_value(errors, "week", request.args["week"]) if request.args.get("week") else None
    monday = teacher_service.week_start(profile, chosen)
    week = [[] for _day in DAYS]
    for live in teacher_service.week_sessions(profile, monday):
        week[in_zone(live.starts_at, profile.timezone).weekday()].append(live)
    show_all = request.args.get("all") == "1"
    upcoming = teacher_service.upcoming_sessions(profile)
    if not show_all:  # a whole term is a long page on a phone; four weeks answer "what comes next"
        horizon = utcnow() + timedelta(days=28)
        upcoming = [live for live in upcoming if live.starts_at < horizon]
    assignments = [(a, teacher_service.weekly_slots(a, profile.timezone))
                   for a in teacher_service.active_assignments(profile)]
    feed_url = (url_for("calendar.feed", token=profile.calendar_token, _external=True)
                if profile.calendar_token else None)
    return render_template("teachers/timetable.html", profile=profile, monday=monday, week=week,
                           week_days=[monday + timedelta(days=i) for i in range(7)], upcoming=upcoming,
                           previous_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7),
                           assignments=assignments, feed_url=feed_url, room_url=room_url, errors=errors.fields,
                           show_all=show_all, closed=school_calendar.closed_days(monday, monday + timedelta(days=6)),
                           now=utcnow()), (400 if errors.fields else 200)


@bp.post("/calendar/token")
@roles_required(Role.TEACHER)
def regenerate_calendar_token():
    calendar_feed.regenerate_token(current_teacher())
    db.session.commit()
    flash(_("Your calendar has a new private address. Subscribe again with it; the old address no longer works."),
          "success")
    return redirect(url_for("teachers.timetable") + "#calendar")


@calendar_bp.get("/calendar/<token>.ics")
@public
def feed(token: str):
    profile = calendar_feed.profile_for_token(token)
    if profile is None:
        abort(404)
    body = calendar_feed.build(profile, lambda live: room_url(live, external=True))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="kelas-nusantara.ics"',
        "Cache-Control": "private, max-age=300",
        "X-Robots-Tag": "noindex"})


# --- teaching record ---------------------------------------------------------------------------------

@bp.get("/record")
@roles_required(Role.TEACHER)
def record():
    profile = current_teacher()
    first, last, errors = teaching_record.record_range(request.args)
    taught = teaching_record.build(profile, first, last) if not errors else teaching_record.TeachingRecord(profile.timezone)
    csv_url = url_for("teachers.record_csv", **{k: request.args[k] for k in ("from", "to") if request.args.get(k)})
    return render_template("teachers/record.html", profile=profile, record=taught, errors=errors, csv_url=csv_url,
                           first=request.args.get("from", ""), last=request.args.get("to", "")), (400 if errors else 200)


@bp.get("/record.csv")
@roles_required(Role.TEACHER)
def record_csv():
    profile = current_teacher()
    first, last, errors = teaching_record.record_range(request.args)
    if errors:
        raise ValidationError(errors)
    body = teaching_record.to_csv(teaching_record.build(profile, first, last))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="catatan-mengajar.csv"'})


# --- withdrawals -------------------------------------------------------------------------------------

@bp.route("/sessions/<int:live_session_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def withdraw_session(live_session_id: int):
    profile = current_teacher()
    live = withdrawals.own_session(profile, live_session_id)
    if live is None:
        abort(404)
    return _withdraw_page(
        "session", live=live, check=lambda: withdrawals.check_session_withdrawable(live),
        act=lambda reason: withdrawals.withdraw_session(profile, live, reason),
        done=lambda substitute: _("You withdrew from the session. %(substitute)s substitutes, same time and join "
                                  "code; the school and the coordinators have been told.",
                                  substitute=substitute.user.name) if substitute else
        _("You withdrew from the session. No substitute is free then, so it is cancelled; the school and the "
          "coordinators have been told."))


@bp.route("/assignments/<int:assignment_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def withdraw_assignment(assignment_id: int):
    profile = current_teacher()
    assignment = withdrawals.own_assignment(profile, assignment_id)
    if assignment is None:
        abort(404)
    coming = withdrawals.coming_of_assignment(assignment)
    return _withdraw_page(
        "assignment", assignment=assignment, coming=coming,
        slots=teacher_service.weekly_slots(assignment, profile.timezone),
        check=lambda: withdrawals.check_assignment_withdrawable(assignment),
        act=lambda reason: withdrawals.withdraw_assignment(profile, assignment, reason),
        done=_("You withdrew from this class. Its coming sessions are cancelled and the coordinators will plan "
               "another teacher."))


def _withdraw_page(kind: str, check, act, done: str, **context):
    """One confirmation page for both withdrawals: the reason is asked, checked, and the school told."""
    errors: dict = {}
    conflict = None
    reason = request.form.get("reason", "")
    try:
        check()
    except Conflict as exc:
        conflict = exc.message
    if request.method == "POST" and conflict is None:
        try:
            result = act(reason)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
        except Conflict as exc:
            db.session.rollback()
            conflict = exc.message
        else:
            flash(done(result) if callable(done) else done, "success")
            return redirect(url_for("teachers.timetable"))
    status = 409 if conflict and request.method == "POST" else 400 if errors else 200
    return render_template("teachers/withdraw.html", kind=kind, errors=errors, conflict=conflict, reason=reason,
                           reason_max=withdrawals.REASON_MAX, room_url=room_url, **context), status
