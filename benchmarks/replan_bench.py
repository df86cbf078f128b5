"""Re-planning: how much of a published timetable survives a change, with and without --previous.

    .venv/bin/python benchmarks/replan_bench.py [--time-limit 30]
    .venv/bin/python benchmarks/replan_bench.py --scale gen5000-s1 --time-limit 600 --withdraw 0.01

Solves medium.json, then changes it the way a term goes (3 teachers withdraw, 10 lose
one availability interval, 30 requests are added) and solves the changed instance
twice: from scratch, and with the first solution as `previous`.

`--scale NAME` (an instance of benchmarks/scheduler_bench.py, e.g. gen5000-s1) solves that
instance, lets the share `--withdraw` of all teachers withdraw (chosen among those with
assignments) and re-plans with `previous` only, printing how many assignments moved.
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scheduler  # noqa: E402


def unchanged(before: scheduler.Solution, after: scheduler.Solution, requests: set[str]) -> int:
    old = {a.request: a for a in before.assignments if a.request in requests}
    new = {a.request: a for a in after.assignments}
    return sum(1 for r, a in old.items() if new.get(r) == a)


def at_scale(name: str, time_limit: float, share: float, rng: random.Random) -> None:
    import os
    import time
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from scheduler_bench import instance_path
    data = json.loads(instance_path(name).read_text())
    load = os.getloadavg()[0]
    began = time.perf_counter()
    first = scheduler.solve(scheduler.load_instance(data), time_limit=time_limit)
    print(f"{name}: first plan score {first.objective:,}, {len(first.assignments)} assignments, "
          f"{time.perf_counter() - began:.0f} s (load {load:.1f})", flush=True)
    used = sorted({a.teacher for a in first.assignments})
    gone = set(rng.sample(used, max(1, round(share * len(data["teachers"])))))
    changed = copy.deepcopy(data)
    changed["teachers"] = [t for t in changed["teachers"] if t["id"] not in gone]
    inst = scheduler.load_instance(changed)
    lost = sum(1 for a in first.assignments if a.teacher in gone)
    load = os.getloadavg()[0]
    began = time.perf_counter()
    replan = scheduler.solve(inst, time_limit=time_limit, previous=first)
    same = unchanged(first, replan, {r.id for r in inst.requests})
    moved = len(first.assignments) - same
    print(f"{len(gone)} of {len(data['teachers'])} teachers withdrew ({lost} assignments had them); "
          f"re-plan with previous: score {replan.objective:,}, valid {scheduler.validate(inst, replan).valid}, "
          f"moved {moved}/{len(first.assignments)} = {100 * moved / len(first.assignments):.2f}% "
          f"(solver reports moved={replan.moved}), {time.perf_counter() - began:.0f} s (load {load:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", help="instance name of scheduler_bench.py, e.g. gen5000-s1")
    parser.add_argument("--withdraw", type=float, default=0.01, help="with --scale: share of teachers")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.scale:
        at_scale(args.scale, args.time_limit, args.withdraw, rng)
        return
    data = json.loads((ROOT.parent / "shared" / "data" / "instances" / "medium.json").read_text())
    first = scheduler.solve(scheduler.load_instance(data), time_limit=args.time_limit)

    changed = copy.deepcopy(data)
    used = sorted({a.teacher for a in first.assignments})
    gone = set(rng.sample(used, 3))
    changed["teachers"] = [t for t in changed["teachers"] if t["id"] not in gone]
    for t in rng.sample(changed["teachers"], 10):
        if t["availability"]:
            t["availability"].pop(rng.randrange(len(t["availability"])))
    for i, r in enumerate(rng.sample(data["requests"], 30)):
        changed["requests"].append(dict(copy.deepcopy(r), id=f"new{i}"))
    inst = scheduler.load_instance(changed)
    requests = {r.id for r in inst.requests}

    scratch = scheduler.solve(inst, time_limit=args.time_limit)
    replan = scheduler.solve(inst, time_limit=args.time_limit, previous=first)
    before = sum(1 for a in first.assignments if a.request in requests)
    print(f"first plan: score {first.objective:,}, {len(first.assignments)} assignments")
    print(f"change: teachers withdrawn {sorted(gone)}, 10 teachers lost an interval, 30 requests added")
    for name, sol in (("from scratch", scratch), ("with --previous", replan)):
        report = scheduler.validate(inst, sol)
        same = unchanged(first, sol, requests)
        print(f"{name:16} score {sol.objective:,} bound {sol.bound:,} valid {report.valid} "
              f"unchanged {same}/{before} moved {before - same}"
              + (f" (solver reports moved={sol.moved})" if sol.moved is not None else ""))


if __name__ == "__main__":
    main()
