"""The project's solver: greedy warm start, then one exact CP-SAT model or, when that is too big,
large-neighbourhood search over groups of teachers; re-planning keeps still-valid assignments."""
from __future__ import annotations

import random
import threading
from concurrent.futures import FIRST_COMPLETED, wait
import time
from collections import defaultdict
from typing import Callable

import numpy as np

from .bounds import lagrangian_bound
from .compiled import Compiled, TeacherState
from .cpsat import SubProblem, solve_subproblem
from .distributed import LocalPieces
from .greedy import greedy_assign, lp_guided
from .lp_bound import lp_bound
from .lp_duals import lp_multipliers, release_freed_memory
from .model import Instance, Solution
from .reasons import build_solution
from .tick_bound import Entries, tick_bound

Assigned = dict[int, tuple[int, list[int]]]

# Above this many (request, teacher) pairs one model is too slow to improve on
# the greedy in a minute on 2 cores; below it the single model also gives the
# best proven bound.
FULL_MODEL_PAIRS = 20_000
SMALL_MODEL_PAIRS = 2_000
GREEDY_SHARE = 0.05        # of the time limit, for greedy orders after the first-come one
LNS_SHARE = 0.85          # of the time after the LP, before the whole model takes over
LNS_SUB_SECONDS = 1.5
PIECE_GRACE = 3.0         # seconds past the deadline to wait for remote pieces before giving them up
# of the time limit, for the bound on instances too big for GLOP's LP: all of it (at most
# BOUND_SECONDS), of which PDLP gets its share (and the count relaxation its own, only if PDLP
# gives no duals), the time-indexed Lagrangian from the duals the rest. PDLP needs ~640
# iterations, 20 s on 2 cores, at 2,000 x 6,000 for a bound within 0.3 % of the LP (10 s: 1 %)
BOUND_SHARE = 0.20
BOUND_SECONDS = 150.0
COUNT_BOUND_SHARE = 0.02
PDLP_SHARE = 0.17
# time kept back for the final fill, the reasons and the JSON (measured: up to ~0.8 ms a request)
SAFETY_SECONDS = 1.0
SAFETY_PER_REQUEST = 0.0012


def _keep_previous(c: Compiled, previous: Solution, state: TeacherState) -> Assigned:
    """Previous assignments that are still valid, highest priority first when capacity shrank."""
    candidates = []
    for assignment in previous.assignments:
        parsed = c.from_assignment(assignment)
        if parsed is None:
            continue
        r, t, ticks = parsed
        candidates.append((r, t, ticks))
    candidates.sort(key=lambda x: (-c.prio[x[0]], x[0]))
    kept: Assigned = {}
    for r, t, ticks in candidates:
        if r in kept or t not in set(c.pairs[r].tolist()) or len(ticks) != c.spw[r]:
            continue
        pos = np.searchsorted(c.r_ticks[r], ticks)
        if np.any(pos >= len(c.r_ticks[r])) or np.any(c.r_ticks[r][np.minimum(pos, len(c.r_ticks[r]) - 1)] != ticks):
            continue
        local_days = [int(c.school_day(r, x)) for x in ticks]
        if len(set(local_days)) != len(local_days):
            continue
        if state.week_count[t] + len(ticks) > c.max_week[t]:
            continue
        free = state.free[int(c.dur[r])]
        if not all(free[t, x] for x in ticks):
            continue
        ok = True
        tdays = [int(c.teacher_day(t, x)) for x in ticks]
        for td in set(tdays):
            if state.day_count[t, td] + tdays.count(td) > c.max_day[t]:
                ok = False
        if not ok or any(state.clash(a, b, int(c.dur[r])) for i, a in enumerate(ticks) for b in ticks[i + 1:]):
            continue
        state.place(r, t, ticks)
        kept[r] = (t, ticks)
    return kept


def _state_of(c: Compiled, assigned: Assigned) -> TeacherState:
    state = TeacherState(c)
    for r, (t, ticks) in assigned.items():
        state.place(r, t, ticks)
    return state


def _fill(c: Compiled, assigned: Assigned, pinned: set[int]) -> Assigned:
    """Insert any request that still fits somewhere (only raises the score)."""
    state = _state_of(c, assigned)
    more, _ = greedy_assign(c, state=state, skip=set(assigned) | pinned)
    out = dict(assigned)
    out.update(more)
    return out


