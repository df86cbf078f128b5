"""The bodies the API answers with, one function per kind of row, shared by its modules."""
from __future__ import annotations

from ..links import room_url
from ..schemas.responses import (LiveOut, NotificationOut, PendingOut, RequestOut, RunOut, SessionOut, UserOut,
                                 answer)
from ..models import LiveSession, MatchingRun, Notification, SessionRequest, User
from ..services import accounts, matching, reasons, requests as request_service, review
from ..services.notifications import message_for
from ..sockets.runs import run_progress
from ..timefmt import in_zone, zone_label


def user_json(user: User) -> dict:
    body = {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value,
            "status": user.status.value, "timezone": user.viewer_timezone, "language": user.language}
    if user.teacher_profile:
        p = user.teacher_profile
        body["teacher"] = {"province": p.province_code, "timezone": p.timezone, "subjects": p.subjects,
                           "grades": p.grades, "max_sessions_per_day": p.max_sessions_per_day,
                           "max_sessions_per_week": p.max_sessions_per_week}
    if user.school and user.is_active:  # not to whoever just typed a school's public NPSN
        body["school"] = {"id": user.school.id, "npsn": user.school.npsn, "name": user.school.name}
    return answer(UserOut, **body)


def pending_json(user: User) -> dict:
    body = {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value,
            "created_at": user.created_at.isoformat()}
    if user.school is not None:
        colleagues = accounts.school_colleagues(user) if user.approved_at is None else []
        # Joining a school that has staff: they approve, the coordinator cannot (and the list says so).
        body["school"] = {"id": user.school.id, "npsn": user.school.npsn, "name": user.school.name,
                          "active_staff": len(colleagues), "approved_by": "school" if colleagues else "coordinator"}
    return answer(PendingOut, **body)


def notification_json(note: Notification) -> dict:
    return answer(NotificationOut, id=note.id, kind=note.kind, message=message_for(note.kind, note.params),
                  created_at=note.created_at.isoformat(), read=note.read_at is not None)


def request_json(session_request: SessionRequest) -> dict:
    return answer(RequestOut, **{
        "id": session_request.id, "school": session_request.school_id, "class_name": session_request.class_name,
        "subject": session_request.subject, "grade": session_request.grade, "students": session_request.students,
        "sessions_per_week": session_request.sessions_per_week,
        "duration_minutes": session_request.duration_minutes, "priority": session_request.priority,
        "term_start": session_request.term_start.isoformat(), "term_end": session_request.term_end.isoformat(),
        "windows": request_service.windows_json(session_request), "timezone": session_request.school.timezone,
        "status": session_request.status.value, "unserved_reason": session_request.unserved_reason,
    })


def live_json(live: LiveSession) -> dict:
    """A dated session as the school sees it."""
    return answer(LiveOut, id=live.id, starts_at=live.starts_at.isoformat(), ends_at=live.ends_at.isoformat(),
                  join_code=live.join_code, status=live.status.value, teacher=live.teacher.user.name,
                  withdrawn_reason=live.withdrawn_reason)


def session_json(live: LiveSession, zone: str) -> dict:
    """A dated session as its teacher sees it, in the teacher's zone and the school's."""
    school_zone = live.school.timezone
    return answer(SessionOut, **{
        "id": live.id, "status": live.status.value, "starts_at": live.starts_at.isoformat(),
        "ends_at": live.ends_at.isoformat(),
        "local_start": in_zone(live.starts_at, zone).isoformat(), "zone": zone_label(zone),
        "school_start": in_zone(live.starts_at, school_zone).isoformat(), "school_zone": zone_label(school_zone),
        "school": {"id": live.school_id, "name": live.school.name},
        "subject": live.request.subject, "grade": live.request.grade, "class_name": live.request.class_name,
        "assignment": live.assignment_id, "join_code": live.join_code, "room_url": room_url(live, external=True),
        "withdrawn_reason": live.withdrawn_reason,
    })


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
    return answer(RunOut, **body)
