"""Large-neighbourhood search spread over several machines with RQ.

The coordinating process (a `scheduler.solve` call: the web app's matching job, or the CLI)
keeps the incumbent, chooses neighbourhoods, merges results and reports progress as before;
each neighbourhood (a few teachers who share subjects and grades, the requests on them and
unserved requests that could use them) is a small CP-SAT model solved by whichever RQ worker
takes it from the piece queue. Neighbourhoods in flight at once are disjoint in teachers and
requests, so every result merges into the incumbent independently.

A piece carries only what its teachers need: the sessions already placed on them, the
schools already served outside it, and the hint. The instance itself is put in Redis once
per run (keyed by its hash) and compiled once per worker process.

    # on every host that solves pieces (as many processes as cores; one CP-SAT thread each)
    rq worker matching-pieces --url redis://HOST:6379/0
    # the coordinator
    python -m scheduler solve national.json --rq-url redis://HOST:6379/0 --pieces 8

The piece queue is separate from the `matching` queue of whole runs, so a worker busy with a
run never waits for its own pieces.
"""
from __future__ import annotations

import hashlib
import json
import threading
from concurrent.futures import Future

from .compiled import Compiled, TeacherState
from .cpsat import PIECE_PARAMS, SubProblem, SubResult, solve_subproblem
from .model import Instance

QUEUE_NAME = "matching-pieces"
INSTANCE_TTL_SECONDS = 6 * 3600
_KEY_PREFIX = "scheduler:instance:"
_compiled_cache: dict[str, Compiled] = {}
_cache_lock = threading.Lock()


def piece_of(sub: SubProblem) -> dict:
    """What a worker needs to rebuild `sub` (plain data, small)."""
    teachers = sorted(sub.teachers) if sub.teachers is not None else None
    placed = sub.state.placed_on(set(teachers) if teachers is not None else None)
    return {"requests": list(sub.requests), "teachers": teachers,
            "placed": [[r, t, list(ticks)] for r, t, ticks in placed],
            "served_schools": sorted(sub.served_schools),
            "hint": [[r, t, list(ticks)] for r, (t, ticks) in sub.hint.items()]}


def subproblem_of(c: Compiled, piece: dict) -> SubProblem:
    teachers = set(piece["teachers"]) if piece["teachers"] is not None else None
    state = TeacherState.for_teachers(c, teachers, piece["placed"])
    return SubProblem(list(piece["requests"]), state, teachers=teachers,
                      served_schools=set(piece["served_schools"]),
                      hint={r: (t, list(ticks)) for r, t, ticks in piece["hint"]})


def result_to_json(res: SubResult) -> dict:
    return {"assigned": [[r, t, list(ticks)] for r, (t, ticks) in res.assigned.items()],
            "objective": res.objective, "bound": res.bound, "status": res.status,
            "n_vars": res.n_vars, "seconds": res.seconds}


def result_from_json(data: dict) -> SubResult:
    return SubResult({r: (t, list(ticks)) for r, t, ticks in data["assigned"]}, data["objective"],
                     data["bound"], data["status"], data["n_vars"], data["seconds"])


def _compiled(connection, key: str) -> Compiled:
    with _cache_lock:
        if key in _compiled_cache:
            return _compiled_cache[key]
    raw = connection.get(_KEY_PREFIX + key)
    if raw is None:
        raise LookupError(f"instance {key} is not in Redis (expired, or another Redis)")
    compiled = Compiled(Instance.from_json(raw))
    with _cache_lock:
        while len(_compiled_cache) >= 2:     # a worker serves one run at a time, mostly
            _compiled_cache.pop(next(iter(_compiled_cache)))
        _compiled_cache[key] = compiled
    return compiled


