"""Matching runs: started by a coordinator, executed by a worker process, reviewed, published, re-planned."""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..extensions import db
from ..models import (Assignment, LiveSession, LiveStatus, MatchingRun, RequestStatus, RunStatus,
                      SessionRequest, TeacherProfile, User)
from ..timefmt import utcnow
from ..errors import Conflict, Unavailable, ValidationError
from . import fields, matching, terms, timetable
from .matching_pieces import pieces_for_run
from .notifications import notify

HEARTBEAT_SECONDS = 2.0
DEAD_AFTER_SECONDS = 30.0   # a RUNNING run whose worker has not beaten for this long has died
PROGRESS_EVERY_SECONDS = 0.5
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
REVIEWABLE = (RunStatus.FINISHED, RunStatus.STOPPED)


# ---- starting ---------------------------------------------------------------------------------------------

def parse_run_parameters(data: dict) -> tuple[date, date, float]:
    errors = fields.FieldErrors()
    term_start, term_end = terms.term_dates(errors, data)
    time_limit = fields.integer(errors, "time_limit", data.get("time_limit", 60), low=5, high=900)
    errors.raise_if_any()
    return term_start, term_end, float(time_limit)


def latest_published(term_start: date, term_end: date) -> MatchingRun | None:
    """The newest published run whose term overlaps this one: the timetable in force."""
    return db.session.scalar(select(MatchingRun).where(
        MatchingRun.status == RunStatus.PUBLISHED, MatchingRun.term_start <= term_end,
        MatchingRun.term_end >= term_start).order_by(MatchingRun.published_at.desc()).limit(1))


def start_run(coordinator: User, data: dict) -> MatchingRun:
    """A full run over the waiting requests of a term, starting from the term's timetable: every published
    session is taken. The caller commits, then calls `jobs.enqueue`."""
    term_start, term_end, time_limit = parse_run_parameters(data)
    waiting = matching.waiting_requests(term_start, term_end)
    if not waiting:
        raise ValidationError({"term_start": _("No request is waiting in this term.")})
    scheduled = timetable.term_requests(term_start, term_end, (RequestStatus.SCHEDULED,))
    requests = sorted(waiting + scheduled, key=lambda r: r.id)
    return _new_run(coordinator, term_start, term_end, time_limit, requests, kind="full")


def start_replan(coordinator: User, published: MatchingRun, data: dict) -> MatchingRun:
    """Re-plan the term of a published timetable after changes, from the term's timetable (whatever runs
    built it), keeping every assignment that is still valid."""
    if published.status != RunStatus.PUBLISHED:
        raise Conflict(_("Only a published timetable can be re-planned."))
    time_limit = parse_run_parameters({**data, "term_start": published.term_start.isoformat(),
                                       "term_end": published.term_end.isoformat()})[2]
    requests = timetable.term_requests(published.term_start, published.term_end, (
        RequestStatus.WAITING, RequestStatus.SCHEDULED, RequestStatus.UNSERVED))
    return _new_run(coordinator, published.term_start, published.term_end, time_limit, requests, kind="replan")


def _new_run(coordinator: User, term_start: date, term_end: date, time_limit: float,
             requests: list[SessionRequest], kind: str) -> MatchingRun:
    baseline = timetable.baseline_of(requests)
    parameters = {"time_limit": time_limit, "workers": 2,
                  "baseline": sorted(a.id for a in baseline.values() if a.withdrawn_at is None),
                  "withdrawn": sorted(a.id for a in baseline.values() if a.withdrawn_at is not None)}
    newest = latest_published(term_start, term_end)
    run = MatchingRun(term_start=term_start, term_end=term_end, created_by_id=coordinator.id, kind=kind,
                      status=RunStatus.QUEUED, parameters=parameters,
                      previous_run_id=newest.id if newest is not None else None)
    db.session.add(run)
    db.session.flush()
    run.instance = matching.build_instance(f"run {run.id}", term_start, term_end, requests)
    run.requests_total = len(requests)
    return run


def hand_over(run: MatchingRun) -> None:
    """Give a committed run to a worker. If none can take it, the run is marked failed and the caller told."""
    from .. import jobs
    try:
        run.worker = jobs.enqueue(run.id)
    except jobs.QueueUnavailable:
        run.status, run.finished_at = RunStatus.FAILED, utcnow()
        run.error = _("The matching queue is unavailable right now. Nothing was started; try again in a moment.")
        db.session.commit()
        raise Unavailable(run.error)
    db.session.commit()


def _baseline(run: MatchingRun, *keys: str) -> list[Assignment]:
    ids = [i for key in keys for i in (run.parameters or {}).get(key, [])]
    if not ids:
        return []
    return list(db.session.scalars(select(Assignment).where(Assignment.id.in_(ids)).order_by(Assignment.id)))