class _Progress:
    def __init__(self, callback, started):
        self.callback = callback
        self.started = started
        self.best = None
        self.bound = None

    def __call__(self, info: dict) -> None:
        if self.callback is None:
            return
        obj, bnd = info.get("objective"), info.get("bound")
        if obj is not None:
            self.best = obj if self.best is None else max(self.best, obj)
        if bnd is not None:
            self.bound = bnd if self.bound is None else min(self.bound, bnd)
        gap = None
        if self.best is not None and self.bound:
            gap = max(0.0, (self.bound - self.best) / self.bound)
        self.callback({"seconds": round(time.perf_counter() - self.started, 2),
                       "objective": self.best, "bound": self.bound, "gap": gap})


def solve(instance: Instance, time_limit: float = 60.0, workers: int = 2,
          previous: Solution | None = None, progress: Callable[[dict], None] | None = None,
          stop: threading.Event | None = None, seed: int = 0, pieces=None) -> Solution:
    """Best timetable found within `time_limit` seconds, with a proven bound.
    `pieces` (a scheduler.distributed.RQPieces) solves the neighbourhoods on RQ workers."""
    started = time.perf_counter()
    report = _Progress(progress, started)
    finished = threading.Event()
    if progress is not None:
        # a heartbeat, so whoever waits on a long run sees the clock move between improvements
        def beat():
            while not finished.wait(5.0):
                report({})
        threading.Thread(target=beat, daemon=True).start()
    if pieces is not None:
        pieces.start(instance)
    try:
        return _solve(instance, time_limit, workers, previous, report, stop, seed, started, pieces)
    finally:
        finished.set()
        if pieces is not None:
            pieces.close()


