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


def greedy(instance: Instance, compiled: Compiled | None = None) -> Solution:
    """The baseline the project's solver must never fall below."""
    from .reasons import build_solution
    started = time.perf_counter()
    c = compiled or Compiled(instance)
    chosen, state = greedy_assign(c)
    return build_solution(c, chosen, state, solver="greedy", status="FEASIBLE", bound=None,
                          seconds=time.perf_counter() - started)
