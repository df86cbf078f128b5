"""Side-by-side benchmark: the project's solver, the first-come greedy and the textbook CP-SAT model.

    .venv/bin/python benchmarks/scheduler_bench.py                      # tiny, medium, generated 300x1000
    .venv/bin/python benchmarks/scheduler_bench.py --big                # + 2,000x6,000 and 5,000x20,000, seeds 1-3
    .venv/bin/python benchmarks/scheduler_bench.py --only medium gen300 --solvers ours ours-rq
        # ours-rq: neighbourhoods on two RQ worker processes pinned to one core each (taskset),
        # against ours: one process with two CP-SAT workers; needs Redis on 127.0.0.1:6379
    .venv/bin/python benchmarks/scheduler_bench.py --only gen2000 --time-limit 120

Each run is a fresh child process, so peak memory (ru_maxrss from wait4) is its own;
every solution is re-checked by scheduler.validate.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
OUT = ROOT / "benchmarks" / "out"
SHARED = ROOT.parent / "shared" / "data" / "instances"

# name -> (path or generator args, time limit of our solver)
INSTANCES = {
    "tiny": (SHARED / "tiny.json", 60),
    "medium": (SHARED / "medium.json", 60),
    "gen300": ((300, 1000, 1), 60),
    **{f"gen2000-s{seed}": ((2000, 6000, seed), 120) for seed in (1, 2, 3)},
    **{f"gen5000-s{seed}": ((5000, 20000, seed), 600) for seed in (1, 2, 3)},
}
BIG = [name for name in INSTANCES if name.startswith(("gen2000", "gen5000"))]
RQ_URL = "redis://127.0.0.1:6379/13"
# the textbook model needs ~10 GB and finds nothing on a 2,000-teacher instance (measured on this
# machine before): above this many start Booleans it is not run, to spare the shared machine
TEXTBOOK_MAX_BOOLEANS = 500_000


def instance_path(name: str) -> Path:
    source, _ = INSTANCES[name]
    if isinstance(source, Path):
        return source
    path = OUT / f"{name}.json"
    if not path.exists():
        from generate_instances import generate
        OUT.mkdir(parents=True, exist_ok=True)
        teachers, requests, seed = source
        path.write_text(json.dumps(generate(teachers, requests, seed, name)))
    return path


def child(solver: str, path: str, time_limit: float, workers: int, out: str) -> None:
    import scheduler
    from scheduler.compiled import Compiled
    instance = scheduler.load_instance(json.loads(Path(path).read_text()))
    if solver == "greedy":
        solution = scheduler.greedy(instance)
    elif solver == "ours":
        solution = scheduler.solve(instance, time_limit=time_limit, workers=workers)
    elif solver.startswith("ours-rq:"):
        from scheduler.distributed import RQPieces
        pieces = RQPieces(RQ_URL, queue=solver.split(":", 1)[1], in_flight=2)
        solution = scheduler.solve(instance, time_limit=time_limit, workers=workers, pieces=pieces)
    else:
        from textbook_model import count_booleans, solve_textbook
        n = count_booleans(Compiled(instance))
        if n > TEXTBOOK_MAX_BOOLEANS:
            Path(out).write_text(json.dumps({"skipped": f"{n:,} start Booleans"}))
            return
        solution = solve_textbook(instance, time_limit=time_limit, workers=workers)
    Path(out).write_text(json.dumps(solution.to_json()))


def run(solver: str, name: str, time_limit: float, workers: int) -> dict:
    import scheduler
    path = instance_path(name)
    out = OUT / f"{name}.{solver}.solution.json"
    load = os.getloadavg()[0]
    workers_procs, child_solver = [], solver
    if solver == "ours-rq":
        # two RQ worker processes of one core each; the coordinator is not pinned
        queue = f"matching-pieces-bench-{os.getpid()}"
        child_solver = f"ours-rq:{queue}"
        for core in (0, 1):
            workers_procs.append(subprocess.Popen(
                ["taskset", "-c", str(core), sys.executable, "-m", "rq.cli", "worker", queue,
                 "--url", RQ_URL, "--worker-class", "rq.worker.SimpleWorker", "--quiet"],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(2)
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", child_solver, str(path), str(time_limit),
                             str(workers), str(out)])
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - began
    worker_mb = 0
    for p in workers_procs:
        p.terminate()
        _, _, wusage = os.wait4(p.pid, 0)
        worker_mb = max(worker_mb, round(wusage.ru_maxrss / 1024))
    row = {"instance": name, "solver": solver, "seconds": round(seconds, 1),
           "peak_mb": round(usage.ru_maxrss / 1024), "load": round(load, 1)}
    if workers_procs:
        row["worker_peak_mb"] = worker_mb
    if status != 0 or not out.exists():
        row["note"] = f"failed (exit status {status})"
        return row
    data = json.loads(out.read_text())
    if "skipped" in data:
        row["note"] = "not run: " + data["skipped"]
        return row
    instance = scheduler.load_instance(json.loads(path.read_text()))
    solution = scheduler.Solution.from_json(data)
    report = scheduler.validate(instance, solution)
    row.update(score=report.score, valid=report.valid, bound=solution.bound,
               served=report.served, requests=len(instance.requests))
    if solution.bound:
        row["gap"] = max(0.0, (solution.bound - report.score) / solution.bound)
    return row


def table(rows: list[dict]) -> str:
    head = ("instance", "solver", "score", "x greedy", "bound", "gap", "served", "seconds", "peak MB", "valid",
            "load")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    greedy = {r["instance"]: r.get("score") for r in rows if r["solver"] == "greedy"}
    for r in rows:
        if "note" in r:
            lines.append(f"| {r['instance']} | {r['solver']} | {r['note']} | | | | | {r['seconds']} | "
                         f"{r['peak_mb']:,} | | {r['load']} |")
            continue
        ratio = f"{r['score'] / greedy[r['instance']]:.3f}" if greedy.get(r["instance"]) else ""
        bound = "-" if r["bound"] is None else f"{r['bound']:,}"
        gap = "-" if r.get("gap") is None else f"{100 * r['gap']:.1f}%"
        lines.append(f"| {r['instance']} | {r['solver']} | {r['score']:,} | {ratio} | {bound} | {gap} | "
                     f"{r['served']}/{r['requests']} | {r['seconds']} | {r['peak_mb']:,} | "
                     f"{'yes' if r['valid'] else 'NO'} | {r['load']} |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, solver, path, limit, workers, out = sys.argv
        child(solver, path, float(limit), int(workers), out)
        return
    parser = argparse.ArgumentParser(description="scheduler benchmark")
    parser.add_argument("--big", action="store_true", help="also the 2,000 and 5,000-teacher instances")
    parser.add_argument("--only", nargs="*", help="instance names: " + ", ".join(INSTANCES))
    parser.add_argument("--solvers", nargs="*", default=["greedy", "textbook", "ours"])
    parser.add_argument("--time-limit", type=float, help="override every instance's limit")
    parser.add_argument("--textbook-time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    names = args.only or (BIG if args.big else ["tiny", "medium", "gen300"])
    if args.big and args.solvers == parser.get_default("solvers"):
        args.solvers = ["greedy", "ours"]     # the textbook model is not run at this size (see below)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        for solver in args.solvers:
            limit = args.time_limit or INSTANCES[name][1]
            if solver == "textbook":
                limit = args.textbook_time_limit
            row = run(solver, name, limit, args.workers)
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    print(table(rows))
    print("\nload: the 1-minute load average when the run started (2 cores, shared machine)")


if __name__ == "__main__":
    main()
