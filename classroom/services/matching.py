"""Between the database and the matching engine: rows to a `scheduler` instance, a solution back to rows."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import (AccountStatus, Assignment, LiveSession, LiveStatus, MatchingRun, RequestStatus, Role,
                      SessionRequest, TeacherProfile, User)
from ..reference import PROVINCES_BY_CODE
from ..timefmt import DAYS, hhmm_to_minutes, in_zone, local_datetime, minutes_to_hhmm, utcnow
from .join_codes import unique_code
from .quality import quality, ratings_by_teacher
from .school_calendar import closed_days

BREAK_MINUTES = 10
FAIRNESS_BONUS = 200


def teacher_key(profile_id: int) -> str:
    return f"t{profile_id}"


def request_key(request_id: int) -> str:
    return f"r{request_id}"


def key_id(key: str) -> int:
    return int(key[1:])


def _interval(day: int, start: int, end: int) -> dict:
    return {"day": DAYS[day], "start": minutes_to_hhmm(start), "end": minutes_to_hhmm(end)}


def waiting_requests(term_start: date, term_end: date) -> list[SessionRequest]:
    """Requests waiting for a teacher whose term overlaps the run's term."""
    return list(db.session.scalars(
        select(SessionRequest).where(SessionRequest.status == RequestStatus.WAITING,
                                     SessionRequest.term_start <= term_end, SessionRequest.term_end >= term_start)
        .order_by(SessionRequest.id)))


def matchable_teachers(term_start: date, term_end: date) -> list[TeacherProfile]:
    """Active teachers with some availability, less those on leave for the whole term."""
    profiles = db.session.scalars(select(TeacherProfile).join(User).where(
        User.role == Role.TEACHER, User.status == AccountStatus.ACTIVE).order_by(TeacherProfile.id)).all()
    return [p for p in profiles if p.availability and not any(
        e.start_date <= term_start and e.end_date >= term_end for e in p.exceptions)]


def withdrawn_teachers(request_ids: list[int]) -> dict[int, list[str]]:
    """Teachers who withdrew from a request: a re-plan must not give it back to them."""
    rows = db.session.execute(select(Assignment.request_id, Assignment.teacher_id).where(
        Assignment.request_id.in_(request_ids), Assignment.withdrawn_at.is_not(None))).all()
    out: dict[int, list[str]] = {}
    for request_id, teacher_id in rows:
        out.setdefault(request_id, [])
        if teacher_key(teacher_id) not in out[request_id]:
            out[request_id].append(teacher_key(teacher_id))
    return out


def build_instance(name: str, term_start: date, term_end: date,
                   requests: list[SessionRequest] | None = None) -> dict:
    """The scheduler's instance JSON (../shared/spec/scheduling.md) for one term."""
    requests = waiting_requests(term_start, term_end) if requests is None else requests
    teachers = matchable_teachers(term_start, term_end)
    ratings = ratings_by_teacher()
    schools = {r.school.id: r.school for r in requests}
    withdrawn = withdrawn_teachers([r.id for r in requests])
    return {
        "name": name,
        "break_minutes": BREAK_MINUTES,
        "cross_province": True,
        "fairness_bonus": FAIRNESS_BONUS,
        "schools": [{"id": f"s{s.id}", "name": s.name, "province": PROVINCES_BY_CODE[s.province_code].name,
                     "timezone": s.timezone, "remote": s.remote} for s in schools.values()],
        "teachers": [{
            "id": teacher_key(p.id), "name": p.user.name, "province": PROVINCES_BY_CODE[p.province_code].name,
            "timezone": p.timezone, "subjects": list(p.subjects), "grades": list(p.grades),
            "quality": quality(p, *ratings.get(p.id, (0, None))),
            "max_sessions_per_day": p.max_sessions_per_day, "max_sessions_per_week": p.max_sessions_per_week,
            "availability": [_interval(a.day, a.start_minute, a.end_minute) for a in p.availability],
        } for p in teachers],
        "requests": [{
            "id": request_key(r.id), "school": f"s{r.school_id}", "subject": r.subject, "grade": r.grade,
            "students": r.students, "sessions_per_week": r.sessions_per_week,
            "duration_minutes": r.duration_minutes, "priority": r.priority,
            "windows": [_interval(w.day, w.start_minute, w.end_minute) for w in r.windows],
            **({"excluded_teachers": withdrawn[r.id]} if r.id in withdrawn else {}),
        } for r in requests],
    }


def record_solution(run: MatchingRun, solution: dict) -> None:
    """Keep a finished solution on its run as assignments (not yet published)."""
    run.solution = solution
    run.objective = solution.get("objective")
    run.bound = solution.get("bound")
    run.seconds = solution.get("seconds")
    run.moved = solution.get("moved")
    if run.objective and run.bound:
        run.gap = max(0.0, (run.bound - run.objective) / run.bound)
    run.requests_total = len(solution.get("assignments", [])) + len(solution.get("unassigned", []))
    run.requests_served = len(solution.get("assignments", []))
    run.assignments.clear()
    for item in solution.get("assignments", []):
        run.assignments.append(Assignment(request_id=key_id(item["request"]), teacher_id=key_id(item["teacher"]),
                                          slots=[{"day": s["day"], "start": s["start"]} for s in item["sessions"]]))
    run.finished_at = utcnow()
    db.session.flush()


def dated_sessions(assignment: Assignment, skip_from: date | None = None) -> list[tuple]:
    """(start, end) UTC instants of every meeting of an assignment: the request's term within its run's term
    (a request's own term never takes sessions past the run's)."""
    request = assignment.request
    zone = request.school.timezone
    first = max(request.term_start, assignment.run.term_start, skip_from or request.term_start)
    last = min(request.term_end, assignment.run.term_end)
    out = []
    for slot in assignment.slots:
        weekday = DAYS.index(slot["day"])
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        minute = hhmm_to_minutes(slot["start"])
        while day <= last:
            start = local_datetime(day, minute, zone)
            out.append((start, start + timedelta(minutes=request.duration_minutes)))
            day += timedelta(days=7)
    return sorted(out)


def on_leave(profile: TeacherProfile, start) -> bool:
    local_day = in_zone(start, profile.timezone).date()
    return any(e.start_date <= local_day <= e.end_date for e in profile.exceptions)


def create_live_sessions(assignment: Assignment, skip_from: date | None = None) -> list[LiveSession]:
    """The dated live sessions of an assignment, each with its own join code; none on the teacher's leave days,
    national holidays or the school's closures (school-local dates)."""
    created = []
    dated = dated_sessions(assignment, skip_from)
    school = assignment.request.school
    closed = closed_days(dated[0][0].date() - timedelta(days=1), dated[-1][1].date() + timedelta(days=1),
                         school.province_code) if dated else {}
    for start, end in dated:
        if on_leave(assignment.teacher, start) or in_zone(start, school.timezone).date() in closed:
            continue
        live = LiveSession(assignment=assignment, request_id=assignment.request_id,
                           teacher_id=assignment.teacher_id, school_id=assignment.request.school_id,
                           starts_at=start, ends_at=end, join_code=unique_code(), status=LiveStatus.SCHEDULED)
        db.session.add(live)
        created.append(live)
    db.session.flush()
    return created
