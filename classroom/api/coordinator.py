"""The coordinator's API: matching runs (started in a worker, stopped, published, re-planned) and accounts waiting
for approval."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from .. import jobs, schemas
from ..schemas import responses as out
from ..extensions import db
from ..models import MatchingRun, User
from ..services import accounts, publishing, runs as run_service
from . import STAFF, json_body, route
from .shapes import pending_json, run_json


@route("GET", "/coordinator/runs", summary="History of matching runs", roles=STAFF, response=[out.RunOut])
def list_runs():
    if run_service.mark_dead_runs():
        db.session.commit()
    rows = db.session.scalars(select(MatchingRun).order_by(MatchingRun.created_at.desc()).limit(100)).all()
    return jsonify([run_json(r) for r in rows])


@route("POST", "/coordinator/runs", summary="Start a matching run in a worker", roles=STAFF, body=schemas.RunBody,
       status=202, response=out.RunOut, notes="The queue being down answers 503.",
       rules="a term that ends before it starts or is longer than 366 days, or has no request waiting.")
def start_run():
    run = run_service.start_run(current_user, json_body())
    db.session.commit()
    jobs.hand_over(run)
    return run_json(run), 202


@route("GET", "/coordinator/runs/<int:run_id>", summary="A run: progress, assignments, reasons, summary, changes",
       roles=STAFF, response=out.RunOut)
def get_run(run_id: int):
    if run_service.mark_dead_runs():
        db.session.commit()
    return run_json(db.get_or_404(MatchingRun, run_id), detail=True)


@route("POST", "/coordinator/runs/<int:run_id>/stop", summary="Stop early, keeping the best timetable",
       roles=STAFF, body=schemas.Empty, status=202, response=out.RunOut)
def stop_run(run_id: int):
    run = db.get_or_404(MatchingRun, run_id)
    run_service.request_stop(run)
    db.session.commit()
    return run_json(run), 202


@route("POST", "/coordinator/runs/<int:run_id>/publish", summary="Publish: dated sessions, join codes, notifications",
       roles=STAFF, body=schemas.Empty, notes="Only a finished or stopped run, once (else 409).",
       response=out.PublishedOut)
def publish_run(run_id: int):
    run = db.get_or_404(MatchingRun, run_id)
    result = publishing.publish(run, current_user)
    db.session.commit()
    return out.answer(out.PublishedOut, **result, run=run_json(run))


@route("POST", "/coordinator/runs/<int:run_id>/replan", summary="Re-plan a published run with minimal changes",
       roles=STAFF, body=schemas.ReplanBody, status=202, notes="Only a published run (else 409).",
       response=out.RunOut)
def replan_run(run_id: int):
    published = db.get_or_404(MatchingRun, run_id)
    run = run_service.start_replan(current_user, published, json_body())
    db.session.commit()
    jobs.hand_over(run)
    return run_json(run), 202


@route("GET", "/coordinator/pending", summary="Accounts waiting for approval", roles=STAFF, response=[out.PendingOut])
def pending():
    return jsonify([pending_json(u) for u in accounts.pending_users()])


@route("POST", "/coordinator/users/<int:user_id>/approve", summary="Approve an account", roles=STAFF,
       body=schemas.Empty, notes="Coordinator and admin accounts are the admin's alone; a newcomer to a school "
                                 "that has staff is theirs to approve (403).",
       response=out.DecisionOut)
def approve(user_id: int):
    user = db.get_or_404(User, user_id)
    accounts.approve(user, current_user)
    db.session.commit()
    return out.answer(out.DecisionOut, id=user.id, status=user.status.value)