def _solve(instance, time_limit, workers, previous, report, stop, seed, started, pieces) -> Solution:
    c = Compiled(instance)
    reserve = SAFETY_SECONDS + SAFETY_PER_REQUEST * c.n_requests
    deadline = started + max(0.5 * time_limit, time_limit - reserve)
    base = TeacherState(c)
    pinned: Assigned = _keep_previous(c, previous, base) if previous is not None else {}
    # multi-start greedy: first-come order, then most-constrained requests first within a priority
    greedy_part: Assigned = {}
    best_score = -1
    for order in _greedy_orders(c):
        part, _ = greedy_assign(c, order=order, state=_copy_state(base), skip=set(pinned))
        score = c.score({**pinned, **part})
        if score > best_score:
            greedy_part, best_score = part, score
            report({"objective": best_score, "bound": None})
        if time.perf_counter() > started + GREEDY_SHARE * time_limit:
            break
    best: Assigned = {**pinned, **greedy_part}
    report({"objective": best_score, "bound": None})
    free = [r for r in range(c.n_requests) if r not in pinned and len(c.pairs[r])]
    n_pairs = sum(len(c.pairs[r]) for r in free)
    stats: dict = {"pairs": n_pairs, "greedy": best_score}

    bound = None
    if n_pairs > FULL_MODEL_PAIRS:   # kept assignments only lower the optimum: still a bound
        # too big for GLOP: the LP of the time-indexed model solved roughly by PDLP, whose duals
        # start the Lagrangian of that model (each value a true bound, whatever PDLP's accuracy);
        # without them, the Lagrangian of the count relaxation (fast, loose) starts it
        bound_end = time.perf_counter() + min(BOUND_SECONDS, BOUND_SHARE * time_limit)
        entries = Entries(c)
        lp_stats: dict = {}
        pdlp_seconds = min(PDLP_SHARE * time_limit, bound_end - time.perf_counter())
        multipliers = lp_multipliers(c, seconds=pdlp_seconds, entries=entries, stats=lp_stats,
                                     threads=max(1, min(2, workers)))
        stats.update(lp_stats)
        bound, start = None, multipliers
        if multipliers is None:
            start = {}
            bound = lagrangian_bound(c, seconds=min(30.0, COUNT_BOUND_SHARE * time_limit), iterations=10_000,
                                     target=best_score, multipliers=start)
            stats["lagrangian_bound"] = bound
            report({"bound": bound})
        timed = tick_bound(c, seconds=bound_end - time.perf_counter(), target=best_score,
                           entries=entries, multipliers=start)
        del entries
        bound = timed if bound is None else min(bound, timed)
        stats["tick_bound"] = timed
        if multipliers is not None:
            # PDLP's relaxed timetable, rounded, is a far better start for the search than any greedy order
            rounded = lp_guided(c, multipliers["pair_request"], multipliers["pair_teacher"], multipliers["serve"],
                                _copy_state(base), set(pinned))
            stats["lp_guided"] = c.score({**pinned, **rounded})
            if stats["lp_guided"] > best_score:
                best, best_score = {**pinned, **rounded}, stats["lp_guided"]
                report({"objective": best_score})
        del multipliers, start
        release_freed_memory()
    if bound is not None:
        report({"bound": bound})
    global_bound = bound
    if pinned and global_bound is None:
        every = [r for r in range(c.n_requests) if len(c.pairs[r])]
        if sum(len(c.pairs[r]) for r in every) <= FULL_MODEL_PAIRS:
            global_bound = lp_bound(c, SubProblem(every, TeacherState(c)),
                                    time_limit=min(10.0, 0.15 * time_limit))
    status = "FEASIBLE"
    pinned_schools = {int(c.r_school[r]) for r in pinned}
    fixed_objective = c.score(pinned) if pinned else 0

    if not free:
        status, bound = "OPTIMAL", best_score
    elif n_pairs <= FULL_MODEL_PAIRS:
        sub = SubProblem(free, base, served_schools=pinned_schools, fixed_objective=fixed_objective)
        if n_pairs > SMALL_MODEL_PAIRS:
            # the LP of the exact model bounds far better than CP-SAT's own bound gets to
            lp = lp_bound(c, sub, time_limit=min(30.0, 0.4 * (deadline - time.perf_counter())), stop=stop)
            stats["lp_bound"] = lp
            if lp is not None:
                bound = lp if bound is None else min(bound, lp)
                report({"bound": bound})
            # our neighbourhoods improve faster than one big search at first...
            lns_deadline = time.perf_counter() + LNS_SHARE * (deadline - time.perf_counter())
            best, stats_lns = _lns(c, best, set(pinned), lns_deadline, workers, report, stop, seed, bound,
                                   pieces)
            stats.update(stats_lns)
            best_score = c.score(best)
        # ...then the whole model, warm-started from the best so far, proves or polishes
        remaining = deadline - time.perf_counter()
        if remaining > 0.2 and not (stop and stop.is_set()):
            sub.hint = {r: best[r] for r in free if r in best}
            res = solve_subproblem(c, sub, time_limit=remaining, workers=workers, progress=report,
                                   stop=stop, started=started, bound_cap=bound,
                                   extra_params={"linearization_level": 2})
            stats["model_vars"] = res.n_vars
            if res.bound is not None:
                whole = fixed_objective + res.bound
                bound = whole if bound is None else min(bound, whole)
            if res.status in ("OPTIMAL", "FEASIBLE"):
                candidate = {**pinned, **res.assigned}
                if c.score(candidate) >= best_score:
                    best = candidate
                    best_score = c.score(best)
                if res.status == "OPTIMAL":
                    status = "OPTIMAL"
    else:
        best, stats_lns = _lns(c, best, set(pinned), deadline, workers, report, stop, seed, bound, pieces)
        stats.update(stats_lns)
        best_score = c.score(best)

    best = _fill(c, best, set(pinned))
    best_score = c.score(best)
    if pinned:
        # The bound so far holds with the kept assignments fixed; `bound` must hold for the
        # instance itself, so relax the kept ones again (the LP when small, else the greedy-free
        # Lagrangian bound, which never looked at them).
        stats["bound_with_kept_fixed"] = bound
        bound = global_bound
        if stats["bound_with_kept_fixed"] is not None and status == "OPTIMAL" \
                and stats["bound_with_kept_fixed"] <= best_score:
            stats["optimal_with_kept_fixed"] = True
        status = "FEASIBLE"
    if bound is None:
        bound = _trivial_bound(c)
    if bound <= best_score:
        bound, status = best_score, "OPTIMAL"
    state = _state_of(c, best)
    solution = build_solution(c, best, state, solver="kelas-nusantara-cpsat", status=status,
                              bound=bound, seconds=time.perf_counter() - started)
    if previous is not None:
        prev_existing = sum(1 for a in previous.assignments if a.request in c.request_index)
        solution.moved = prev_existing - len(pinned)
        stats["kept"] = len(pinned)
    solution.stats = stats
    report({"objective": best_score, "bound": bound})
    return solution


def _trivial_bound(c: Compiled) -> int:
    """Every request with its best possible teacher, every reachable school's bonus."""
    total, schools = 0, set()
    for r, teachers in enumerate(c.pairs):
        if len(teachers):
            total += int(c.weights(r, teachers).max())
            schools.add(int(c.r_school[r]))
    return total + c.bonus * len(schools)


