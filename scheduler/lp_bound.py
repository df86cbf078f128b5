"""A proven bound from the LP relaxation of the exact model, solved with GLOP.

CP-SAT's own bound on this model stalls well above the LP optimum (on
medium.json about 380,000 against an LP value of 355,000), so the LP is
solved separately and the smaller of the two bounds is reported.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict

from ortools.linear_solver.python import model_builder

from .compiled import Compiled
from .cpsat import SubProblem, clique_cuts, collect_pairs, model_pairs


def lp_bound(c: Compiled, sub: SubProblem, time_limit: float = 30.0, stop=None) -> int | None:
    """Upper bound on fixed_objective + the best the free requests can add; None if not solved."""
    began = time.perf_counter()
    lp = model_builder.Model()
    objective = []
    a_by_request: dict[int, list] = defaultdict(list)
    for t, pairs in collect_pairs(c, sub).items():
        if time.perf_counter() - began > time_limit / 2 or (stop is not None and stop.is_set()):
            return None
        arcs, per_tday, week = [], defaultdict(list), []
        for p in model_pairs(c, t, pairs, {}, int(c.max_week[t] - sub.state.week_count[t])):
            spw = int(c.spw[p.r])
            name = c.pair_name(p.r, t)
            a = lp.new_num_var(0, 1, f"a[{name}]")
            a_by_request[p.r].append(a)
            objective.append(c.weight(p.r, t) * a)
            week.append((spw, a))
            xs, per_day = [], defaultdict(list)
            span = int(c.dur[p.r]) + c.brk
            for s, d, td in zip(p.starts.tolist(), p.days.tolist(), p.tdays.tolist()):
                x = lp.new_num_var(0, 1, f"x[{name},{s}]")
                xs.append(x)
                per_day[d].append(x)
                per_tday[td].append(x)
                arcs.append((s, span, x))
            lp.add(sum(xs) == spw * a)
            for day_xs in per_day.values():
                lp.add(sum(day_xs) <= a)
        if not week:
            continue
        lp.add(sum(k * a for k, a in week) <= int(c.max_week[t] - sub.state.week_count[t]))
        for td, xs in per_tday.items():
            lp.add(sum(xs) <= int(c.max_day[t] - sub.state.day_count[t, td]))
        for members in clique_cuts(arcs):
            lp.add(sum(members) <= 1)
    schools: dict[int, list] = defaultdict(list)
    for r, avs in a_by_request.items():
        lp.add(sum(avs) <= 1)
        schools[int(c.r_school[r])].extend(avs)
    for s, avs in schools.items():
        if s not in sub.served_schools and c.bonus:
            b = lp.new_num_var(0, 1, f"bonus[{c.instance.schools[s].id}]")
            lp.add(b <= sum(avs))
            objective.append(c.bonus * b)
    remaining = time_limit - (time.perf_counter() - began)
    if remaining <= 0.1 or (stop is not None and stop.is_set()):
        return None
    lp.maximize(sum(objective))
    solver = model_builder.Solver("glop")
    solver.set_time_limit_in_seconds(remaining)
    if solver.solve(lp) != model_builder.SolveStatus.OPTIMAL:
        return None
    value = solver.objective_value
    # floating point: leave a margin before rounding down to the integer score
    return sub.fixed_objective + int(math.floor(value * (1 + 1e-7) + 1e-4))