def previous_solution_for(run: MatchingRun) -> dict | None:
    """The term's timetable the run starts from, less the assignments teachers withdrew from since."""
    kept = timetable.in_force(_baseline(run, "baseline"))
    return timetable.as_solution(kept.values()) if kept else None


# ---- executing (in the worker process) --------------------------------------------------------------------

def execute(run_id: int, worker: str) -> None:
    """Run the matching for `run_id`, reporting progress and honouring a stop request. Commits as it goes."""
    import scheduler

    run = db.session.get(MatchingRun, run_id)
    if run is None or run.status != RunStatus.QUEUED:
        return
    run.status, run.started_at, run.worker, run.heartbeat_at = RunStatus.RUNNING, utcnow(), worker, utcnow()
    db.session.commit()

    stop = threading.Event()
    latest: dict = {}
    lock = threading.Lock()
    done = threading.Event()

    def on_progress(info: dict) -> None:
        with lock:
            latest.update(info)

    app = current_app._get_current_object()

    def beat() -> None:
        """Heartbeat, progress and the stop flag travel through the database, in a thread of their own."""
        with app.app_context():
            while not done.is_set():
                with lock:
                    snapshot = dict(latest)
                db.session.execute(update(MatchingRun).where(MatchingRun.id == run_id).values(
                    heartbeat_at=utcnow(), progress=snapshot or None))
                stop_requested = db.session.scalar(select(MatchingRun.stop_requested).where(MatchingRun.id == run_id))
                db.session.commit()
                if stop_requested:
                    stop.set()
                done.wait(PROGRESS_EVERY_SECONDS)
            db.session.remove()

    beater = threading.Thread(target=beat, name=f"run-{run_id}-heartbeat", daemon=True)
    beater.start()
    try:
        instance = scheduler.load_instance(run.instance)
        previous_json = previous_solution_for(run)
        previous = scheduler.Solution.from_json(previous_json) if previous_json else None
        solution = scheduler.solve(instance, time_limit=run.parameters.get("time_limit", 60),
                                   workers=run.parameters.get("workers", 2), previous=previous,
                                   progress=on_progress, stop=stop, pieces=pieces_for_run())
    except Exception as exc:  # the run is marked failed; nothing was written but the failure
        done.set()
        beater.join()
        db.session.rollback()
        run = db.session.get(MatchingRun, run_id)
        run.status, run.error, run.finished_at = RunStatus.FAILED, f"{type(exc).__name__}: {exc}", utcnow()
        db.session.commit()
        raise
    done.set()
    beater.join()
    run = db.session.get(MatchingRun, run_id)
    db.session.refresh(run)
    matching.record_solution(run, solution.to_json())
    if has_baseline(run):  # withdrawn classes count too: a class that changed teacher has moved
        changes = changes_against_previous(run)
        run.moved = len(changes["moved"]) + len(changes["dropped"])
    run.progress = {"seconds": round(solution.seconds, 2), "objective": solution.objective,
                    "bound": solution.bound, "gap": solution.gap}
    run.status = RunStatus.STOPPED if run.stop_requested else RunStatus.FINISHED
    db.session.commit()


def request_stop(run: MatchingRun) -> bool:
    """Stop a run: a queued one is withdrawn at once (nothing was computed, so nothing is kept); a running one
    stops at its next step and keeps its best timetable. Returns whether it had started."""
    if run.status not in ACTIVE:
        raise Conflict(_("This run is not running any more."))
    if run.status == RunStatus.QUEUED:
        run.status, run.finished_at, run.stop_requested = RunStatus.STOPPED, utcnow(), True
        run.error = _("Stopped before it started: nothing was computed.")
        return False
    run.stop_requested = True
    return True


def mark_dead_runs() -> int:
    """Runs whose worker died (killed, crashed, machine restarted) are marked failed; nothing was published."""
    limit = utcnow() - timedelta(seconds=current_app.config.get("RUN_DEAD_AFTER_SECONDS", DEAD_AFTER_SECONDS))
    dead = db.session.scalars(select(MatchingRun).where(
        MatchingRun.status == RunStatus.RUNNING, MatchingRun.heartbeat_at < limit)).all()
    for run in dead:
        run.status, run.finished_at = RunStatus.FAILED, utcnow()
        run.error = _("The matching worker stopped unexpectedly. Nothing was published; start the run again.")
    return len(dead)


# ---- reviewing ---------------------------------------------------------------------------------------------

def has_baseline(run: MatchingRun) -> bool:
    """Whether the run started from a published timetable (its review shows what changes)."""
    parameters = run.parameters or {}
    return run.kind == "replan" or bool(parameters.get("baseline") or parameters.get("withdrawn"))


