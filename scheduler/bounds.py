"""A cheap proven upper bound that scales to any size: Lagrangian relaxation of teacher capacity.

Drop the clock inside a day and keep, per teacher, a weekly capacity and a
capacity per local day (the smaller of the day limit and how many sessions fit
in that day's availability). With multipliers lam_t >= 0 (week) and
mu_td >= 0 (day), a served pair (r, t) costs spw_r * lam_t plus, for each of
its spw_r sessions on distinct school days, the mu of the teacher day it
falls on (the cheapest such day, to stay a relaxation). For any multipliers,
    sum lam * cap_week + sum mu * cap_day + sum over schools of (their positive reduced values,
    + the fairness bonus if serving one of its requests is worth it)
bounds the score from above; subgradient steps tighten it.
"""
from __future__ import annotations

import time

import numpy as np

from .compiled import DAY, WEEK, Compiled

BIG = 1e12


def teacher_day_capacity(c: Compiled) -> np.ndarray:
    """(teachers, 7): most sessions a teacher can hold on each local day."""
    cap = np.zeros((c.n_teachers, 7), dtype=np.float64)
    if not c.durations:
        return cap
    shortest = min(c.durations)
    starts = c.tstart[shortest]
    for t in range(c.n_teachers):
        local = np.roll(starts[t], int(c.t_off[t])).reshape(7, DAY)
        for d in range(7):
            n, last = 0, -10 ** 9
            for x in np.flatnonzero(local[d]).tolist():   # greedy packing is the most that fits
                if x >= last:
                    n += 1
                    last = x + shortest + c.brk
            cap[t, d] = min(n, int(c.max_day[t]))
    return cap


def teacher_capacities(c: Compiled) -> tuple[np.ndarray, np.ndarray]:
    """The day and week limits as every relaxation here prices them, tightened by how many sessions fit in a
    day's availability (implied by the exact model): (teachers, 7) and (teachers,)."""
    cap_day = teacher_day_capacity(c)
    return cap_day, np.minimum(c.max_week.astype(np.float64), cap_day.sum(axis=1))


def _pair_days(c: Compiled):
    """Per pair: request, teacher, and for each school day the cheapest-to-cover teacher days."""
    rows_r, rows_t, first, last = [], [], [], []
    for r, teachers in enumerate(c.pairs):
        if not len(teachers):
            continue
        ticks = c.r_ticks[r]
        ok = c.tstart[int(c.dur[r])][np.ix_(teachers, ticks)]
        tdays = ((ticks[None, :] + c.t_off[teachers][:, None]) % WEEK) // DAY
        f = np.full((len(teachers), 7), -1, dtype=np.int64)
        l = np.full((len(teachers), 7), -1, dtype=np.int64)
        for d in range(7):
            sel = c.r_days[r] == d
            if not sel.any():
                continue
            m = ok[:, sel]
            td = tdays[:, sel]
            has = m.any(axis=1)
            f[:, d] = np.where(has, np.where(m, td, 99).min(axis=1), -1)
            l[:, d] = np.where(has, np.where(m, td, -1).max(axis=1), -1)
        rows_r.append(np.full(len(teachers), r))
        rows_t.append(teachers)
        first.append(f)
        last.append(l)
    return (np.concatenate(rows_r), np.concatenate(rows_t), np.concatenate(first), np.concatenate(last))


def school_values(c: Compiled, per_request: np.ndarray) -> np.ndarray:
    """Each school's best value given each request's best reduced value (-BIG: cannot be served):
    its positive requests, plus the fairness bonus if serving at least one is worth it."""
    n = len(c.instance.schools)
    school_sum = np.bincount(c.r_school, weights=np.maximum(per_request, 0.0), minlength=n)
    school_best = np.full(n, -BIG)
    np.maximum.at(school_best, c.r_school, per_request)
    return np.where(school_best > 0, school_sum + c.bonus, np.maximum(0.0, school_best + c.bonus))


