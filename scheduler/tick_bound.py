"""A proven upper bound for instances too big for the LP: Lagrangian relaxation of every
teacher constraint of the exact time-indexed model, solved per school.

Relaxed (with multipliers >= 0): for each teacher and tick, at most one session
(break included) covers the tick (`pi`); at most max/day sessions per teacher-local day
(`mu`, the limit lowered to what fits in that day's availability); at most max/week sessions
(`lam`, likewise). What stays is each school on its own: each of its
requests gets at most one teacher and `spw` sessions on distinct school days, at the
cheapest starts under the multipliers, and the school's fairness bonus is earned only if
one of its requests is served. For ANY multipliers >= 0,

    sum(pi) + sum(mu * day limit) + sum(lam * week limit) + sum over schools of their best value

is at least the best score (weak duality), so the value of every iteration is a true bound
and the smallest one is returned. The multipliers start from PDLP's duals of the LP
(lp_duals.py) when given and follow projected subgradient steps (Polyak lengths towards a
known score). The dual optimum is at most the LP relaxation of the exact model (the
per-school problems are solved exactly, not relaxed). Only left-justified starts take part
(`left_justified`: the same optimum, 4x fewer entries at gen2000), so every iteration is a
few numpy passes over 0.46 M (pair, start) entries at 2,000 x 6,000.
"""
from __future__ import annotations

import time

import numpy as np

from .bounds import BIG, school_values, served_requests, teacher_capacities
from .compiled import DAY, WEEK, Compiled

INF = 1e18


