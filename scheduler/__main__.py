"""Command line: `python -m scheduler solve|check|greedy ...`."""
from __future__ import annotations

import argparse
import json
import sys
import time

from .greedy import greedy
from .model import InstanceError, Solution, load_instance
from .solve import solve
from .validate import validate


def _read_json(path: str, what: str = "instance"):
    """The file's JSON; a missing or unreadable file, or one that is not JSON, is an InstanceError naming it."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise InstanceError(what, "-", f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InstanceError(what, "-", f"{path} is not valid JSON: {exc}") from None


def _write(solution: Solution, path: str | None) -> None:
    text = json.dumps(solution.to_json(), indent=1, ensure_ascii=False)
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


def _progress_printer():
    last = {"t": -1.0, "obj": None, "bound": None}

    def show(info: dict) -> None:
        # print when the score or bound moves, and at least every 5 s
        changed = info["objective"] != last["obj"] or info["bound"] != last["bound"]
        if not changed and info["seconds"] - last["t"] < 5:
            return
        if changed and info["seconds"] - last["t"] < 0.5 and last["t"] >= 0:
            return
        last.update(t=info["seconds"], obj=info["objective"], bound=info["bound"])
        gap = "-" if info["gap"] is None else f"{100 * info['gap']:.2f}%"
        obj = "-" if info["objective"] is None else f"{info['objective']:,}"
        bnd = "-" if info["bound"] is None else f"{info['bound']:,}"
        print(f"[{info['seconds']:7.1f}s] best {obj:>12}  bound {bnd:>12}  gap {gap:>7}",
              file=sys.stderr, flush=True)
    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scheduler",
                                     description="Kelas Nusantara matching engine")
    commands = parser.add_subparsers(dest="command", required=True)
    p_solve = commands.add_parser("solve", help="solve an instance")
    p_solve.add_argument("instance")
    p_solve.add_argument("--time-limit", type=float, default=60.0)
    p_solve.add_argument("--workers", type=int, default=2)
    p_solve.add_argument("--previous", help="previous solution: keep what is still valid")
    p_solve.add_argument("--seed", type=int, default=0)
    p_solve.add_argument("--rq-url", help="Redis URL: solve neighbourhoods on RQ workers of the "
                         "'matching-pieces' queue (rq worker matching-pieces --url URL)")
    p_solve.add_argument("--pieces", type=int, default=2,
                         help="with --rq-url: neighbourhoods in flight at once (about the worker count)")
    p_solve.add_argument("--queue", default="matching-pieces", help="with --rq-url: the piece queue")
    p_solve.add_argument("-o", "--output")
    p_solve.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p_greedy = commands.add_parser("greedy", help="first-come greedy only")
    p_greedy.add_argument("instance")
    p_greedy.add_argument("-o", "--output")
    p_check = commands.add_parser("check", help="validate a solution and recompute its score")
    p_check.add_argument("instance")
    p_check.add_argument("solution")
    p_check.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    try:
        instance = load_instance(_read_json(args.instance))
        previous = None
        if args.command == "solve" and args.previous:
            previous = Solution.from_json(_read_json(args.previous, "previous solution"))
    except InstanceError as exc:
        print(f"invalid input: {exc}", file=sys.stderr)
        return 2
    if args.command == "solve":
        began = time.perf_counter()
        pieces = None
        if args.rq_url:
            from .distributed import RQPieces
            pieces = RQPieces(args.rq_url, queue=args.queue, in_flight=args.pieces)
        solution = solve(instance, time_limit=args.time_limit, workers=args.workers,
                         previous=previous, progress=None if args.quiet else _progress_printer(),
                         seed=args.seed, pieces=pieces)
        _write(solution, args.output)
        gap = "-" if solution.gap is None else f"{100 * solution.gap:.2f}%"
        moved = "" if solution.moved is None else f", {solution.moved} previous assignment(s) moved"
        bound = "-" if solution.bound is None else f"{solution.bound:,}"
        print(f"{solution.status}: score {solution.objective:,}, bound {bound}, gap {gap}, "
              f"{len(solution.assignments)}/{len(instance.requests)} requests served, "
              f"{time.perf_counter() - began:.1f}s{moved}", file=sys.stderr)
        return 0
    if args.command == "greedy":
        solution = greedy(instance)
        _write(solution, args.output)
        print(f"greedy: score {solution.objective:,}, {len(solution.assignments)}/"
              f"{len(instance.requests)} requests served", file=sys.stderr)
        return 0
    try:
        solution = Solution.from_json(_read_json(args.solution, "solution"))
    except InstanceError as exc:
        print(f"malformed solution: {exc}", file=sys.stderr)
        return 2
    report = validate(instance, solution)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        print("VALID" if report.valid else f"INVALID: {len(report.violations)} violation(s)")
        for v in report.violations:
            print(f"  rule {v.rule}: {v.item}: {v.message}")
        print(f"score {report.score:,} ({report.served} requests served, "
              f"{report.schools_served} schools)")
        if not report.objective_matches:
            print(f"note: the solution claims objective {report.claimed_objective:,}")
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
