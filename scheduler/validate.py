"""The project's own checker: all seven rules of the spec, and the score recomputed."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .model import DAY_INDEX, WEEK_MINUTES, Instance, Solution, format_hhmm, utc_offset_minutes


@dataclass
class Violation:
    rule: int          # 1..7 as numbered in the spec
    item: str          # e.g. "request r3", "teacher t7"
    message: str

    def to_json(self) -> dict:
        return {"rule": self.rule, "item": self.item, "message": self.message}


@dataclass
class ValidationReport:
    violations: list[Violation] = field(default_factory=list)
    score: int = 0
    served: int = 0
    schools_served: int = 0
    claimed_objective: int | None = None

    @property
    def valid(self) -> bool:
        return not self.violations

    @property
    def objective_matches(self) -> bool:
        return self.claimed_objective is None or self.claimed_objective == self.score

    def to_json(self) -> dict:
        return {"valid": self.valid, "score": self.score, "served": self.served,
                "schools_served": self.schools_served,
                "claimed_objective": self.claimed_objective,
                "violations": [v.to_json() for v in self.violations]}


def absolute_minute(day: str, minute: int, offset: int) -> int:
    """Local (day, minute) in a zone at UTC+offset -> minutes after Monday 00:00 UTC, wrapped."""
    return (DAY_INDEX[day] * 1440 + minute - offset) % WEEK_MINUTES


def _inside(start: int, length: int, interval_start: int, interval_length: int) -> bool:
    """Is [start, start+length) within [interval_start, +interval_length) on the wrapping clock?"""
    return (start - interval_start) % WEEK_MINUTES + length <= interval_length


def request_weight(instance: Instance, request, teacher) -> int:
    return request.priority * request.sessions_per_week * (50 + teacher.q10)


def validate(instance: Instance, solution: Solution) -> ValidationReport:
    """Check every rule of the spec; the score counts only assignments that name real items."""
    report = ValidationReport(claimed_objective=solution.objective)
    bad = report.violations.append
    schools = {s.id: s for s in instance.schools}
    teachers = {t.id: t for t in instance.teachers}
    requests = {r.id: r for r in instance.requests}
    school_offset = {s.id: utc_offset_minutes(s.timezone) for s in instance.schools}
    teacher_offset = {t.id: utc_offset_minutes(t.timezone) for t in instance.teachers}

    seen: dict[str, str] = {}
    # teacher id -> list of (absolute start, duration, request id)
    teacher_sessions: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    served_schools: set[str] = set()

    for assignment in solution.assignments:
        rid, tid = assignment.request, assignment.teacher
        item = f"request {rid}"
        if rid not in requests:
            bad(Violation(7, item, "assignment names an unknown request"))
            continue
        if rid in seen:
            bad(Violation(7, item, f"request appears more than once ({seen[rid]} and assignments)"))
            continue
        seen[rid] = "assignments"
        if tid not in teachers:
            bad(Violation(2, item, f"assignment names an unknown teacher {tid!r}"))
            continue
        request, teacher, school = requests[rid], teachers[tid], schools[requests[rid].school]
        ok = True
        # Rule 1: served whole, one teacher, each session on its own school-local day.
        if len(assignment.sessions) != request.sessions_per_week:
            bad(Violation(1, item, f"{len(assignment.sessions)} sessions, needs exactly "
                                   f"{request.sessions_per_week}"))
            ok = False
        days = [s.day for s in assignment.sessions]
        if len(set(days)) != len(days):
            bad(Violation(1, item, f"two sessions on the same school day ({', '.join(days)})"))
            ok = False
        # Rule 2: subject and grade.
        if request.subject not in teacher.subjects:
            bad(Violation(2, item, f"teacher {tid} does not teach {request.subject}"))
            ok = False
        if request.grade not in teacher.grades:
            bad(Violation(2, item, f"teacher {tid} does not teach grade {request.grade}"))
            ok = False
        if tid in request.excluded_teachers:
            bad(Violation(2, item, f"teacher {tid} withdrew from this request"))
            ok = False
        # Rule 3: provinces.
        if instance.cross_province and teacher.province == school.province:
            bad(Violation(3, item, f"teacher {tid} and school {school.id} are both in {school.province}"))
            ok = False
        # Rule 4: inside a window and inside an availability interval, on the absolute clock.
        duration = request.duration_minutes
        for session in assignment.sessions:
            where = f"{session.day} {format_hhmm(session.start)}"
            if session.start % 5:
                bad(Violation(4, item, f"session {where} is not on the 5-minute grid"))
                ok = False
            if not any(w.day == session.day and w.start <= session.start
                       and session.start + duration <= w.end for w in request.windows):
                bad(Violation(4, item, f"session {where} (+{duration} min) is not inside a window"))
                ok = False
            start = absolute_minute(session.day, session.start, school_offset[school.id])
            if not any(_inside(start, duration,
                               absolute_minute(a.day, a.start, teacher_offset[tid]), a.end - a.start)
                       for a in teacher.availability):
                bad(Violation(4, item, f"session {where} (school time) is outside teacher {tid}'s "
                                       "availability"))
                ok = False
            teacher_sessions[tid].append((start, duration, rid))
        if ok:
            report.score += request_weight(instance, request, teacher)
            report.served += 1
            served_schools.add(school.id)

    for entry in solution.unassigned:
        rid = entry.request
        if rid not in requests:
            bad(Violation(7, f"request {rid}", "unassigned list names an unknown request"))
        elif rid in seen:
            bad(Violation(7, f"request {rid}", f"request appears more than once ({seen[rid]} and unassigned)"))
        else:
            seen[rid] = "unassigned"
    for rid in requests:
        if rid not in seen:
            bad(Violation(7, f"request {rid}", "request is neither assigned nor unassigned"))

    gap = instance.break_minutes
    for tid, sessions in teacher_sessions.items():
        teacher = teachers[tid]
        item = f"teacher {tid}"
        # Rule 5: on a circle, if any two sessions are too close then two neighbours are.
        sessions.sort()
        if len(sessions) >= 2:
            for (s1, d1, r1), (s2, d2, r2) in zip(sessions, sessions[1:] + sessions[:1]):
                if (s2 - s1) % WEEK_MINUTES < d1 + gap:
                    bad(Violation(5, item, f"sessions of {r1} and {r2} are less than "
                                           f"{gap} minutes apart"))
        # Rule 6: per teacher-local day, and per week.
        per_day: dict[int, int] = defaultdict(int)
        for start, _, _ in sessions:
            per_day[((start + teacher_offset[tid]) % WEEK_MINUTES) // 1440] += 1
        for day, count in sorted(per_day.items()):
            if count > teacher.max_sessions_per_day:
                bad(Violation(6, item, f"{count} sessions on local day {list(DAY_INDEX)[day]}, "
                                       f"limit {teacher.max_sessions_per_day}"))
        if len(sessions) > teacher.max_sessions_per_week:
            bad(Violation(6, item, f"{len(sessions)} sessions in the week, limit "
                                   f"{teacher.max_sessions_per_week}"))

    report.schools_served = len(served_schools)
    report.score += instance.fairness_bonus * len(served_schools)
    return report