def served_requests(c: Compiled, per_request: np.ndarray) -> np.ndarray:
    """Which requests the per-school optimum of school_values serves."""
    school_best = np.full(len(c.instance.schools), -BIG)
    np.maximum.at(school_best, c.r_school, per_request)
    best = school_best[c.r_school]
    rescue = (best <= 0) & (best + c.bonus > 0) & (per_request == best)
    return (per_request > 0) | rescue


def lagrangian_bound(c: Compiled, seconds: float = 5.0, iterations: int = 400, target: float = 0.0,
                     multipliers: dict | None = None) -> int:
    """A proven upper bound on the score; the more iterations, the tighter.
    `target` is a known score (the greedy's), used for Polyak step lengths. If `multipliers` is
    a dict, the week and day multipliers of the best value are left in it ("lam", "mu")."""
    began = time.perf_counter()
    if not any(len(p) for p in c.pairs):
        return 0
    pr, pt, tdf, tdl = _pair_days(c)
    w = c.weights(pr, pt).astype(np.float64)
    spw = c.spw[pr]
    cap_day, cap_week = teacher_capacities(c)
    lam = np.zeros(c.n_teachers)
    mu = np.zeros((c.n_teachers, 7))
    has_day = tdf >= 0
    # flat indices into mu, computed once; the "last" teacher day differs from the first only
    # when a window crosses the teacher's midnight
    flat_f = pt[:, None] * 7 + np.maximum(tdf, 0)
    split = bool((tdf != tdl).any())
    flat_l = pt[:, None] * 7 + np.maximum(tdl, 0)
    rows = np.arange(len(pr))
    best = np.inf
    alpha, stall = 1.0, 0
    for _ in range(iterations):
        flat_mu = mu.ravel()
        cost = np.where(has_day, flat_mu[flat_f], BIG)
        if split:
            cost_l = np.where(has_day, flat_mu[flat_l], BIG)
            use_last = cost_l < cost
            cost = np.minimum(cost, cost_l)
        else:
            use_last = np.zeros_like(has_day)
        order = np.argsort(cost, axis=1)
        sorted_cost = np.take_along_axis(cost, order, axis=1)
        csum = np.cumsum(sorted_cost, axis=1)
        day_cost = csum[rows, spw - 1]
        reduced = w - lam[pt] * spw - day_cost
        per_request = np.full(c.n_requests, -BIG)
        np.maximum.at(per_request, pr, reduced)
        value = float(lam @ cap_week + (mu * cap_day).sum() + school_values(c, per_request).sum())
        if value < best - 1e-6 * abs(best if best < np.inf else 1.0):
            best, stall = value, 0
            if multipliers is not None:
                multipliers.update(lam=lam, mu=mu)
        else:
            stall += 1
            if stall >= 5:
                alpha, stall = alpha / 2, 0
        if time.perf_counter() - began > seconds:
            break
        # subgradient at the relaxed choice: one best pair per request if it pays
        chosen = (reduced >= per_request[pr] - 1e-9) & served_requests(c, per_request)[pr]
        idx = np.flatnonzero(chosen)
        _, keep = np.unique(pr[idx], return_index=True)
        idx = idx[keep]
        use_week = np.zeros(c.n_teachers)
        np.add.at(use_week, pt[idx], spw[idx])
        use_day = np.zeros((c.n_teachers, 7))
        for k in range(7):
            sel = idx[spw[idx] > k]
            d = order[sel, k]
            td = np.where(use_last[sel, d], tdl[sel, d], tdf[sel, d])
            np.add.at(use_day, (pt[sel], td), 1.0)
        g_week = cap_week - use_week
        g_day = cap_day - use_day
        norm = float(g_week @ g_week + (g_day * g_day).sum())
        if norm == 0:
            break
        scale = alpha * max(value - target, 1e-3 * value) / norm
        lam = np.maximum(0.0, lam - scale * g_week)
        mu = np.maximum(0.0, mu - scale * g_day)
    return int(np.floor(best * (1 + 1e-9) + 1e-6))