class Entries:
    """The (pair, start)s that matter (see `left_justified`), grouped by (pair, school day)."""

    def __init__(self, c: Compiled):
        pair_r, pair_t = [], []
        e_pair, e_tick, e_day = [], [], []
        n_pairs = 0
        for r, teachers in enumerate(c.pairs):
            if not len(teachers):
                continue
            ticks = c.r_ticks[r]
            ok = c.tstart[int(c.dur[r])][np.ix_(teachers, ticks)]
            k, j = np.nonzero(ok)
            pair_r.append(np.full(len(teachers), r, dtype=np.int64))
            pair_t.append(teachers.astype(np.int64))
            e_pair.append(n_pairs + k)
            e_tick.append(ticks[j])
            e_day.append(c.r_days[r][j])
            n_pairs += len(teachers)
        self.n_pairs = n_pairs
        if not n_pairs:
            return
        self.pr = np.concatenate(pair_r)
        self.pt = np.concatenate(pair_t)
        pair = np.concatenate(e_pair)
        tick = np.concatenate(e_tick)
        day = np.concatenate(e_day)
        keep = left_justified(c, self.pt[pair], pair, tick, day, c.dur[self.pr[pair]] + c.brk)
        pair, tick, day = pair[keep], tick[keep], day[keep]
        group = pair * 7 + day
        order = np.argsort(group, kind="stable")
        pair, tick, group = pair[order], tick[order], group[order]
        t = self.pt[pair]
        span = c.dur[self.pr[pair]] + c.brk
        # covered ticks [tick, tick + span) as a difference of prefix sums on a doubled week;
        # int32 keeps 5,000 x 20,000 (15 M entries) in a few hundred MB
        lo = t * (2 * WEEK + 1) + tick
        self.lo = lo.astype(np.int32)
        self.hi = (lo + span).astype(np.int32)
        self.mu_index = (t * 7 + ((tick + c.t_off[t]) % WEEK) // DAY).astype(np.int32)
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        self.seg_start = starts
        self.seg_group = group[starts]
        self.seg_of_entry = np.repeat(np.arange(len(starts), dtype=np.int32),
                                      np.diff(np.r_[starts, len(group)]))
        self.n_entries = len(group)
        # requests are contiguous in pair order; schools group requests
        self.req_start = np.flatnonzero(np.r_[True, self.pr[1:] != self.pr[:-1]])
        self.requests = self.pr[self.req_start]
        # each pair's position in `requests`
        self.req_of_pair = np.repeat(np.arange(len(self.req_start)), np.diff(np.r_[self.req_start, n_pairs]))


def left_justified(c: Compiled, teacher: np.ndarray, pair: np.ndarray, tick: np.ndarray,
                   day: np.ndarray, span: np.ndarray) -> np.ndarray:
    """Which starts some optimal timetable needs (one entry a row: teacher, pair, start tick,
    school day, session + break length).

    A run is a stretch of a pair's starts one tick apart on one school day and one teacher
    day. In a feasible timetable a session can slide a tick earlier while that start is in its
    run and clashes with none of the teacher's sessions: days, counts and score unchanged.
    When none can, each session is at its run's first start or at the end (+ break) of
    another of the teacher's sessions, which is blocked in turn; the chain ends at a run's
    first start unless the teacher's sessions fill the whole week end to end, impossible when
    her week limit times her longest span is under a week (otherwise all her starts are kept).
    So the starts reached from runs' first starts by adding spans give the same optimum and,
    the Lagrangian being over fewer starts, a bound at least as tight (cpsat.useful_starts is
    the same idea per teacher, without the day breaks)."""
    key = pair * WEEK + tick
    order = np.argsort(key)
    earlier = np.searchsorted(key[order], pair * WEEK + (tick - 1) % WEEK)
    earlier = np.minimum(earlier, len(key) - 1)
    prev_same = key[order][earlier] == pair * WEEK + (tick - 1) % WEEK
    prev_day = day[order][earlier]
    midnight = (tick + c.t_off[teacher]) % DAY == 0
    first = ~prev_same | (prev_day != day) | midnight
    longest = np.zeros(c.n_teachers, dtype=np.int64)
    np.maximum.at(longest, teacher, span)
    first |= (c.max_week * longest >= WEEK)[teacher]
    at = teacher * WEEK + tick
    anyone = np.zeros(c.n_teachers * WEEK, dtype=bool)
    anyone[at] = True
    points = np.zeros(c.n_teachers * WEEK, dtype=bool)
    points[at[first]] = True
    after = teacher * WEEK + (tick + span) % WEEK
    while True:
        reached = after[points[at]]
        new = reached[anyone[reached] & ~points[reached]]
        if not len(new):
            return points[at]
        points[new] = True


class _Lagrangian:
    """The relaxed problem under given prices: its value (a true bound for any prices >= 0) and,
    for the subgradient, the relaxed choice's use of each priced constraint."""

    def __init__(self, c: Compiled, e: Entries):
        self.c, self.e = c, e
        self.w = c.weights(e.pr, e.pt).astype(np.float64)
        self.spw = c.spw[e.pr]
        # the same right-hand sides as bounds.lagrangian_bound, so its multipliers start this one at its value
        self.cap_day, self.cap_week = teacher_capacities(c)
        # each request's best reduced value, -BIG where it has no pair (as bounds.school_values wants)
        self.request_value = np.full(c.n_requests, -BIG)

    def value(self, pi: np.ndarray, mu: np.ndarray, lam: np.ndarray) -> float:
        """sum(pi) + sum(mu * day limit) + sum(lam * week limit) + each school's best value."""
        c, e = self.c, self.e
        doubled = np.concatenate([pi, pi], axis=1)
        prefix = np.zeros((c.n_teachers, 2 * WEEK + 1))
        np.cumsum(doubled, axis=1, out=prefix[:, 1:])
        flat = prefix.ravel()
        self.cost = flat[e.hi] - flat[e.lo] + mu.ravel()[e.mu_index]
        self.seg_min = np.minimum.reduceat(self.cost, e.seg_start)
        # per pair and school day the cheapest start; spw cheapest days per pair
        day_cost = np.full((e.n_pairs, 7), INF)
        day_cost.ravel()[e.seg_group] = self.seg_min
        self.day_order = np.argsort(day_cost, axis=1)
        sorted_cost = np.take_along_axis(day_cost, self.day_order, axis=1)
        used = np.cumsum(sorted_cost, axis=1)[np.arange(e.n_pairs), self.spw - 1]
        self.pair_value = self.w - lam[e.pt] * self.spw - used
        self.per_request = np.maximum.reduceat(self.pair_value, e.req_start)
        self.request_value[e.requests] = self.per_request
        return float(pi.sum() + (mu * self.cap_day).sum() + lam @ self.cap_week
                     + school_values(c, self.request_value).sum())

    def subgradient(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Slack of each priced constraint at the relaxed choice of the last `value` call."""
        c, e, spw = self.c, self.e, self.spw
        T, width = c.n_teachers, 2 * WEEK + 1
        # served requests (the best pair of each), then their starts
        serve = served_requests(c, self.request_value)[e.requests]
        best_pair = self.per_request[e.req_of_pair] == self.pair_value
        chosen = np.flatnonzero(best_pair & serve[e.req_of_pair])
        _, first = np.unique(e.req_of_pair[chosen], return_index=True)
        chosen = chosen[first]
        use_week = np.bincount(e.pt[chosen], weights=spw[chosen], minlength=T)
        # day slots taken by the chosen pairs
        take = np.zeros((e.n_pairs, 7), dtype=bool)
        for k in range(7):
            sel = chosen[spw[chosen] > k]
            take[sel, self.day_order[sel, k]] = True
        seg_taken = take.ravel()[e.seg_group]
        # the argmin start of every taken (pair, day) segment
        at_min = self.cost == self.seg_min[e.seg_of_entry]
        idx = np.flatnonzero(at_min & seg_taken[e.seg_of_entry])
        segs = e.seg_of_entry[idx]
        keep = np.r_[True, segs[1:] != segs[:-1]] if len(idx) else np.zeros(0, dtype=bool)
        idx = idx[keep]
        cover = np.bincount(e.lo[idx], minlength=T * width) - np.bincount(e.hi[idx], minlength=T * width)
        cover = np.cumsum(cover.reshape(T, width), axis=1)[:, :2 * WEEK]
        use_tick = cover[:, :WEEK] + cover[:, WEEK:]
        use_day = np.bincount(e.mu_index[idx], minlength=T * 7).reshape(T, 7)
        return 1.0 - use_tick, self.cap_day - use_day, self.cap_week - use_week


def tick_bound(c: Compiled, seconds: float = 10.0, iterations: int = 100_000,
               target: float = 0.0, entries: Entries | None = None,
               multipliers: dict | None = None) -> int:
    """Best (smallest) Lagrangian value found within `seconds`; a true upper bound on the score.
    `target` is a known score (the greedy's), used for the step lengths. `multipliers` may
    start the day and week multipliers ("mu", "lam", e.g. from bounds.lagrangian_bound, same
    meaning) and the tick ones ("pi", (teachers, WEEK), e.g. from lp_duals.lp_multipliers);
    whatever the start, only its Lagrangian value counts, never the solver's own claim."""
    began = time.perf_counter()
    e = entries or Entries(c)
    if not e.n_pairs:
        return 0
    T = c.n_teachers
    relaxed = _Lagrangian(c, e)
    pi = np.zeros((T, WEEK))
    mu = np.zeros((T, 7))
    lam = np.zeros(T)
    alpha = 2.0
    if multipliers:
        mu, lam = np.maximum(multipliers["mu"], 0.0), np.maximum(multipliers["lam"], 0.0)
        if "pi" in multipliers:
            pi = np.maximum(multipliers["pi"], 0.0)
            alpha = 0.25    # near the optimum already: long steps would only throw it away
    best = np.inf
    stall = 0
    for _ in range(iterations):
        total = relaxed.value(pi, mu, lam)
        if total < best - 1e-9 * abs(total):
            best, stall = total, 0
        else:
            stall += 1
            if stall >= 8:
                alpha, stall = alpha / 2, 0
        if time.perf_counter() - began > seconds or alpha < 1e-6:
            break
        g_pi, g_mu, g_lam = relaxed.subgradient()
        # only components that can move count in the step length (projection keeps pi >= 0)
        m_pi = (pi > 0) | (g_pi < 0)
        m_mu = (mu > 0) | (g_mu < 0)
        m_lam = (lam > 0) | (g_lam < 0)
        norm = float((g_pi[m_pi] ** 2).sum() + (g_mu[m_mu] ** 2).sum() + (g_lam[m_lam] ** 2).sum())
        if norm == 0:
            break
        step = alpha * max(total - target, 1e-4 * total) / norm
        pi = np.maximum(0.0, pi - step * g_pi)
        mu = np.maximum(0.0, mu - step * g_mu)
        lam = np.maximum(0.0, lam - step * g_lam)
    return int(np.floor(best * (1 + 1e-9) + 1e-6))
