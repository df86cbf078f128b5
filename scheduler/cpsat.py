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

from .compiled import DAY, WEEK, Compiled, TeacherState, ranges

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


def collect_pairs(c: Compiled, sub: SubProblem) -> dict[int, list[_Pair]]:
    """Each teacher's pairs with the starts still free for them, less pairs left with too few
    school days (numpy over every (pair, start) of the sub-problem at once)."""
    state = sub.state
    pr, pt = c.pairs_of(np.asarray(sub.requests, dtype=np.int64))
    keep = c.max_week[pt] - state.week_count[pt] >= c.spw[pr]
    if sub.teachers is not None:
        allowed = np.zeros(c.n_teachers, dtype=bool)
        allowed[list(sub.teachers)] = True
        keep &= allowed[pt]
    pr, pt = pr[keep], pt[keep]
    counts = c.tick_offsets[pr + 1] - c.tick_offsets[pr]
    at = ranges(c.tick_offsets[pr], counts)
    pair = np.repeat(np.arange(len(pr)), counts)          # each (pair, start) entry's pair
    tick, day, teacher = c.tick_flat[at], c.day_flat[at], pt[pair]
    length = c.dur[pr][pair]
    ok = np.zeros(len(at), dtype=bool)
    for d, free in state.free.items():
        sel = np.flatnonzero(length == d)
        ok[sel] = free[teacher[sel], tick[sel]]
    tday = ((tick + c.t_off[teacher]) % WEEK) // DAY
    ok &= state.day_count[teacher, tday] < c.max_day[teacher]
    # a pair needs free starts on at least spw school days
    n_days = np.bincount(np.unique(pair[ok] * 7 + day[ok]) // 7, minlength=len(pr))
    ok &= (n_days >= c.spw[pr])[pair]
    pair, tick, day, tday = pair[ok], tick[ok], day[ok], tday[ok]
    by_teacher: dict[int, list[_Pair]] = defaultdict(list)
    if not len(pair):
        return by_teacher
    cuts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]]).tolist() + [len(pair)]
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        k = int(pair[lo])
        r, t = int(pr[k]), int(pt[k])
        by_teacher[t].append(_Pair(r, t, tick[lo:hi], day[lo:hi], tday[lo:hi]))
    return by_teacher


def useful_starts(c: Compiled, t: int, pairs: list[_Pair], hint, room_week: int) -> np.ndarray:
    """Which starts of teacher t's pairs are left-justified (see module doc), over the pairs'
    starts laid end to end. A run of a pair's starts is broken where the school's or the
    teacher's day changes, since sliding a session across midnight would change its day; a
    teacher with room for sessions that could fill the week end to end keeps every start."""
    lengths = [len(p.starts) for p in pairs]
    starts = np.concatenate([p.starts for p in pairs])
    spans = np.array([int(c.dur[p.r]) + c.brk for p in pairs])
    if room_week * int(spans.max()) >= WEEK:
        return np.ones(len(starts), dtype=bool)
    days = np.concatenate([p.days for p in pairs])
    tdays = np.concatenate([p.tdays for p in pairs])
    pair = np.repeat(np.arange(len(pairs)), lengths)
    first = np.cumsum([0] + lengths[:-1])
    prev = np.arange(len(starts)) - 1             # the pair's previous start, round the week
    prev[first] = first + np.array(lengths) - 1
    run_start = ((starts - starts[prev]) % WEEK != 1) | (days != days[prev]) | (tdays != tdays[prev])
    has = np.zeros((len(pairs), WEEK), dtype=bool)
    has[pair, starts] = True
    union = has.any(axis=0)
    points = np.zeros(WEEK, dtype=bool)
    points[starts[run_start]] = True
    for k, p in enumerate(pairs):
        h = hint.get(p.r)
        if h is not None and h[0] == t:
            points[h[1]] = True
    frontier = np.flatnonzero(points)
    while len(frontier):       # close under "+ a session and the break" of a pair starting there
        k, j = np.nonzero(has[:, frontier])
        reached = (frontier[j] + spans[k]) % WEEK
        frontier = np.unique(reached[union[reached] & ~points[reached]])
        points[frontier] = True
    return points[starts]


