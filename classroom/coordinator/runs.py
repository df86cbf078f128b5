"""Coordinator pages of matching runs: start, watch, stop, review, publish, re-plan, history."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import jobs
from ..auth.access import roles_required
from ..extensions import db
from ..forms import form_data
from ..i18n import format_weekly, viewer_timezone
from ..models import MatchingRun, SessionRequest, TeacherProfile
from ..reference import MAP_HEIGHT, MAP_WIDTH, PROVINCES_BY_CODE, map_point
from ..services import matching, publishing, reasons, review, runs as run_service
from ..timefmt import DAYS, hhmm_to_minutes, utcnow
from ..errors import Conflict, Unavailable, ValidationError
from .views import STAFF, bp


def _default_term() -> dict:
    today = utcnow().date()
    start = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return {"term_start": start.isoformat(), "term_end": (start + timedelta(weeks=12, days=-1)).isoformat(),
            "time_limit": 60}


@bp.route("/runs", methods=["GET", "POST"])
@roles_required(*STAFF)
def runs():
    errors, data = {}, _default_term()
    if request.method == "POST":
        data = form_data()
        try:
            run = run_service.start_run(current_user, data)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            try:
                jobs.hand_over(run)
            except Unavailable as exc:
                flash(exc.message, "error")
            return redirect(url_for("coordinator.run_detail", run_id=run.id))
    if run_service.mark_dead_runs():
        db.session.commit()
    history = db.session.scalars(select(MatchingRun).order_by(MatchingRun.created_at.desc()).limit(50)).all()
    return render_template("coordinator/runs.html", history=history, data=data, errors=errors), (400 if errors else 200)


def _review(run: MatchingRun) -> dict:
    requests = {r.id: r for r in db.session.scalars(select(SessionRequest).where(SessionRequest.id.in_(
        [matching.key_id(r["id"]) for r in (run.instance or {}).get("requests", [])])))}
    unserved = [{"request": requests.get(matching.key_id(u["request"])), "text": reasons.explain(u)}
                for u in (run.solution or {}).get("unassigned", [])]
    timetable: dict[str, list] = {day: [] for day in DAYS}
    for a in run.assignments:
        for slot in a.slots:
            timetable[slot["day"]].append((hhmm_to_minutes(slot["start"]), a))
    for day in timetable:
        timetable[day].sort(key=lambda item: (item[0], item[1].request.school.name))
    summary = review.summary_by_province(run)
    points = {name: map_point(name) for name in set(summary["schools"]) | set(summary["teachers"])}
    return {"unserved": unserved, "timetable": timetable, "summary": summary, "points": points,
            "changes": _changes_sheet(run, requests) if review.has_baseline(run) else None,
            "request_names": {matching.request_key(r.id): r for r in requests.values()}}


def _changes_sheet(run: MatchingRun, requests: dict[int, SessionRequest]) -> dict[str, list[dict]]:
    """The changes as a coordinator reads them: teachers by name, weekly times in the viewer's zone."""
    changes = review.changes_against_previous(run)
    keys = {side[k]["teacher"] for kind in changes.values() for side in kind for k in ("before", "after") if k in side}
    names = {matching.teacher_key(p.id): p.user.name for p in db.session.scalars(
        select(TeacherProfile).where(TeacherProfile.id.in_([matching.key_id(k) for k in keys])))}
    zone = viewer_timezone()

    def sheet(assignment: dict | None, request: SessionRequest | None) -> str | None:
        if assignment is None:
            return None
        owner = request.school.timezone if request is not None else zone
        times = ", ".join(format_weekly(s["day"], hhmm_to_minutes(s["start"]), owner, zone)
                          for s in sorted(assignment["sessions"], key=lambda s: DAYS.index(s["day"])))
        return f"{names.get(assignment['teacher'], assignment['teacher'])}: {times}"

    for kind in changes.values():
        for change in kind:
            request = requests.get(matching.key_id(change["request"]))
            change["before_text"] = sheet(change.get("before"), request)
            change["after_text"] = sheet(change.get("after"), request)
    return changes


@bp.get("/runs/<int:run_id>")
@roles_required(*STAFF)
def run_detail(run_id: int):
    run = db.get_or_404(MatchingRun, run_id)
    if run_service.mark_dead_runs():
        db.session.commit()
    review = _review(run) if run.solution else None
    return render_template("coordinator/run.html", run=run, review=review, provinces=PROVINCES_BY_CODE,
                           map_size=(MAP_WIDTH, MAP_HEIGHT), days=DAYS)


@bp.post("/runs/<int:run_id>/stop")
@roles_required(*STAFF)
def stop_run(run_id: int):
    run = db.get_or_404(MatchingRun, run_id)
    try:
        started = run_service.request_stop(run)
        db.session.commit()
        flash(_("The run stops at its next step and keeps the best timetable found.") if started else
              _("The run was stopped before it started: nothing was computed, so there is no timetable to keep."),
              "info")
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("coordinator.run_detail", run_id=run_id))


@bp.post("/runs/<int:run_id>/publish")
@roles_required(*STAFF)
def publish_run(run_id: int):
    run = db.get_or_404(MatchingRun, run_id)
    try:
        result = publishing.publish(run, current_user)
        db.session.commit()
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message + (" " + exc.fields["changes"] if exc.fields.get("changes") else ""), "error")
    else:
        flash(_("Published: %(created)d new dated sessions, %(kept)d assignments unchanged, %(cancelled)d sessions cancelled.",
                **result), "success")
    return redirect(url_for("coordinator.run_detail", run_id=run_id))


@bp.post("/runs/<int:run_id>/replan")
@roles_required(*STAFF)
def replan_run(run_id: int):
    published = db.get_or_404(MatchingRun, run_id)
    try:
        run = run_service.start_replan(current_user, published, form_data())
        db.session.commit()
    except (ValidationError, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("coordinator.run_detail", run_id=run_id))
    try:
        jobs.hand_over(run)
    except Unavailable as exc:
        flash(exc.message, "error")
    return redirect(url_for("coordinator.run_detail", run_id=run.id))