def changes_against_previous(run: MatchingRun) -> dict[str, list[dict]]:
    """Against the timetable the run started from (withdrawn classes included): which assignments stay,
    which moved (another teacher or other times), which are newly served or no longer served."""
    previous = timetable.as_solution(_baseline(run, "baseline", "withdrawn"))
    before = {a["request"]: a for a in previous["assignments"]}
    after = {a["request"]: a for a in (run.solution or {}).get("assignments", [])}
    def same(a, b):
        return a["teacher"] == b["teacher"] and sorted((s["day"], s["start"]) for s in a["sessions"]) == \
            sorted((s["day"], s["start"]) for s in b["sessions"])
    out: dict[str, list[dict]] = {"kept": [], "moved": [], "added": [], "dropped": []}
    for key, new in after.items():
        old = before.get(key)
        if old is None:
            out["added"].append({"request": key, "after": new})
        elif same(old, new):
            out["kept"].append({"request": key, "after": new})
        else:
            out["moved"].append({"request": key, "before": old, "after": new})
    for key, old in before.items():
        if key not in after:
            out["dropped"].append({"request": key, "before": old})
    return out


def summary_by_province(run: MatchingRun) -> dict:
    """Requests served, students reached and teacher load per province, and the flows between provinces."""
    from ..reference import PROVINCES_BY_CODE
    schools: dict[str, dict] = defaultdict(lambda: {"requests": 0, "served": 0, "students": 0})
    teachers: dict[str, dict] = defaultdict(lambda: {"teachers": 0, "sessions": 0})
    flows: dict[tuple[str, str], int] = defaultdict(int)
    request_rows = {r.id: r for r in db.session.scalars(select(SessionRequest).where(
        SessionRequest.id.in_([matching.key_id(r["id"]) for r in (run.instance or {}).get("requests", [])])))}
    for r in request_rows.values():
        schools[PROVINCES_BY_CODE[r.school.province_code].name]["requests"] += 1
    seen_teachers = set()
    for a in run.assignments:
        r = request_rows.get(a.request_id) or a.request
        school_province = PROVINCES_BY_CODE[r.school.province_code].name
        teacher_province = PROVINCES_BY_CODE[a.teacher.province_code].name
        schools[school_province]["served"] += 1
        schools[school_province]["students"] += r.students
        teachers[teacher_province]["sessions"] += len(a.slots)
        if a.teacher_id not in seen_teachers:
            seen_teachers.add(a.teacher_id)
            teachers[teacher_province]["teachers"] += 1
        flows[(teacher_province, school_province)] += len(a.slots)
    return {"schools": dict(schools), "teachers": dict(teachers),
            "flows": [{"from": f, "to": t, "sessions": n} for (f, t), n in sorted(flows.items(), key=lambda x: -x[1])]}


# ---- publishing --------------------------------------------------------------------------------------------

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
    """Publish a reviewed run: dated sessions with join codes, statuses, notifications. Refuses, saying what
    changed, if another coordinator published meanwhile or the data moved under the run."""
    if run.solution is None:  # stopped before it started: there is nothing to publish
        raise Conflict(_("This run was already published or is not finished."))
    _lock_publishing()
    claimed = db.session.execute(update(MatchingRun).where(
        MatchingRun.id == run.id, MatchingRun.status.in_(REVIEWABLE)).values(status=RunStatus.PUBLISHED))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("This run was already published or is not finished."))
    db.session.refresh(run)

    started_from = {a.request_id: a for a in _baseline(run, "baseline")}
    run_requests = [matching.key_id(r["id"]) for r in run.instance.get("requests", [])]
    now_in_force = timetable.in_force(timetable.baseline_of(list(db.session.scalars(
        select(SessionRequest).where(SessionRequest.id.in_(run_requests))))).values())
    ids = lambda assignments: {key: a.id for key, a in assignments.items()}
    before, now = ids(started_from), ids(now_in_force)
    changed = [db.session.get(SessionRequest, key) for key in sorted(set(before) | set(now))
               if before.get(key) != now.get(key)]
    if changed:
        db.session.rollback()
        if run.kind == "replan":
            raise Conflict(_("Another timetable was published for this term meanwhile; re-plan again from it."))
        raise Conflict(_("%(n)d of these requests were scheduled or changed meanwhile (for example %(subject)s at %(school)s). Start a new run.",
                         n=len(changed), subject=changed[0].subject, school=changed[0].school.name))
    problems = check_still_valid(run)
    problems += _double_bookings(run, set(run_requests))
    if problems:
        db.session.rollback()
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


def wait_for(run_id: int, timeout: float = 60.0) -> MatchingRun:
    """Block until a run leaves QUEUED/RUNNING (the CLI and tests use it)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        run = db.session.get(MatchingRun, run_id)
        if run.status not in ACTIVE or time.monotonic() > deadline:
            return run
        time.sleep(0.2)