def model_pairs(c: Compiled, t: int, pairs: list[_Pair], hint, room_week: int) -> Iterator[_Pair]:
    """Teacher t's pairs on their left-justified starts, less those left with too few school days."""
    keep = useful_starts(c, t, pairs, hint, room_week)
    at = 0
    for p in pairs:
        sel = keep[at:at + len(p.starts)]
        at += len(p.starts)
        if len(set(p.days[sel].tolist())) >= int(c.spw[p.r]):
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
PIECE_PARAMS = {"linearization_level": 2, "cp_model_probing_level": 0}


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
    hinted_vars: list[int] = []       # a complete hint, given to the model at once (add_hint is slow)
    hinted_values: list[int] = []
    for t, pairs in by_teacher.items():
        arcs = []        # (start, span, var)
        per_tday: dict[int, list] = defaultdict(list)
        week_terms = []
        room_week = int(c.max_week[t] - sub.state.week_count[t])
        for p in model_pairs(c, t, pairs, hint, room_week):
            spw = int(c.spw[p.r])
            span = int(c.dur[p.r]) + c.brk
            starts = p.starts.tolist()
            # a pair left with exactly its sessions' starts (about half of them in a piece) needs
            # no start Booleans: its sessions take place exactly when it is chosen
            forced = len(starts) == spw
            if forced and any(sub.state.clash(a, b, int(c.dur[p.r]))
                              for i, a in enumerate(starts) for b in starts[i + 1:]):
                continue        # its own sessions clash: it cannot happen
            a = model.new_bool_var(f"a[{c.pair_name(p.r, t)}]")       # teacher t serves request r
            a_vars[(p.r, t)] = a
            a_by_request[p.r].append(a)
            objective.append((a, c.weight(p.r, t)))
            week_terms.append((a, spw))
            h = hint.get(p.r)
            hinted = set(h[1]) if h is not None and h[0] == t else set()
            hinted_vars.append(a.index)
            hinted_values.append(int(bool(hinted)))
            n_vars += 1
            if forced:
                xs = [a] * spw
            else:
                xs = [model.new_bool_var("") for _ in starts]     # a session starts at that tick
                hinted_vars.extend(x.index for x in xs)
                hinted_values.extend(int(s in hinted) for s in starts)
                n_vars += len(xs)
                model.add(cp_model.LinearExpr.sum(xs) == spw * a)
                per_day: dict[int, list] = defaultdict(list)
                for x, d in zip(xs, p.days.tolist()):
                    per_day[d].append(x)
                for day_xs in per_day.values():
                    if len(day_xs) > 1:
                        model.add(cp_model.LinearExpr.sum(day_xs) <= a)
                    else:
                        model.add_implication(day_xs[0], a)
            for s, td, x in zip(starts, p.tdays.tolist(), xs):
                per_tday[td].append(x)
                arcs.append((s, span, x))
            x_of[(p.r, t)] = list(zip(starts, xs))
        if not week_terms:
            continue
        model.add(cp_model.LinearExpr.weighted_sum(*zip(*week_terms)) <= room_week)
        for td, xs in per_tday.items():
            room = int(c.max_day[t] - sub.state.day_count[t, td])
            if len(xs) > room:
                model.add(cp_model.LinearExpr.sum(xs) <= room)
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
        hinted_schools = {int(c.r_school[r]) for r in sub.requests if r in hint}
        for s, avs in schools.items():
            if s in sub.served_schools:
                continue
            b = model.new_bool_var(f"bonus[{c.instance.schools[s].id}]")
            model.add(b <= cp_model.LinearExpr.sum(avs))
            hinted_vars.append(b.index)
            hinted_values.append(int(s in hinted_schools))
            objective.append((b, bonus))
    model.maximize(cp_model.LinearExpr.weighted_sum(*zip(*objective)) if objective else 0)
    model.proto.solution_hint.vars.extend(hinted_vars)
    model.proto.solution_hint.values.extend(hinted_values)

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
