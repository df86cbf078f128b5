"""Multipliers for tick_bound from the LP relaxation of the exact time-indexed model, solved
approximately with PDLP on a sparse matrix built from tick_bound's entries (no Python loop).

The LP (maximised; every variable in [0, 1]):
    a[p] pair p serves its request, x[e] entry e (a pair at one start) is used,
    b[s] school s earns its fairness bonus, z[n] a teacher is idle between two of her ticks;
    each request: sum of its a <= 1; each pair: sum of its x = spw * a; each (pair, school
    day): sum of its x <= a; each school: b <= sum of its a; each teacher local day: its x
    <= the day limit; each teacher: sum of spw * a <= the week limit; and at most one session
    (break included) covers each teacher tick, written as a flow round the teacher's week
    (a node at every start and end tick, an x an arc from its start to its end, a z an arc to
    the next node; flow kept at each node, at most 1 across Monday 00:00 UTC), two non-zeros
    an entry instead of one per covered tick.

PDLP is a first-order method: its duals are approximate and its objective is no proof. Only
the Lagrangian value of its duals, computed by tick_bound (weak duality: any multipliers >= 0
give a bound), is reported. The tick price of the gap after node n is the reduced cost of
the idle arc there, phi[n] - phi[next] (+ the cut's price if the arc crosses the week's
start), clipped at 0 and put on the gap's first tick, so an entry pays the sum over its gaps.
"""
from __future__ import annotations

import ctypes
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from ortools.pdlp import solve_log_pb2, solvers_pb2
from ortools.pdlp.python import pdlp

from .bounds import teacher_capacities
from .compiled import WEEK, Compiled
from .tick_bound import Entries


def lp_multipliers(c: Compiled, seconds: float = 10.0, entries: Entries | None = None,
                   stats: dict | None = None, threads: int = 1) -> dict | None:
    """{"pi", "mu", "lam"} for tick_bound from PDLP's duals after at most `seconds` of PDLP
    (the build comes on top), and PDLP's primal value of each pair ("serve", with "pair_request" and
    "pair_teacher"); None if there is nothing to price or PDLP gave no duals. `stats` gets the sizes,
    times and PDLP's own (unproven) objective."""
    began = time.perf_counter()
    e = entries or Entries(c)
    if not e.n_pairs:
        return None
    # the build's working arrays are gone before PDLP starts (at 5,000 x 20,000 they were 0.4 GB
    # beside PDLP's own copies of the matrix), and so is what the allocator kept of them
    qp, lp = _time_indexed_lp(c, e)
    release_freed_memory()
    built = time.perf_counter()
    params = solvers_pb2.PrimalDualHybridGradientParams()
    params.termination_criteria.simple_optimality_criteria.eps_optimal_relative = 1e-4
    params.termination_criteria.simple_optimality_criteria.eps_optimal_absolute = 1e-4
    params.termination_criteria.time_sec_limit = max(0.1, seconds)
    params.num_threads = threads
    result = pdlp.primal_dual_hybrid_gradient(qp, params)
    objective = np.asarray(qp.objective_vector)
    del qp
    solved = time.perf_counter()

    if len(result.dual_solution) != lp.n_rows:      # PDLP refused the problem: no multipliers
        return None
    T, row = c.n_teachers, lp.row
    # PDLP's duals are for the minimisation: a <= row has a dual <= 0, its price is minus it
    price = -np.asarray(result.dual_solution)
    phi = price[row["node"]:row["cut"]]
    cut = price[row["cut"]:row["day"]]
    gap_price = phi - phi[lp.following] + np.where(lp.last, cut[lp.node_teacher], 0.0)
    pi = np.zeros(T * WEEK)
    pi[lp.nodes] = np.maximum(gap_price, 0.0)      # nodes are teacher * WEEK + tick
    mu = np.maximum(price[row["day"]:row["week"]], 0.0).reshape(T, 7)
    lam = np.maximum(price[row["week"]:row["bonus"]], 0.0)
    if stats is not None:
        log = result.solve_log
        stats.update(lp_entries=e.n_entries, lp_rows=lp.n_rows, lp_columns=len(objective),
                     lp_nonzeros=lp.n_nonzeros,
                     lp_build_seconds=round(built - began, 2), pdlp_seconds=round(solved - built, 2),
                     pdlp_iterations=int(log.iteration_count),
                     pdlp_termination=solve_log_pb2.TerminationReason.Name(log.termination_reason),
                     pdlp_objective=-float(np.dot(objective, result.primal_solution)))
    # PDLP's (approximate) share of each pair in the relaxed timetable: no proof of anything, only a
    # good order in which to try the pairs (greedy.lp_guided)
    serve = np.clip(np.asarray(result.primal_solution)[:e.n_pairs], 0.0, 1.0)
    return {"pi": pi.reshape(T, WEEK), "mu": mu, "lam": lam,
            "serve": serve, "pair_request": e.pr, "pair_teacher": e.pt}


