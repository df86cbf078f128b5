"""The textbook CP-SAT model the OR-Tools examples suggest, for comparison only:
a Boolean per 5-minute start, an optional interval per start, NoOverlap per teacher."""
from __future__ import annotations

import time
from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.compiled import Compiled
from scheduler.model import Instance, Solution
from scheduler.reasons import build_solution
from scheduler.solve import _state_of


def count_booleans(c: Compiled) -> int:
    total = 0
    for r in range(c.n_requests):
        if len(c.pairs[r]):
            total += int(c.tstart[int(c.dur[r])][c.pairs[r]][:, c.r_ticks[r]].sum())
    return total


def solve_textbook(instance: Instance, time_limit: float = 60.0, workers: int = 2) -> Solution:
    started = time.perf_counter()
    c = Compiled(instance)
    model = cp_model.CpModel()
    intervals = defaultdict(list)
    per_tday = defaultdict(list)
    week = defaultdict(list)
    choice = {}
    starts_of = {}
    objective = []
    by_request = defaultdict(list)
    for r in range(c.n_requests):
        d = int(c.dur[r])
        spw = int(c.spw[r])
        for t in c.pairs[r].tolist():
            ok = c.tstart[d][t, c.r_ticks[r]]
            ticks, days = c.r_ticks[r][ok], c.r_days[r][ok]
            name = c.pair_name(r, t)
            a = model.new_bool_var(f"a[{name}]")
            choice[(r, t)] = a
            by_request[r].append(a)
            objective.append(c.weight(r, t) * a)
            xs, per_day = [], defaultdict(list)
            for s, day in zip(ticks.tolist(), days.tolist()):
                x = model.new_bool_var(f"x[{name},{s}]")
                xs.append((s, x))
                per_day[day].append(x)
                per_tday[(t, int(c.teacher_day(t, s)))].append(x)
                # the break is part of the interval; wrap handled by a second copy a week later
                intervals[t].append(model.new_optional_fixed_size_interval_var(s, d + c.brk, x, ""))
                if s + d + c.brk > 2016:
                    intervals[t].append(model.new_optional_fixed_size_interval_var(s - 2016, d + c.brk, x, ""))
            starts_of[(r, t)] = xs
            model.add(sum(x for _, x in xs) == spw * a)
            for day_xs in per_day.values():
                model.add(sum(day_xs) <= 1)
            week[t].append(spw * a)
    for t, ivs in intervals.items():
        model.add_no_overlap(ivs)
    for (t, _), xs in per_tday.items():
        model.add(sum(xs) <= int(c.max_day[t]))
    for t, terms in week.items():
        model.add(sum(terms) <= int(c.max_week[t]))
    schools = defaultdict(list)
    for r, avs in by_request.items():
        model.add_at_most_one(avs)
        schools[int(c.r_school[r])].extend(avs)
    for school, avs in schools.items():
        b = model.new_bool_var(f"bonus[{instance.schools[school].id}]")
        model.add(b <= sum(avs))
        objective.append(c.bonus * b)
    model.maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - started))
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    assigned = {}
    bound = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for (r, t), a in choice.items():
            if solver.boolean_value(a):
                assigned[r] = (t, [s for s, x in starts_of[(r, t)] if solver.boolean_value(x)])
        bound = int(solver.best_objective_bound + 1e-6)
    elif status != cp_model.UNKNOWN:
        bound = 0
    else:
        bound = int(solver.best_objective_bound + 1e-6) if solver.best_objective_bound < 1e18 else None
    return build_solution(c, assigned, _state_of(c, assigned), solver="textbook-cpsat",
                          status=solver.status_name(status), bound=bound,
                          seconds=time.perf_counter() - started)
