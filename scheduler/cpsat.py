"""The CP-SAT model: a Boolean per (request, teacher) pair and per useful start, clique cuts per teacher.

Only left-justified starts get a variable: in any feasible timetable each
session can slide earlier until it meets the start of its feasible range or
the end (+ break) of the teacher's previous session, without changing days,
counts or the score. So the starts that matter for a teacher are the starts
of the feasible ranges of the teacher's pairs and, closing over, such a start
plus the length of a session and the break. This is exact (the optimum and
the bound are those of the full 5-minute model) and makes the model several
times smaller.
"""
from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
from ortools.sat.python import cp_model

from .compiled import WEEK, Compiled, TeacherState

@dataclass
class SubProblem:
    requests: list[int]                      # requests the model may (re)assign
    state: TeacherState                      # sessions of every other request, already placed
    teachers: set[int] | None = None         # teachers the model may use (None: all)
    served_schools: set[int] = field(default_factory=set)   # already earn the bonus
    hint: dict[int, tuple[int, list[int]]] = field(default_factory=dict)
    fixed_objective: int = 0                 # score of everything outside the model


@dataclass
class SubResult:
    assigned: dict[int, tuple[int, list[int]]]
    objective: int           # of the sub-model (without fixed_objective)
    bound: int | None        # proven bound of the sub-model
    status: str
    n_vars: int
    seconds: float


@dataclass
class _Pair:
    r: int
    t: int
    starts: np.ndarray       # feasible start ticks, sorted
    days: np.ndarray         # school-local day of each
    tdays: np.ndarray        # teacher-local day of each


def _run_starts(starts: np.ndarray) -> np.ndarray:
    prev = (starts - 1) % WEEK
    inside = np.isin(prev, starts, assume_unique=False)
    return starts[~inside]


def collect_pairs(c: Compiled, sub: SubProblem) -> dict[int, list[_Pair]]:
    state = sub.state
    by_teacher: dict[int, list[_Pair]] = defaultdict(list)
    for r in sub.requests:
        spw = int(c.spw[r])
        ticks = c.r_ticks[r]
        free = state.free[int(c.dur[r])]
        for t in c.pairs[r].tolist():
            if sub.teachers is not None and t not in sub.teachers:
                continue
            if state.week_count[t] + spw > c.max_week[t]:
                continue
            ok = free[t, ticks]
            if not ok.any():
                continue
            starts = ticks[ok]
            tdays = c.teacher_day(t, starts)
            ok2 = state.day_count[t, tdays] < c.max_day[t]
            starts, tdays, days = starts[ok2], tdays[ok2], c.r_days[r][ok][ok2]
            if len(np.unique(days)) < spw:
                continue
            by_teacher[t].append(_Pair(r, t, starts, days, tdays))
    return by_teacher


def useful_starts(c: Compiled, t: int, pairs: list[_Pair], hint) -> list[np.ndarray]:
    """Left-justified starts of each pair of teacher t (see module doc)."""
    masks = np.zeros((len(pairs), WEEK), dtype=bool)
    for k, p in enumerate(pairs):
        masks[k, p.starts] = True
    union = masks.any(axis=0)
    points = set()
    for p in pairs:
        points.update(_run_starts(p.starts).tolist())
        h = hint.get(p.r)
        if h is not None and h[0] == t:
            points.update(h[1])
    span = np.array([int(c.dur[p.r]) + c.brk for p in pairs])
    todo = list(points)
    while todo:
        x = todo.pop()
        for nxt in set(((x + span[masks[:, x]]) % WEEK).tolist()):
            if union[nxt] and nxt not in points:
                points.add(nxt)
                todo.append(nxt)
    pts = np.zeros(WEEK, dtype=bool)
    pts[list(points)] = True
    return [pts[p.starts] for p in pairs]


def model_pairs(c: Compiled, t: int, pairs: list[_Pair], hint) -> Iterator[_Pair]:
    """Teacher t's pairs on their left-justified starts, less those left with too few school days."""
    for p, sel in zip(pairs, useful_starts(c, t, pairs, hint)):
        if len(np.unique(p.days[sel])) >= int(c.spw[p.r]):
            yield _Pair(p.r, t, p.starts[sel], p.days[sel], p.tdays[sel])


def clique_cuts(arcs: list[tuple[int, int, object]]) -> Iterator[list]:
    """Groups of one teacher's sessions (start, span, variable) of which at most one can take
    place: every two clashing sessions meet at the start of one of them. Each group once."""
    arcs = sorted(arcs, key=lambda a: a[0])
    seen = set()
    for s in sorted({a[0] for a in arcs}):
        members = [v for (st, sp, v) in arcs if (s - st) % WEEK < sp]
        key = tuple(id(v) for v in members)
        if len(members) > 1 and key not in seen:
            seen.add(key)
            yield members


# CP-SAT's parameters for a large-neighbourhood piece (one worker). Its LP relaxation is tight (as the whole
# model's is on medium), and with the full linearization CP-SAT proves most pieces at once: on 16 pieces of
# gen2000-s1 from the greedy, 1.5 s each, 16 proven in 2.4 s in all (gain 13,077) against 5 in 17 s (9,729)
# with the default; at 2,000 pairs a piece, 16 proven in 14 s (41,330) against none in 49 s (9,423).
PIECE_PARAMS = {"linearization_level": 2}


