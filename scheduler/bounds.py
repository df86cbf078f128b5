"""A cheap proven upper bound that scales to any size: Lagrangian relaxation of teacher capacity.

Drop the clock and keep, per teacher, only a weekly capacity (the smaller of
the weekly limit and the sum over local days of what fits that day). For any
multipliers lam >= 0,
    sum_t lam_t * cap_t + sum_r max(0, max_t (w_rt - lam_t * spw_r)) + bonus * schools
bounds the score from above; subgradient steps on lam tighten it.
"""
from __future__ import annotations

import time

import numpy as np

from .compiled import DAY, WEEK, Compiled


def teacher_capacity(c: Compiled) -> np.ndarray:
    cap = np.zeros(c.n_teachers, dtype=np.float64)
    shortest = min(c.durations) if c.durations else 1
    starts = c.tstart[shortest]
    for t in range(c.n_teachers):
        local = np.roll(starts[t], int(c.t_off[t])).reshape(7, DAY)
        per_day = 0
        for d in range(7):
            ticks = np.flatnonzero(local[d])
            # greedy packing of the shortest session is the most that fits that day
            n, last = 0, -10 ** 9
            for x in ticks.tolist():
                if x >= last:
                    n += 1
                    last = x + shortest + c.brk
            per_day += min(n, int(c.max_day[t]))
        cap[t] = min(int(c.max_week[t]), per_day)
    return cap


def lagrangian_bound(c: Compiled, seconds: float = 5.0, iterations: int = 300) -> int:
    """A proven upper bound on the score; the more iterations, the tighter."""
    began = time.perf_counter()
    rows = [np.full(len(p), r) for r, p in enumerate(c.pairs) if len(p)]
    if not rows:
        return 0
    pr = np.concatenate(rows)
    pt = np.concatenate([p for p in c.pairs if len(p)])
    w = (c.prio[pr] * c.spw[pr] * (50 + c.q10[pt])).astype(np.float64)
    spw = c.spw[pr].astype(np.float64)
    cap = teacher_capacity(c)
    schools = len(set(c.r_school[pr].tolist()))
    bonus = c.instance.fairness_bonus * schools
    n_r = c.n_requests
    lam = np.zeros(c.n_teachers)
    best = np.inf
    step = float(w.mean()) / 10 if len(w) else 1.0
    for it in range(iterations):
        reduced = w - lam[pt] * spw
        per_request = np.full(n_r, 0.0)
        np.maximum.at(per_request, pr, reduced)
        value = float(lam @ cap + per_request.sum() + bonus)
        if value < best:
            best = value
        else:
            step *= 0.9
        # which pair each request would pick at these prices
        chosen = reduced >= per_request[pr] - 1e-9
        chosen &= reduced > 0
        # keep one pair per request
        first = np.zeros(len(pr), dtype=bool)
        idx = np.flatnonzero(chosen)
        _, keep = np.unique(pr[idx], return_index=True)
        first[idx[keep]] = True
        use = np.zeros(c.n_teachers)
        np.add.at(use, pt[first], spw[first])
        grad = cap - use
        norm = float(grad @ grad)
        if norm == 0 or time.perf_counter() - began > seconds:
            break
        lam = np.maximum(0.0, lam - step * grad / np.sqrt(norm))
    return int(np.floor(best + 1e-6))
