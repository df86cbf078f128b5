"""JSON API of the planning loop for coordinators and schools: runs, publishing, schedules, ratings,
notifications. Same rules and services as the pages."""
from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import current_school, roles_required
from ..extensions import db
from ..models import LiveSession, MatchingRun, Notification, Role, SessionRequest, User
from .. import jobs
from ..services import accounts, matching, publishing, ratings, reasons, review, runs as run_service
from ..services.notifications import message_for
from ..sockets.runs import run_progress
from ..schools.views import decide_on_colleague
from ..timefmt import utcnow
from .views import bp, json_body, request_json

STAFF = (Role.COORDINATOR, Role.ADMIN)


def run_json(run: MatchingRun, detail: bool = False) -> dict:
    body = {
        "id": run.id, "kind": run.kind, "status": run.status.value, "term_start": run.term_start.isoformat(),
        "term_end": run.term_end.isoformat(), "parameters": run.parameters, "objective": run.objective,
        "bound": run.bound, "gap": run.gap, "seconds": run.seconds, "requests_total": run.requests_total,
        "requests_served": run.requests_served, "moved": run.moved, "previous_run": run.previous_run_id,
        "created_by": run.created_by_id, "created_at": run.created_at.isoformat(),
        "published_at": run.published_at.isoformat() if run.published_at else None, "error": run.error,
        "progress": run_progress(run),
    }
    if detail and run.solution is not None:
        body["assignments"] = [{"request": a.request_id, "teacher": a.teacher_id, "teacher_name": a.teacher.user.name,
                                "school": a.request.school_id, "timezone": a.request.school.timezone,
                                "sessions": a.slots} for a in run.assignments]
        body["unassigned"] = [{"request": matching.key_id(u["request"]), "code": u.get("code"),
                               "reason": reasons.explain(u), "details": u.get("details", {})}
                              for u in run.solution.get("unassigned", [])]
        body["summary"] = review.summary_by_province(run)
        if review.has_baseline(run):
            body["changes"] = review.changes_against_previous(run)
    return body


@bp.get("/coordinator/runs")
@roles_required(*STAFF)
def list_runs():
    if run_service.mark_dead_runs():
        db.session.commit()
    rows = db.session.scalars(select(MatchingRun).order_by(MatchingRun.created_at.desc()).limit(100)).all()
    return jsonify([run_json(r) for r in rows])


@bp.post("/coordinator/runs")
@roles_required(*STAFF)
def start_run():
    run = run_service.start_run(current_user, json_body())
    db.session.commit()
    jobs.hand_over(run)
    return run_json(run), 202


@bp.get("/coordinator/runs/<int:run_id>")
@roles_required(*STAFF)
def get_run(run_id: int):
    if run_service.mark_dead_runs():
        db.session.commit()
    return run_json(db.get_or_404(MatchingRun, run_id), detail=True)


@bp.post("/coordinator/runs/<int:run_id>/stop")
@roles_required(*STAFF)
def stop_run(run_id: int):
    run = db.get_or_404(MatchingRun, run_id)
    run_service.request_stop(run)
    db.session.commit()
    return run_json(run), 202


@bp.post("/coordinator/runs/<int:run_id>/publish")
@roles_required(*STAFF)
def publish_run(run_id: int):
    run = db.get_or_404(MatchingRun, run_id)
    result = publishing.publish(run, current_user)
    db.session.commit()
    return {**result, "run": run_json(run)}


@bp.post("/coordinator/runs/<int:run_id>/replan")
@roles_required(*STAFF)
def replan_run(run_id: int):
    published = db.get_or_404(MatchingRun, run_id)
    run = run_service.start_replan(current_user, published, json_body())
    db.session.commit()
    jobs.hand_over(run)
    return run_json(run), 202


def pending_json(user: User) -> dict:
    body = {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value,
            "created_at": user.created_at.isoformat()}
    if user.school is not None:
        colleagues = accounts.school_colleagues(user) if user.approved_at is None else []
        # Joining a school that has staff: they approve, the coordinator cannot (and the list says so).
        body["school"] = {"id": user.school.id, "npsn": user.school.npsn, "name": user.school.name,
                          "active_staff": len(colleagues), "approved_by": "school" if colleagues else "coordinator"}
    return body


@bp.get("/coordinator/pending")
@roles_required(*STAFF)
def pending():
    return jsonify([pending_json(u) for u in accounts.pending_users()])


@bp.post("/coordinator/users/<int:user_id>/approve")
@roles_required(*STAFF)
def approve(user_id: int):
    user = db.get_or_404(User, user_id)
    accounts.approve(user, current_user)
    db.session.commit()
    return {"id": user.id, "status": user.status.value}


@bp.get("/school/colleagues")
@roles_required(Role.SCHOOL)
def waiting_colleagues():
    return jsonify([pending_json(u) for u in accounts.waiting_colleagues(current_user)])


@bp.post("/school/colleagues/<int:colleague_id>/approve")
@roles_required(Role.SCHOOL)
def approve_colleague(colleague_id: int):
    newcomer = decide_on_colleague(colleague_id, accept=True)
    return {"id": newcomer.id, "status": newcomer.status.value}


@bp.post("/school/colleagues/<int:colleague_id>/refuse")
@roles_required(Role.SCHOOL)
def refuse_colleague(colleague_id: int):
    newcomer = decide_on_colleague(colleague_id, accept=False)
    return {"id": newcomer.id, "status": newcomer.status.value}


def live_json(live: LiveSession) -> dict:
    return {"id": live.id, "starts_at": live.starts_at.isoformat(), "ends_at": live.ends_at.isoformat(),
            "join_code": live.join_code, "status": live.status.value, "teacher": live.teacher.user.name,
            "withdrawn_reason": live.withdrawn_reason}


@bp.get("/school/requests/<int:request_id>/schedule")
@roles_required(Role.SCHOOL)
def request_schedule(request_id: int):
    from ..schools.views import current_assignment
    session_request = db.session.get(SessionRequest, request_id)
    if session_request is None or session_request.school_id != current_school().id:
        abort(404)
    assignment = current_assignment(session_request)
    sessions = db.session.scalars(select(LiveSession).where(LiveSession.request_id == request_id)
                                  .order_by(LiveSession.starts_at)).all()
    return {"request": request_json(session_request),
            "reason": reasons.explain(session_request.unserved_reason) if session_request.unserved_reason else None,
            "teacher": assignment.teacher.user.name if assignment else None,
            "sessions_per_week": assignment.slots if assignment else [],
            "live_sessions": [live_json(s) for s in sessions]}


@bp.post("/school/sessions/<int:live_session_id>/rating")
@roles_required(Role.SCHOOL)
def rate_session(live_session_id: int):
    live = db.session.get(LiveSession, live_session_id)
    if live is None or live.school_id != current_school().id:
        abort(404)
    rating = ratings.rate(live, current_user, json_body())
    db.session.commit()
    return {"id": rating.id, "stars": rating.stars, "comment": rating.comment}, 201


@bp.get("/notifications")
@roles_required(*Role)
def notifications():
    rows = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.created_at.desc()).limit(100)).all()
    return jsonify([{"id": n.id, "kind": n.kind, "message": message_for(n.kind, n.params),
                     "created_at": n.created_at.isoformat(), "read": n.read_at is not None} for n in rows])


@bp.post("/notifications/<int:notification_id>/read")
@roles_required(*Role)
def read_notification(notification_id: int):
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    note.read_at = note.read_at or utcnow()
    db.session.commit()
    return {"id": note.id, "read": True}