def _greedy_orders(c: Compiled):
    rs = range(c.n_requests)
    n_pairs = [len(p) for p in c.pairs]
    supply = [int(c.max_week[p].sum()) if len(p) else 0 for p in c.pairs]
    yield sorted(rs, key=lambda r: (-c.prio[r], r))
    yield sorted(rs, key=lambda r: (-c.prio[r], n_pairs[r], r))
    yield sorted(rs, key=lambda r: (-c.prio[r], supply[r], r))
    yield sorted(rs, key=lambda r: (-c.prio[r], -c.spw[r], n_pairs[r], r))


def _copy_state(state: TeacherState) -> TeacherState:
    copy = TeacherState.__new__(TeacherState)
    copy.c = state.c
    copy.free = {d: m.copy() for d, m in state.free.items()}
    copy.day_count = state.day_count.copy()
    copy.week_count = state.week_count.copy()
    copy.placed = list(state.placed)
    return copy


class _Incumbent:
    """The search's best timetable, with each teacher's requests, the schools it serves and its
    score kept up to date as pieces are merged in (rebuilding them for every piece cost more
    than solving the piece at 5,000 x 20,000)."""

    def __init__(self, c: Compiled, assigned: Assigned):
        self.c = c
        self.assigned: Assigned = {}
        self.on_teacher: dict[int, set[int]] = defaultdict(set)
        self.served_in: dict[int, int] = defaultdict(int)     # school -> requests served
        self.weight = 0
        for r, (t, ticks) in assigned.items():
            self._add(r, t, ticks)

    @property
    def score(self) -> int:
        return self.weight + self.c.bonus * len(self.served_in)

    def _add(self, r: int, t: int, ticks: list[int]) -> None:
        self.assigned[r] = (t, ticks)
        self.on_teacher[t].add(r)
        self.served_in[int(self.c.r_school[r])] += 1
        self.weight += self.c.weight(r, t)

    def _remove(self, r: int) -> None:
        t, _ = self.assigned.pop(r)
        self.on_teacher[t].discard(r)
        school = int(self.c.r_school[r])
        self.served_in[school] -= 1
        if not self.served_in[school]:
            del self.served_in[school]
        self.weight -= self.c.weight(r, t)

    def score_with(self, chosen: set[int], result: Assigned) -> int:
        """The score if `chosen`'s assignments were replaced by `result`."""
        c = self.c
        weight = self.weight - sum(c.weight(r, self.assigned[r][0]) for r in chosen if r in self.assigned) \
            + sum(c.weight(r, t) for r, (t, _) in result.items())
        change: dict[int, int] = defaultdict(int)
        for r in chosen:
            if r in self.assigned:
                change[int(c.r_school[r])] -= 1
        for r in result:
            change[int(c.r_school[r])] += 1
        schools = len(self.served_in) + sum(
            (self.served_in.get(s, 0) + d > 0) - (self.served_in.get(s, 0) > 0) for s, d in change.items())
        return weight + c.bonus * schools

    def replace(self, chosen: set[int], result: Assigned) -> None:
        for r in chosen:
            if r in self.assigned:
                self._remove(r)
        for r, (t, ticks) in result.items():
            self._add(r, t, ticks)

    def placed_on(self, teachers: set[int], leaving: set[int]) -> list[tuple[int, int, list[int]]]:
        """The sessions on `teachers` of every request but `leaving`."""
        return [(r, t, self.assigned[r][1]) for t in teachers for r in self.on_teacher.get(t, ())
                if r not in leaving]


def _neighbourhood(c: Compiled, assigned: Assigned, pinned: set[int], rng: random.Random,
                   teacher_requests: dict[int, set[int]], candidates_of: dict[int, list[int]],
                   max_pairs: int) -> tuple[list[int], set[int]]:
    """A few teachers who could swap work (they share a subject and grade), the requests on
    them, and a sample of unserved requests that could use them."""
    seed_t = rng.randrange(c.n_teachers)
    while not candidates_of.get(seed_t):
        seed_t = rng.randrange(c.n_teachers)
    similar = set()
    for ri in rng.sample(candidates_of[seed_t], min(5, len(candidates_of[seed_t]))):
        similar.update(c.pairs[ri].tolist())
    similar.discard(seed_t)
    pool = sorted(similar)
    rng.shuffle(pool)
    teachers = {seed_t}
    requests: set[int] = set()
    pairs = 0
    for t in [seed_t] + pool:
        if pairs >= max_pairs:
            break
        teachers.add(t)
        for r in sorted(teacher_requests.get(t, ())):
            if r not in pinned and r not in requests:
                requests.add(r)
                pairs += len(c.pairs[r])  # over-counts: only pairs inside the group become variables
        if len(teachers) >= 4 and pairs >= max_pairs:
            break
    # unserved requests that could use the group, high value first with some noise
    in_group: dict[int, int] = defaultdict(int)     # unserved request -> its pairs inside the group
    for t in sorted(teachers):
        for r in candidates_of.get(t, ()):
            if r not in assigned and r not in pinned:
                in_group[r] += 1
    waiting = list(in_group)
    rng.shuffle(waiting)
    waiting.sort(key=lambda r: -(c.prio[r] * c.spw[r]) * (0.7 + 0.6 * rng.random()))
    inside = 0
    for r in waiting:
        k = in_group[r]
        if inside + k > max_pairs:
            break
        requests.add(r)
        inside += k
    return sorted(requests), teachers


