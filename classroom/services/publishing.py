"""Publishing a reviewed run: it becomes the term's timetable, with dated sessions, join codes and notifications."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..extensions import db
from ..models import (Assignment, LiveSession, LiveStatus, MatchingRun, RequestStatus, RunStatus, SessionRequest,
                      TeacherProfile, User)
from ..timefmt import utcnow
from ..errors import Conflict
from . import matching, runs, timetable
from .notifications import notify


def _lock_publishing() -> None:
    """One publisher at a time on PostgreSQL (SQLite already serialises writers)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(db.func.pg_advisory_xact_lock(7_104_2026)))


def check_still_valid(run: MatchingRun) -> list[str]:
    """What changed since the run's snapshot that would make its timetable wrong now, in words."""
    import scheduler

    problems: list[str] = []
    requests = [a.request for a in run.assignments]
    current = matching.build_instance(run.instance["name"], run.term_start, run.term_end, requests)
    known = {t["id"] for t in current["teachers"]}
    solution = dict(run.solution)
    solution["assignments"] = [a for a in solution["assignments"] if a["teacher"] in known]
    solution["unassigned"] = []
    for a in run.solution["assignments"]:
        if a["teacher"] not in known:
            profile = db.session.get(TeacherProfile, matching.key_id(a["teacher"]))
            problems.append(_("%(teacher)s can no longer teach (account disabled, on leave or no availability).",
                              teacher=profile.user.name if profile else a["teacher"]))
    report = scheduler.validate(scheduler.load_instance(current), scheduler.Solution.from_json(solution))
    problems += [v.message for v in report.violations if v.rule != 7]
    for a in run.assignments:
        if a.request.status == RequestStatus.CANCELLED:
            problems.append(_("Request %(subject)s grade %(grade)d of %(school)s was cancelled.",
                              subject=a.request.subject, grade=a.request.grade, school=a.request.school.name))
    return problems


def _double_bookings(run: MatchingRun, replaced_requests: set[int]) -> list[str]:
    """Dated sessions of this run that collide with sessions the teacher already has from other timetables."""
    break_minutes = run.instance.get("break_minutes", matching.BREAK_MINUTES)
    problems = []
    now = utcnow()
    for a in run.assignments:
        existing = db.session.scalars(select(LiveSession).where(
            LiveSession.teacher_id == a.teacher_id, LiveSession.status == LiveStatus.SCHEDULED,
            LiveSession.ends_at > now, LiveSession.request_id.not_in(replaced_requests | {a.request_id}))).all()
        if not existing:
            continue
        gap = timedelta(minutes=break_minutes)
        for start, end in matching.dated_sessions(a, skip_from=now.date()):
            clash = next((s for s in existing if start < s.ends_at + gap and s.starts_at < end + gap), None)
            if clash:
                problems.append(_("%(teacher)s already teaches %(subject)s at %(school)s then.",
                                  teacher=a.teacher.user.name, subject=clash.request.subject,
                                  school=clash.school.name))
                break
    return problems