def run_piece(key: str, piece: dict, time_limit: float) -> dict:
    """The RQ job: solve one neighbourhood with one CP-SAT worker."""
    from rq.job import get_current_job
    c = _compiled(get_current_job().connection, key)
    res = solve_subproblem(c, subproblem_of(c, piece), time_limit=time_limit, workers=1, extra_params=PIECE_PARAMS)
    return result_to_json(res)


class RQPieces:
    """Solve LNS pieces on RQ workers; `in_flight` pieces at once (about the number of worker
    processes). Use as `scheduler.solve(..., pieces=RQPieces(url, in_flight=4))`."""

    def __init__(self, url: str | None = None, *, connection=None, queue: str = QUEUE_NAME,
                 in_flight: int = 2, poll_seconds: float = 0.05):
        from redis import Redis
        from rq import Queue
        self.connection = connection if connection is not None else Redis.from_url(url)
        self.queue = Queue(queue, connection=self.connection)
        self.in_flight = max(1, in_flight)
        self.poll_seconds = poll_seconds
        self.key: str | None = None
        self._jobs: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._poller: threading.Thread | None = None
        self.pieces_sent = 0

    # the coordinator's side --------------------------------------------------------------
    def start(self, instance: Instance) -> "RQPieces":
        text = json.dumps(instance.to_json(), sort_keys=True, separators=(",", ":"))
        self.key = hashlib.sha256(text.encode()).hexdigest()[:32]
        self.connection.set(_KEY_PREFIX + self.key, text, ex=INSTANCE_TTL_SECONDS)
        self._closed.clear()
        self._poller = threading.Thread(target=self._poll, name="rq-pieces", daemon=True)
        self._poller.start()
        return self

    def submit(self, sub: SubProblem, time_limit: float) -> Future:
        future: Future = Future()
        job = self.queue.enqueue(run_piece, self.key, piece_of(sub), time_limit,
                                 job_timeout=int(time_limit) + 60, result_ttl=120, failure_ttl=600,
                                 ttl=int(time_limit) + 60)
        with self._lock:
            self._jobs[job.id] = future
        self.pieces_sent += 1
        return future

    def _poll(self) -> None:
        from rq.job import Job, JobStatus
        while not self._closed.wait(self.poll_seconds):
            with self._lock:
                ids = list(self._jobs)
            if not ids:
                continue
            for job in Job.fetch_many(ids, connection=self.connection):
                if job is None:
                    continue
                status = job.get_status(refresh=False)
                if status == JobStatus.FINISHED:
                    outcome = ("ok", job.return_value())
                elif status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
                    outcome = ("error", RuntimeError(f"piece {job.id} {status}"))
                else:
                    continue
                with self._lock:
                    future = self._jobs.pop(job.id, None)
                if future is None:
                    continue
                if outcome[0] == "ok":
                    future.set_result(result_from_json(outcome[1]))
                else:
                    future.set_exception(outcome[1])

    def close(self) -> None:
        self._closed.set()
        if self._poller is not None:
            self._poller.join()
        with self._lock:
            pending = list(self._jobs.items())
            self._jobs.clear()
        for job_id, future in pending:          # pieces nobody waits for any more
            try:
                from rq.job import Job
                Job.fetch(job_id, connection=self.connection).cancel()
            except Exception:
                pass
            future.cancel()
        if self.key is not None:
            self.connection.delete(_KEY_PREFIX + self.key)


class LocalPieces:
    """The same interface on threads of this process (the default)."""

    def __init__(self, in_flight: int):
        from concurrent.futures import ThreadPoolExecutor
        self.in_flight = max(1, in_flight)
        self._pool = ThreadPoolExecutor(max_workers=self.in_flight)
        self.c: Compiled | None = None
        self.stop = None
        self.pieces_sent = 0

    def submit(self, sub: SubProblem, time_limit: float) -> Future:
        self.pieces_sent += 1
        return self._pool.submit(solve_subproblem, self.c, sub, time_limit=time_limit, workers=1,
                                 stop=self.stop, extra_params=PIECE_PARAMS)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
