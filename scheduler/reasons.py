"""Why a request is left unserved, in words a coordinator can act on (plus a code for translation)."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from .compiled import DAY, TICK, WEEK, Compiled, TeacherState
from .model import DAYS, Solution, Unassigned, format_hhmm

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def _hours_that_work(c: Compiled, ri: int, teachers) -> list[dict]:
    """School-local intervals in which some fitting teacher could hold a whole session."""
    d = int(c.dur[ri])
    counts = c.tstart[d][teachers].any(axis=0)
    local = np.roll(counts, int(c.r_off[ri]))          # index = school-local tick
    out = []
    tick = 0
    while tick < WEEK:
        if local[tick]:
            end = tick
            while end + 1 < WEEK and local[end + 1] and (end + 1) // DAY == tick // DAY:
                end += 1
            day = tick // DAY
            finish = min((end % DAY) * TICK + d * TICK, 24 * 60)
            out.append({"day": DAYS[day], "start": format_hhmm((tick % DAY) * TICK),
                        "end": format_hhmm(finish)})
            tick = end + 1
        else:
            tick += 1
    merged: list[dict] = []
    for h in out:   # runs of starts close together give overlapping hours: merge them
        if merged and merged[-1]["day"] == h["day"] and h["start"] <= merged[-1]["end"]:
            merged[-1]["end"] = max(merged[-1]["end"], h["end"])
        else:
            merged.append(dict(h))
    return merged


def explain(c: Compiled, ri: int, assigned: dict[int, tuple[int, list[int]]],
            state: TeacherState, by_teacher: dict[int, list[int]] | None = None) -> Unassigned:
    inst = c.instance
    request = inst.requests[ri]
    school = inst.schools[int(c.r_school[ri])]
    zone = ZONE_NAMES.get(school.timezone, school.timezone)
    what = f"{request.subject} grade {request.grade}"
    rid = request.id
    if len(c.r_ticks[ri]) == 0:
        longest = max((w.end - w.start for w in request.windows), default=0)
        return Unassigned(rid, f"The request's windows (longest {longest} min) cannot hold a "
                               f"{request.duration_minutes}-minute session.", "windows_too_short",
                          {"duration_minutes": request.duration_minutes, "longest_window": longest})
    cands = c.by_subject_grade.get((request.subject, request.grade), [])
    if not cands:
        return Unassigned(rid, f"No teacher teaches {what}.", "no_teacher_for_subject_grade",
                          {"subject": request.subject, "grade": request.grade})
    if inst.cross_province:
        other = [t for t in cands if inst.teachers[t].province != school.province]
        if not other:
            return Unassigned(rid, f"Every teacher of {what} is in {school.province}, the school's own "
                                   "province, and cross-province matching is required.",
                              "only_same_province", {"subject": request.subject, "grade": request.grade,
                                                     "province": school.province, "teachers": len(cands)})
        cands = other
    most = max(int(c.max_week[t]) for t in cands)
    if most < request.sessions_per_week:
        return Unassigned(rid, f"The request needs {request.sessions_per_week} sessions a week but the "
                               f"teachers of {what} take at most {most}; fewer sessions would fit.",
                          "sessions_exceed_teacher_limit",
                          {"needed": request.sessions_per_week, "most_allowed": most})
    pair = c.pairs[ri]
    if len(pair) == 0:
        cand = np.array(cands, dtype=np.int64)
        ticks = c.r_ticks[ri]
        ok = c.tstart[int(c.dur[ri])][np.ix_(cand, ticks)] if len(ticks) else np.zeros((len(cand), 0), bool)
        best_days = 0
        for row in ok:
            best_days = max(best_days, len(set(c.r_days[ri][row].tolist())))
        hours = _hours_that_work(c, ri, cand)
        shown = ", ".join(f"{h['day'].capitalize()} {h['start']}-{h['end']}" for h in hours[:8])
        if best_days > 0:
            return Unassigned(rid, f"Teachers of {what} share only {best_days} of the needed "
                                   f"{request.sessions_per_week} days with the school's windows. "
                                   f"They are free ({zone}, school time): {shown}.",
                              "too_few_common_days",
                              {"needed": request.sessions_per_week, "best": best_days,
                               "timezone": school.timezone, "hours": hours})
        return Unassigned(rid, f"{len(cands)} teacher(s) teach {what}, but none is free inside the "
                               f"school's windows once time zones are applied. Hours that would work "
                               f"({zone}, school time): {shown or 'none'}.",
                          "no_common_time", {"teachers": len(cands), "timezone": school.timezone,
                                             "hours": hours})
    # Fitting teachers exist: they are taken by other requests.
    if by_teacher is None:
        by_teacher = _by_teacher(assigned)
    blockers = sorted({r for t in pair.tolist() for r in by_teacher.get(t, [])},
                      key=lambda r: -c.prio[r])
    teacher_ids = [inst.teachers[t].id for t in pair.tolist()]
    details = {"teachers": teacher_ids[:20], "fitting_teachers": len(teacher_ids),
               "taken_by": [inst.requests[r].id for r in blockers[:20]]}
    if blockers and all(c.prio[r] > request.priority for r in blockers):
        return Unassigned(rid, f"All {len(teacher_ids)} fitting teacher(s) of {what} are used by "
                               f"higher-priority requests ({', '.join(details['taken_by'][:5])}).",
                          "teachers_taken_by_higher_priority", details)
    return Unassigned(rid, f"All {len(teacher_ids)} fitting teacher(s) of {what} are booked by requests "
                           f"worth more in total (e.g. {', '.join(details['taken_by'][:5])}); more teacher "
                           "hours or wider windows would let it in.",
                      "teachers_taken", details)


def _by_teacher(assigned) -> dict[int, list[int]]:
    by_teacher: dict[int, list[int]] = defaultdict(list)
    for r, (t, _) in assigned.items():
        by_teacher[t].append(r)
    return by_teacher


def build_solution(c: Compiled, assigned: dict[int, tuple[int, list[int]]], state: TeacherState, *,
                   solver: str, status: str, bound: int | None, seconds: float) -> Solution:
    assignments = [c.to_assignment(r, t, ticks) for r, (t, ticks) in sorted(assigned.items())]
    by_teacher = _by_teacher(assigned)
    unassigned = [explain(c, r, assigned, state, by_teacher) for r in range(c.n_requests) if r not in assigned]
    objective = c.score(assigned)
    if bound is not None:
        bound = max(bound, objective)
    return Solution(c.instance.name, solver, status, objective, bound, seconds, assignments, unassigned)
