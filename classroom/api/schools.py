"""The school's API: its session requests, their schedules and join codes, ratings, and colleagues asking to join.
Another school's rows are simply not found."""
from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user
from sqlalchemy import select

from .. import schemas
from ..schemas import responses as out
from ..auth.access import current_school
from ..extensions import db
from ..models import LiveSession, Role, SessionRequest
from ..services import accounts, ratings, reasons, requests as request_service
from . import json_body, route
from .shapes import live_json, pending_json, request_json

SCHOOL = (Role.SCHOOL,)


def _own_request(request_id: int) -> SessionRequest:
    session_request = db.session.get(SessionRequest, request_id)
    if session_request is None or session_request.school_id != current_school().id:
        abort(404)
    return session_request


@route("GET", "/school/requests", summary="This school's requests", roles=SCHOOL, response=[out.RequestOut])
def list_requests():
    rows = db.session.scalars(select(SessionRequest).where(SessionRequest.school_id == current_school().id)
                              .order_by(SessionRequest.id)).all()
    return jsonify([request_json(r) for r in rows])


@route("POST", "/school/requests", summary="Create a request", roles=SCHOOL, body=schemas.RequestBody, status=201, response=out.RequestOut,
       rules="a grade the school's level does not teach, or a subject not taught in that grade; a window that "
             "does not end after it starts, none long enough for a session, or windows on fewer days than "
             "sessions a week; a term that ends before it starts or is longer than 366 days.")
def create_request():
    school = current_school()
    session_request = request_service.create_request(school, json_body(school=school), created_by=current_user)
    db.session.commit()
    return request_json(session_request), 201


@route("GET", "/school/requests/<int:request_id>", summary="One request of this school", roles=SCHOOL,
       notes="A cancelled request is still found, with status cancelled.", response=out.RequestOut)
def get_request(request_id: int):
    return request_json(_own_request(request_id))


@route("PUT", "/school/requests/<int:request_id>", summary="Edit a request", roles=SCHOOL, body=schemas.RequestBody,
       notes="A cancelled request can no longer be changed (409).", response=out.RequestOut,
       rules="a grade the school's level does not teach, or a subject not taught in that grade; a window that "
             "does not end after it starts, none long enough for a session, or windows on fewer days than "
             "sessions a week; a term that ends before it starts or is longer than 366 days.")
def update_request(request_id: int):
    session_request = _own_request(request_id)
    request_service.update_request(session_request, json_body(school=session_request.school))
    db.session.commit()
    return request_json(session_request)


@route("DELETE", "/school/requests/<int:request_id>", summary="Cancel a request", roles=SCHOOL, body=schemas.Empty,
       status=204, response=None,
       notes="Cancelling keeps the request (status cancelled, still readable with GET) so the school's history "
             "and any published sessions keep their record; cancelling again answers 204 too.")
def cancel_request(request_id: int):
    request_service.cancel_request(_own_request(request_id))
    db.session.commit()
    return "", 204


@route("GET", "/school/requests/<int:request_id>/schedule", roles=SCHOOL,
       summary="Teacher, weekly times and dated sessions with join codes", response=out.ScheduleOut)
def request_schedule(request_id: int):
    session_request = _own_request(request_id)
    assignment = request_service.current_assignment(session_request)
    sessions = db.session.scalars(select(LiveSession).where(LiveSession.request_id == request_id)
                                  .order_by(LiveSession.starts_at)).all()
    return out.answer(
        out.ScheduleOut, request=request_json(session_request),
        reason=reasons.explain(session_request.unserved_reason) if session_request.unserved_reason else None,
        teacher=assignment.teacher.user.name if assignment else None,
        sessions_per_week=assignment.slots if assignment else [], live_sessions=[live_json(s) for s in sessions])


@route("POST", "/school/sessions/<int:live_session_id>/rating", summary="Rate a finished session", roles=SCHOOL,
       body=schemas.RatingBody, status=201, notes="Once it has taken place, once per staff member (else 409).",
       response=out.RatingOut)
def rate_session(live_session_id: int):
    live = db.session.get(LiveSession, live_session_id)
    if live is None or live.school_id != current_school().id:
        abort(404)
    rating = ratings.rate(live, current_user, json_body())
    db.session.commit()
    return out.answer(out.RatingOut, id=rating.id, stars=rating.stars, comment=rating.comment), 201


@route("GET", "/school/colleagues", summary="People asking to join this school's staff", roles=SCHOOL,
       response=[out.PendingOut])
def waiting_colleagues():
    return jsonify([pending_json(u) for u in accounts.waiting_colleagues(current_user)])


def _decide(colleague_id: int, accept: bool) -> dict:
    newcomer = accounts.decide_on_colleague(current_user._get_current_object(), colleague_id, accept)
    db.session.commit()
    return out.answer(out.DecisionOut, id=newcomer.id, status=newcomer.status.value)


@route("POST", "/school/colleagues/<int:colleague_id>/approve", summary="Let a new colleague in", roles=SCHOOL,
       body=schemas.Empty, response=out.DecisionOut)
def approve_colleague(colleague_id: int):
    return _decide(colleague_id, accept=True)


@route("POST", "/school/colleagues/<int:colleague_id>/refuse", summary="Refuse someone asking to join",
       roles=SCHOOL, body=schemas.Empty, response=out.DecisionOut)
def refuse_colleague(colleague_id: int):
    return _decide(colleague_id, accept=False)