def solve_subproblem(c: Compiled, sub: SubProblem, *, time_limit: float, workers: int,
                     progress: Callable[[dict], None] | None = None,
                     stop: threading.Event | None = None, started: float | None = None,
                     bound_cap: int | None = None, extra_params: dict | None = None) -> SubResult:
    began = time.perf_counter()
    started = began if started is None else started
    model = cp_model.CpModel()
    by_teacher = collect_pairs(c, sub)
    a_vars: dict[tuple[int, int], cp_model.IntVar] = {}
    x_of: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = {}
    a_by_request: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    objective = []
    n_vars = 0
    hint = sub.hint
    for t, pairs in by_teacher.items():
        arcs = []        # (start, span, var)
        per_tday: dict[int, list] = defaultdict(list)
        week_terms = []
        for p in model_pairs(c, t, pairs, hint):
            spw = int(c.spw[p.r])
            name = c.pair_name(p.r, t)
            a = model.new_bool_var(f"a[{name}]")       # teacher t serves request r
            a_vars[(p.r, t)] = a
            a_by_request[p.r].append(a)
            objective.append(c.weight(p.r, t) * a)
            week_terms.append(spw * a)
            h = hint.get(p.r)
            hinted = set(h[1]) if h is not None and h[0] == t else set()
            model.add_hint(a, bool(hinted))
            xs = []
            per_day: dict[int, list] = defaultdict(list)
            span = int(c.dur[p.r]) + c.brk
            for s, d, td in zip(p.starts.tolist(), p.days.tolist(), p.tdays.tolist()):
                x = model.new_bool_var(f"x[{name},{s}]")   # a session starts at tick s
                model.add_hint(x, s in hinted)
                xs.append(x)
                per_day[d].append(x)
                per_tday[td].append(x)
                arcs.append((s, span, x))
            n_vars += len(xs) + 1
            x_of[(p.r, t)] = list(zip(p.starts.tolist(), xs))
            model.add(sum(xs) == spw * a)
            for d, day_xs in per_day.items():
                if len(day_xs) > 1:
                    model.add(sum(day_xs) <= a)
                else:
                    model.add_implication(day_xs[0], a)
        if not week_terms:
            continue
        room_week = int(c.max_week[t] - sub.state.week_count[t])
        model.add(sum(week_terms) <= room_week)
        for td, xs in per_tday.items():
            room = int(c.max_day[t] - sub.state.day_count[t, td])
            if len(xs) > room:
                model.add(sum(xs) <= room)
        for members in clique_cuts(arcs):
            model.add_at_most_one(members)
    # a request is served by at most one teacher; the school bonus needs one served request
    schools: dict[int, list] = defaultdict(list)
    for r, avs in a_by_request.items():
        if len(avs) > 1:
            model.add_at_most_one(avs)
        schools[int(c.r_school[r])].extend(avs)
    bonus = c.bonus
    if bonus:
        for s, avs in schools.items():
            if s in sub.served_schools:
                continue
            b = model.new_bool_var(f"bonus[{c.instance.schools[s].id}]")
            model.add(b <= sum(avs))
            model.add_hint(b, any(hint.get(r) is not None and int(c.r_school[r]) == s for r in sub.requests))
            objective.append(bonus * b)
    model.maximize(sum(objective))

    solver = cp_model.CpSolver()
    remaining = max(0.1, time_limit - (time.perf_counter() - began))
    solver.parameters.max_time_in_seconds = remaining
    solver.parameters.num_workers = max(1, workers)
    for key, value in (extra_params or {}).items():
        setattr(solver.parameters, key, value)
    fixed = sub.fixed_objective

    def report(best, bound):
        if progress is None:
            return
        obj = None if best is None else fixed + best
        bnd = None if bound is None else fixed + bound
        if bound_cap is not None and bnd is not None:
            bnd = min(bnd, bound_cap)
        gap = None
        if obj is not None and bnd:
            gap = max(0.0, (bnd - obj) / bnd)
        progress({"seconds": round(time.perf_counter() - started, 2), "objective": obj,
                  "bound": bnd, "gap": gap})

    callback = None
    if progress is not None:
        # progress comes from the solver's callbacks, never from its log (whose `best:inf`
        # crashed re-planning, issue 14)
        lock = threading.Lock()
        seen = {"best": None, "bound": None}

        def on_bound(value: float) -> None:
            if not math.isfinite(value):
                return
            with lock:
                seen["bound"] = int(math.floor(value + 1e-6))
                best, bound = seen["best"], seen["bound"]
            report(best, bound)

        class _OnSolution(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                value = self.objective_value
                if not math.isfinite(value):
                    return
                with lock:
                    seen["best"] = int(round(value))
                    best, bound = seen["best"], seen["bound"]
                report(best, bound)

        callback = _OnSolution()
        solver.best_bound_callback = on_bound

    watcher = None
    done = threading.Event()
    if stop is not None:
        def watch():
            # StopSearch before Solve has started is lost, so keep asking until it returns
            while not done.is_set():
                if stop.wait(0.1):
                    solver.stop_search()
                    time.sleep(0.05)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    status = solver.solve(model, callback)
    done.set()
    status_name = solver.status_name(status)
    assigned: dict[int, tuple[int, list[int]]] = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for (r, t), a in a_vars.items():
            if solver.boolean_value(a):
                assigned[r] = (t, [s for s, x in x_of[(r, t)] if solver.boolean_value(x)])
        obj = int(round(solver.objective_value))
        bound = int(np.floor(solver.best_objective_bound + 1e-6))
        # a search that ends by proving optimality does not always call the bound callback
        report(obj, bound)
    else:
        obj, bound = 0, None
        if status == cp_model.INFEASIBLE:
            bound = 0
    return SubResult(assigned, obj, bound, status_name, n_vars, time.perf_counter() - began)
