"""LNS pieces solved by RQ workers on Redis: same model as in-process, merged by the coordinator."""
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from scheduler import greedy, load_instance, solve, validate
from scheduler.compiled import Compiled, TeacherState
from scheduler.cpsat import SubProblem, collect_pairs
from scheduler.distributed import RQPieces, piece_of, subproblem_of
from scheduler.greedy import greedy_assign

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/13"


def _redis_up() -> bool:
    try:
        import redis
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


def test_a_piece_rebuilds_the_same_subproblem(medium_json):
    c = Compiled(load_instance(medium_json))
    chosen, state = greedy_assign(c)
    teachers = set(range(0, c.n_teachers, 7))
    requests = [r for r in range(c.n_requests) if r not in chosen][:80]
    requests += [r for r, (t, _) in chosen.items() if t in teachers]
    outside = {r: v for r, v in chosen.items() if r not in set(requests)}
    state = TeacherState(c)
    for r, (t, ticks) in outside.items():
        state.place(r, t, ticks)
    sub = SubProblem(requests, state, teachers=teachers, served_schools={1, 2},
                     hint={r: chosen[r] for r in requests if r in chosen})
    again = subproblem_of(c, piece_of(sub))
    assert again.requests == sub.requests and again.teachers == sub.teachers
    assert again.served_schools == sub.served_schools and again.hint == sub.hint

    # the search builds a piece's state from its own teachers' sessions only
    own = TeacherState.for_teachers(c, teachers, [(r, t, ticks) for r, (t, ticks) in outside.items() if t in teachers])
    local = SubProblem(requests, own, teachers=teachers, served_schools={1, 2}, hint=sub.hint)

    def shape(s):
        return {t: [(p.r, p.starts.tolist()) for p in ps] for t, ps in collect_pairs(c, s).items()}
    assert shape(again) == shape(sub) == shape(local) and shape(sub)


@pytest.fixture
def piece_workers():
    """Two RQ worker processes on a queue of this test's own (SimpleWorker: the compiled
    instance stays cached in the process between pieces)."""
    queue = f"matching-pieces-test-{uuid.uuid4().hex[:8]}"
    procs = [subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", queue, "--url", REDIS_URL,
                               "--worker-class", "rq.worker.SimpleWorker", "--quiet"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(2)]
    yield queue
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


@pytest.mark.skipif(not _redis_up(), reason="Redis is not reachable on 127.0.0.1:6379")
def test_rq_workers_solve_the_pieces_and_the_coordinator_merges_them(medium_json, piece_workers):
    inst = load_instance(medium_json)
    pieces = RQPieces(REDIS_URL, queue=piece_workers, in_flight=2)
    seen = []
    solution = solve(inst, time_limit=12, workers=2, pieces=pieces, progress=seen.append)
    report = validate(inst, solution)
    assert report.valid and report.score == solution.objective
    assert solution.objective >= greedy(inst).objective
    stats = solution.stats
    assert stats["lns_remote"] and stats["lns_iterations"] > 0 and stats["lns_failed_pieces"] == 0
    assert pieces.pieces_sent >= stats["lns_iterations"]
    assert seen and seen[-1]["objective"] == solution.objective      # progress stays local


@pytest.mark.skipif(not _redis_up(), reason="Redis is not reachable on 127.0.0.1:6379")
def test_no_worker_on_the_queue_still_returns_in_time_with_the_greedy_or_better(medium_json):
    inst = load_instance(medium_json)
    pieces = RQPieces(REDIS_URL, queue=f"matching-pieces-nobody-{uuid.uuid4().hex[:8]}", in_flight=2)
    began = time.perf_counter()
    solution = solve(inst, time_limit=6, workers=2, pieces=pieces)
    assert time.perf_counter() - began < 6 + 8
    assert validate(inst, solution).valid
    assert solution.objective >= greedy(inst).objective
    assert solution.stats["lns_failed_pieces"] >= 1 and solution.stats["lns_iterations"] == 0
