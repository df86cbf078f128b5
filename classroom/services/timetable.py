"""A term's current timetable: for every request, the assignment of the newest published run that serves it.

Runs only propose; whatever runs built it, a term has one timetable in force, and re-plans and full runs
start from it (every published session is taken)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import Assignment, MatchingRun, RequestStatus, RunStatus, SessionRequest
from . import matching


def newest_published(request_ids: list[int]) -> dict[int, Assignment]:
    """Per request, its assignment in the newest published run that served it (withdrawn or not)."""
    if not request_ids:
        return {}
    rows = db.session.scalars(select(Assignment).join(MatchingRun).where(
        # a run being published (claimed, not yet stamped) is not in force yet
        MatchingRun.status == RunStatus.PUBLISHED, MatchingRun.published_at.is_not(None),
        Assignment.request_id.in_(request_ids))
        .order_by(MatchingRun.published_at, MatchingRun.id)).all()
    return {a.request_id: a for a in rows}  # later rows overwrite earlier ones


def term_requests(term_start: date, term_end: date, statuses: tuple[RequestStatus, ...]) -> list[SessionRequest]:
    return list(db.session.scalars(select(SessionRequest).where(
        SessionRequest.term_start <= term_end, SessionRequest.term_end >= term_start,
        SessionRequest.status.in_(statuses)).order_by(SessionRequest.id)))


def baseline_of(requests: list[SessionRequest]) -> dict[int, Assignment]:
    """What a run over `requests` starts from: the assignment in force of each scheduled request, and the
    one a teacher withdrew from for a request waiting again (shown as "before" in the review)."""
    newest = newest_published([r.id for r in requests])
    out = {}
    for request in requests:
        assignment = newest.get(request.id)
        if assignment is None:
            continue
        in_force = request.status == RequestStatus.SCHEDULED and assignment.withdrawn_at is None
        left = request.status == RequestStatus.WAITING and assignment.withdrawn_at is not None
        if in_force or left:
            out[request.id] = assignment
    return out


def in_force(assignments) -> dict[int, Assignment]:
    """The assignments of a baseline that still hold (not withdrawn since)."""
    return {a.request_id: a for a in assignments if a.withdrawn_at is None}


def as_solution(assignments) -> dict:
    """Assignments as the scheduler's solution JSON, the start of a minimal-change run."""
    return {"instance": "", "solver": "published", "status": "FEASIBLE", "objective": 0, "bound": None,
            "seconds": 0.0, "unassigned": [],
            "assignments": [{"request": matching.request_key(a.request_id), "teacher": matching.teacher_key(a.teacher_id),
                             "sessions": [{"day": s["day"], "start": s["start"]} for s in a.slots]}
                            for a in assignments]}