def release_freed_memory() -> None:
    """Hand the C allocator's freed pages back to the system (glibc's malloc_trim): numpy's many
    small arrays leave the heap fragmented, which at 5,000 x 20,000 kept 0.66 GB resident after
    Entries was built. Nothing to do elsewhere."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@dataclass
class _Layout:
    """Where the LP's rows are, and its flow nodes: what reading PDLP's duals needs."""
    row: dict[str, int]
    n_rows: int
    n_nonzeros: int
    nodes: np.ndarray
    node_teacher: np.ndarray
    following: np.ndarray
    last: np.ndarray


def _time_indexed_lp(c: Compiled, e: Entries) -> tuple[pdlp.QuadraticProgram, _Layout]:
    """The LP of the module doc as PDLP's QuadraticProgram (columns a, x, z, b)."""
    T, P, E = c.n_teachers, e.n_pairs, e.n_entries
    width = 2 * WEEK + 1
    spw = c.spw[e.pr].astype(np.float64)
    cap_day, cap_week = teacher_capacities(c)

    pair_of_entry = (e.seg_group // 7)[e.seg_of_entry]
    teacher = e.pt[pair_of_entry]
    start = e.lo.astype(np.int64) - teacher * width
    span = (e.hi - e.lo).astype(np.int64)
    seg_of_entry, mu_index = e.seg_of_entry, e.mu_index
    end = start + span
    crosses = end >= WEEK
    start_key = teacher * WEEK + start
    end_key = teacher * WEEK + end % WEEK
    nodes = np.unique(np.concatenate([start_key, end_key]))
    N = len(nodes)
    node_teacher = nodes // WEEK
    arc_from = np.searchsorted(nodes, start_key)
    arc_to = np.searchsorted(nodes, end_key)
    # each node's idle arc goes to the next node of its teacher, the last one round to the first
    last = np.r_[node_teacher[1:] != node_teacher[:-1], True]
    first_of = np.flatnonzero(np.r_[True, node_teacher[1:] != node_teacher[:-1]])
    following = np.arange(1, N + 1)
    following[last] = first_of
    n_schools = len(c.instance.schools)
    pair_school = c.r_school[e.pr]
    with_bonus = np.unique(pair_school) if c.bonus else np.zeros(0, dtype=np.int64)
    B = len(with_bonus)

    # columns: a, x, z, b; rows in this order, their first index below
    col_a, col_x, col_z, col_b = 0, P, P + E, P + E + N
    row = {}
    # a one-session pair's day rows follow from its pair row: only the others get them
    seg_pair = e.seg_group // 7
    several = np.flatnonzero(spw[seg_pair] > 1)
    seg_row = np.full(len(e.seg_start), -1)
    seg_row[several] = np.arange(len(several))
    in_several = np.flatnonzero(seg_row[seg_of_entry] >= 0)
    sizes = [("request", len(e.requests)), ("pair", P), ("segment", len(several)),
             ("node", N), ("cut", T), ("day", T * 7), ("week", T), ("bonus", B)]
    n_rows = 0
    for name, size in sizes:
        row[name] = n_rows
        n_rows += size
    pair_ids = np.arange(P)
    entry_ids = np.arange(E)
    node_ids = np.arange(N)
    school_row = np.full(n_schools, -1)
    school_row[with_bonus] = np.arange(B)
    has_bonus_row = school_row[pair_school] >= 0
    parts = [
        (row["request"] + e.req_of_pair, col_a + pair_ids, np.ones(P)),
        (row["pair"] + pair_of_entry, col_x + entry_ids, np.ones(E)),
        (row["pair"] + pair_ids, col_a + pair_ids, -spw),
        (row["segment"] + seg_row[seg_of_entry[in_several]], col_x + in_several, np.ones(len(in_several))),
        (row["segment"] + np.arange(len(several)), col_a + seg_pair[several], -np.ones(len(several))),
        (row["node"] + arc_from, col_x + entry_ids, np.ones(E)),
        (row["node"] + arc_to, col_x + entry_ids, -np.ones(E)),
        (row["node"] + node_ids, col_z + node_ids, np.ones(N)),
        (row["node"] + following, col_z + node_ids, -np.ones(N)),
        (row["cut"] + teacher[crosses], col_x + entry_ids[crosses], np.ones(int(crosses.sum()))),
        (row["cut"] + node_teacher[last], col_z + node_ids[last], np.ones(int(last.sum()))),
        (row["day"] + mu_index, col_x + entry_ids, np.ones(E)),
        (row["week"] + e.pt, col_a + pair_ids, spw),
        (row["bonus"] + np.arange(B), col_b + np.arange(B), np.ones(B)),
        (row["bonus"] + school_row[pair_school[has_bonus_row]], col_a + pair_ids[has_bonus_row],
         -np.ones(int(has_bonus_row.sum()))),
    ]
    rows = np.concatenate([p[0] for p in parts]).astype(np.int64)
    cols = np.concatenate([p[1] for p in parts]).astype(np.int64)
    values = np.concatenate([p[2] for p in parts])
    n_cols = col_b + B
    # a one-node teacher's idle arc is a loop: its +1 and -1 add up to 0 (coo sums duplicates)
    matrix = sparse.csc_matrix((values, (rows, cols)), shape=(n_rows, n_cols))
    del rows, cols, values, parts

    upper = np.zeros(n_rows)
    upper[row["request"]:row["pair"]] = 1.0
    upper[row["cut"]:row["day"]] = 1.0
    upper[row["day"]:row["week"]] = cap_day.ravel()
    upper[row["week"]:row["bonus"]] = cap_week
    lower = np.full(n_rows, -np.inf)
    lower[row["pair"]:row["segment"]] = 0.0
    lower[row["node"]:row["cut"]] = 0.0
    objective = np.zeros(n_cols)
    objective[col_a:col_x] = -c.weights(e.pr, e.pt)      # PDLP minimises
    objective[col_b:] = -float(c.bonus)

    qp = pdlp.QuadraticProgram()
    qp.resize_and_initialize(n_cols, n_rows)
    qp.objective_vector = objective
    qp.constraint_matrix = matrix
    n_nonzeros = int(matrix.nnz)
    del matrix      # PDLP holds its own copy
    qp.constraint_lower_bounds = lower
    qp.constraint_upper_bounds = upper
    qp.variable_lower_bounds = np.zeros(n_cols)
    qp.variable_upper_bounds = np.ones(n_cols)
    return qp, _Layout(row, n_rows, n_nonzeros, nodes, node_teacher, following, last)