def publish(run: MatchingRun, coordinator: User) -> dict:
    """Publish a reviewed run: dated sessions with join codes, statuses, notifications. Refuses with a Conflict,
    saying what changed, if another coordinator published meanwhile or the data moved under the run; the caller
    then rolls back (the claim of the run is part of the refused transaction), as on every AppError."""
    if run.solution is None:  # stopped before it started: there is nothing to publish
        raise Conflict(_("This run was already published or is not finished."))
    _lock_publishing()
    claimed = db.session.execute(update(MatchingRun).where(
        MatchingRun.id == run.id, MatchingRun.status.in_(runs.REVIEWABLE)).values(status=RunStatus.PUBLISHED))
    if claimed.rowcount != 1:
        raise Conflict(_("This run was already published or is not finished."))
    db.session.refresh(run)

    started_from = {a.request_id: a for a in runs.baseline(run, "baseline")}
    run_requests = [matching.key_id(r["id"]) for r in run.instance.get("requests", [])]
    now_in_force = timetable.in_force(timetable.baseline_of(list(db.session.scalars(
        select(SessionRequest).where(SessionRequest.id.in_(run_requests))))).values())
    ids = lambda assignments: {key: a.id for key, a in assignments.items()}
    before, now = ids(started_from), ids(now_in_force)
    changed = [db.session.get(SessionRequest, key) for key in sorted(set(before) | set(now))
               if before.get(key) != now.get(key)]
    if changed:
        if run.kind == "replan":
            raise Conflict(_("Another timetable was published for this term meanwhile; re-plan again from it."))
        raise Conflict(_("%(n)d of these requests were scheduled or changed meanwhile (for example %(subject)s at %(school)s). Start a new run.",
                         n=len(changed), subject=changed[0].subject, school=changed[0].school.name))
    problems = check_still_valid(run)
    problems += _double_bookings(run, set(run_requests))
    if problems:
        raise Conflict(_("The data changed since this run started; re-plan before publishing."),
                       {"changes": "; ".join(problems[:10])})

    result = _apply(run, now_in_force)
    run.published_at = utcnow()
    db.session.flush()
    return result


def _same(assignment: Assignment, old: Assignment) -> bool:
    key = lambda slots: sorted((s["day"], s["start"]) for s in slots)
    return assignment.teacher_id == old.teacher_id and key(assignment.slots) == key(old.slots)


def _apply(run: MatchingRun, in_force: dict[int, Assignment]) -> dict:
    """Make the run the term's timetable. Unchanged assignments keep their dated sessions and join codes."""
    now = utcnow()
    old_by_request = dict(in_force)
    created = kept = cancelled = 0
    per_teacher: dict[int, int] = defaultdict(int)
    changed_requests: list[Assignment] = []
    for assignment in run.assignments:
        request = assignment.request
        old = old_by_request.pop(assignment.request_id, None)
        if old is not None and _same(assignment, old):
            for live in old.live_sessions:
                live.assignment = assignment
            kept += 1
        else:
            if old is not None:
                cancelled += _cancel_future(old, now, _("re-planned"))
            sessions = matching.create_live_sessions(assignment, skip_from=max(now.date(), request.term_start))
            created += len(sessions)
            per_teacher[assignment.teacher_id] += len(sessions)
            changed_requests.append(assignment)
        request.status, request.unserved_reason = RequestStatus.SCHEDULED, None
    for old in old_by_request.values():  # served before, not any more
        cancelled += _cancel_future(old, now, _("re-planned"))
    for item in (run.solution or {}).get("unassigned", []):
        request = db.session.get(SessionRequest, matching.key_id(item["request"]))
        if request is not None and request.status in (RequestStatus.WAITING, RequestStatus.SCHEDULED, RequestStatus.UNSERVED):
            request.status = RequestStatus.UNSERVED
            request.unserved_reason = {k: item[k] for k in ("reason", "code", "details") if k in item}
    _notify_published(run, changed_requests, per_teacher)
    return {"created": created, "kept": kept, "cancelled": cancelled}


def _cancel_future(assignment: Assignment, now, reason: str) -> int:
    count = 0
    for live in assignment.live_sessions:
        if live.status == LiveStatus.SCHEDULED and live.starts_at > now:
            live.status, live.withdrawn_reason = LiveStatus.CANCELLED, reason
            count += 1
    return count


def _notify_published(run: MatchingRun, changed: list[Assignment], per_teacher: dict[int, int]) -> None:
    for teacher_id, count in per_teacher.items():
        profile = db.session.get(TeacherProfile, teacher_id)
        notify([profile.user], "timetable_published", count=count)
    for assignment in changed:
        request = assignment.request
        notify(list(request.school.staff), "request_scheduled", subject=request.subject, grade=request.grade,
               teacher=assignment.teacher.user.name)
    for item in (run.solution or {}).get("unassigned", []):
        request = db.session.get(SessionRequest, matching.key_id(item["request"]))
        if request is not None:
            notify(list(request.school.staff), "request_unserved", subject=request.subject, grade=request.grade)
