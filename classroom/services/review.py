"""Reviewing a finished run: what changes against the timetable it started from, and who it serves where."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from ..extensions import db
from ..models import MatchingRun, SessionRequest
from . import matching, runs, timetable


def has_baseline(run: MatchingRun) -> bool:
    """Whether the run started from a published timetable (its review shows what changes)."""
    parameters = run.parameters or {}
    return run.kind == "replan" or bool(parameters.get("baseline") or parameters.get("withdrawn"))


def changes_against_previous(run: MatchingRun) -> dict[str, list[dict]]:
    """Against the timetable the run started from (withdrawn classes included): which assignments stay,
    which moved (another teacher or other times), which are newly served or no longer served."""
    previous = timetable.as_solution(runs.baseline(run, "baseline", "withdrawn"))
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


def moved_count(run: MatchingRun) -> int | None:
    """Classes that changed teacher or times, or are no longer served; None for a run without a baseline.
    Withdrawn classes count too: a class that changed teacher has moved."""
    if not has_baseline(run):
        return None
    changes = changes_against_previous(run)
    return len(changes["moved"]) + len(changes["dropped"])
