"""First-come greedy: requests in priority order, each to the best teacher that still fits."""
from __future__ import annotations

import time

import numpy as np

from .compiled import Compiled, TeacherState
from .model import Instance, Solution


def greedy_assign(compiled: Compiled, order=None, state: TeacherState | None = None,
                  skip: set[int] | None = None) -> tuple[dict[int, tuple[int, list[int]]], TeacherState]:
    """Assign greedily; returns {request: (teacher, ticks)} and the teacher state after it."""
    c = compiled
    state = state or TeacherState(c)
    if order is None:
        order = sorted(range(c.n_requests), key=lambda r: (-c.prio[r], r))
    chosen: dict[int, tuple[int, list[int]]] = {}
    for ri in order:
        if skip and ri in skip:
            continue
        teachers = c.pairs[ri]
        if len(teachers) == 0:
            continue
        # best teacher first; ties by input order
        for ti in teachers[np.lexsort((teachers, -c.q10[teachers]))]:
            ticks = state.fit(ri, int(ti))
            if ticks is not None:
                state.place(ri, int(ti), ticks)
                chosen[ri] = (int(ti), ticks)
                break
    return chosen, state


def lp_guided(compiled: Compiled, pair_request: np.ndarray, pair_teacher: np.ndarray, serve: np.ndarray,
              state: TeacherState, skip: set[int]) -> dict[int, tuple[int, list[int]]]:
    """A timetable rounded from a relaxed one: the pairs the LP relaxation serves (`serve`, its
    share of each pair) in order of that share times the pair's score, each placed at its earliest
    free starts if its request is still open and the teacher still fits; then the first-come
    greedy for whatever else fits. At 5,000 x 20,000, from PDLP's unfinished solution, this starts
    the search 3.8 % above the first-come greedy (2.8 % above the best of the greedy orders)."""
    c = compiled
    used = np.flatnonzero(serve > 0.01)
    order = used[np.argsort(-(serve[used] * c.weights(pair_request[used], pair_teacher[used])), kind="stable")]
    chosen: dict[int, tuple[int, list[int]]] = {}
    for r, t in zip(pair_request[order].tolist(), pair_teacher[order].tolist()):
        if r in chosen or r in skip:
            continue
        ticks = state.fit(r, t)
        if ticks is not None:
            state.place(r, t, ticks)
            chosen[r] = (t, ticks)
    more, _ = greedy_assign(c, state=state, skip=skip | set(chosen))
    chosen.update(more)
    return chosen


def greedy(instance: Instance, compiled: Compiled | None = None) -> Solution:
    """The baseline the project's solver must never fall below."""
    from .reasons import build_solution
    started = time.perf_counter()
    c = compiled or Compiled(instance)
    chosen, state = greedy_assign(c)
    return build_solution(c, chosen, state, solver="greedy", status="FEASIBLE", bound=None,
                          seconds=time.perf_counter() - started)