def _lns(c: Compiled, best: Assigned, pinned: set[int], deadline: float, workers: int,
         report, stop, seed: int, bound, pieces=None) -> tuple[Assigned, dict]:
    """Large-neighbourhood search. With N workers, N sub-models (one CP-SAT worker each) run at
    once on disjoint teachers and requests, so their results can be merged into the incumbent."""
    rng = random.Random(seed)
    candidates_of: dict[int, list[int]] = defaultdict(list)
    for r in range(c.n_requests):
        if r not in pinned:
            for t in c.pairs[r].tolist():
                candidates_of[t].append(r)
    incumbent = _Incumbent(c, best)
    iterations = improved = 0
    max_pairs = 600
    busy_teachers: set[int] = set()
    busy_requests: set[int] = set()
    inflight: dict = {}
    runner = pieces if pieces is not None else LocalPieces(workers)
    if pieces is None:
        runner.c, runner.stop = c, stop
    parallel = runner.in_flight
    failed = 0

    def submit() -> bool:
        best = incumbent.assigned
        requests, teachers = _neighbourhood(c, best, pinned, rng, incumbent.on_teacher, candidates_of,
                                            max_pairs)
        teachers -= busy_teachers
        requests = [r for r in requests if r not in busy_requests
                    and (r not in best or best[r][0] in teachers)]
        if not requests or not teachers:
            return False
        chosen = set(requests)
        leaving: dict[int, int] = defaultdict(int)
        for r in chosen:
            if r in best:
                leaving[int(c.r_school[r])] += 1
        served_outside = {s for s, n in incumbent.served_in.items() if n > leaving.get(s, 0)}
        sub = SubProblem(requests, TeacherState.for_teachers(c, teachers, incumbent.placed_on(teachers, chosen)),
                         teachers=teachers, served_schools=served_outside,
                         hint={r: best[r] for r in requests if r in best},
                         fixed_objective=incumbent.score_with(chosen, {}))
        limit = min(LNS_SUB_SECONDS, deadline - time.perf_counter() - 0.3)
        if limit < 0.3:
            return False
        future = runner.submit(sub, limit)
        inflight[future] = (chosen, teachers, limit)
        busy_teachers.update(teachers)
        busy_requests.update(chosen)
        return True

    try:
        while True:
            attempts = 0
            while (len(inflight) < parallel and attempts < 5 and time.perf_counter() < deadline - 0.5
                   and not (stop and stop.is_set())):
                attempts += 0 if submit() else 1
            if not inflight:
                break
            done, _ = wait(list(inflight), timeout=max(0.5, deadline - time.perf_counter() + PIECE_GRACE),
                           return_when=FIRST_COMPLETED)
            if not done:      # a remote worker vanished with our pieces: stop waiting for them
                failed += len(inflight)
                break
            for future in done:
                chosen, teachers, limit = inflight.pop(future)
                busy_teachers.difference_update(teachers)
                busy_requests.difference_update(chosen)
                try:
                    res = future.result()
                except Exception:     # a failed remote piece only loses that neighbourhood
                    failed += 1
                    continue
                iterations += 1
                if res.status not in ("OPTIMAL", "FEASIBLE"):
                    continue
                score = incumbent.score_with(chosen, res.assigned)
                if score > incumbent.score:
                    incumbent.replace(chosen, res.assigned)
                    improved += 1
                    report({"objective": score, "bound": bound})
                # grow the neighbourhood while sub-models solve fast, shrink when they time out
                if res.status == "OPTIMAL" and res.seconds < 0.4 * limit:
                    max_pairs = min(6000, int(max_pairs * 1.15))
                elif res.status != "OPTIMAL":
                    max_pairs = max(150, int(max_pairs * 0.8))
    finally:
        if pieces is None:
            runner.close()
    return incumbent.assigned, {"lns_iterations": iterations, "lns_improved": improved, "lns_max_pairs": max_pairs,
                  "lns_failed_pieces": failed, "lns_remote": pieces is not None}
