"""The solver end to end: optimality on tiny, never below the greedy, re-planning, reasons, CLI."""
import json
import threading
import time

from scheduler import greedy, load_instance, solve, validate
from scheduler.__main__ import main as cli

from scheduler_builders import instance, request, school, teacher


def test_tiny_is_proven_optimal_within_a_second(tiny_json):
    inst = load_instance(tiny_json)
    began = time.perf_counter()
    solution = solve(inst, time_limit=60, workers=2)
    assert time.perf_counter() - began < 1.0
    assert solution.status == "OPTIMAL"
    assert solution.objective == solution.bound == 13074
    report = validate(inst, solution)
    assert report.valid and report.score == solution.objective


def test_greedy_matches_reference_figure(tiny_json, medium_json):
    assert greedy(load_instance(tiny_json)).objective == 12447
    assert greedy(load_instance(medium_json)).objective == 318021


def test_short_run_on_medium_is_valid_and_beats_greedy(medium_json):
    inst = load_instance(medium_json)
    seen = []
    began = time.perf_counter()
    solution = solve(inst, time_limit=6, workers=2, progress=seen.append)
    assert time.perf_counter() - began < 6 + 5
    assert validate(inst, solution).valid
    assert solution.objective >= 318021
    assert solution.bound is not None and solution.bound >= solution.objective
    assert seen and {"seconds", "objective", "bound", "gap"} <= set(seen[-1])


def test_stop_event_ends_search_early_with_best_found(medium_json):
    inst = load_instance(medium_json)
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    began = time.perf_counter()
    solution = solve(inst, time_limit=60, stop=stop)
    assert time.perf_counter() - began < 8
    assert validate(inst, solution).valid and solution.objective >= 318021


def test_replanning_keeps_valid_assignments_and_counts_moves(tiny_json):
    inst = load_instance(tiny_json)
    first = solve(inst, time_limit=5)
    gone = first.assignments[0].teacher
    changed = json.loads(json.dumps(tiny_json))
    changed["teachers"] = [t for t in changed["teachers"] if t["id"] != gone]
    changed["requests"].append(dict(changed["requests"][0], id="r-new"))
    new_inst = load_instance(changed)
    second = solve(new_inst, time_limit=5, previous=first)
    assert validate(new_inst, second).valid
    before = {a.request: a for a in first.assignments}
    after = {a.request: a for a in second.assignments}
    lost = [r for r, a in before.items() if a.teacher == gone]
    kept = [r for r, a in before.items() if a.teacher != gone]
    for r in kept:     # published timetables do not churn
        assert after[r] == before[r]
    assert second.moved == len(lost)
    assert "moved" in second.to_json()


def test_replanning_a_replan_with_progress_reports_finite_figures(tiny_json):
    """Issue 14: the second re-plan (of a published re-plan) crashed with OverflowError because
    the solver's log said `best:inf`; progress now comes from the solver's callbacks."""
    inst = load_instance(tiny_json)
    first = solve(inst, time_limit=5)
    seen = []
    second = solve(inst, time_limit=5, previous=first, progress=seen.append)
    third = solve(inst, time_limit=5, previous=second, progress=seen.append)
    for solution in (second, third):
        assert validate(inst, solution).valid
        assert solution.moved == 0
        assert solution.objective >= first.objective
    assert seen
    for info in seen:
        for key in ("objective", "bound"):
            assert info[key] is None or (isinstance(info[key], int) and abs(info[key]) < 10 ** 12)
        if info["objective"] is not None and info["bound"] is not None:
            assert info["bound"] >= info["objective"]
    assert seen[-1]["objective"] == third.objective


def test_progress_of_one_model_comes_from_solution_and_bound_callbacks(tiny_json):
    """The whole model's progress: solutions and bounds reach the callback while it searches
    (none of it read from a log), every bound is a true bound, the last figures are the result."""
    from scheduler.compiled import Compiled, TeacherState
    from scheduler.cpsat import SubProblem, solve_subproblem

    c = Compiled(load_instance(tiny_json))
    requests = [r for r in range(c.n_requests) if len(c.pairs[r])]
    seen = []
    res = solve_subproblem(c, SubProblem(requests, TeacherState(c)), time_limit=10, workers=2,
                           progress=seen.append)
    assert res.status == "OPTIMAL"
    assert len(seen) >= 2       # reported while searching, not only at the end
    assert all(i["objective"] is None or i["objective"] <= res.objective for i in seen)
    assert all(i["bound"] is None or i["bound"] >= res.objective for i in seen)
    assert (seen[-1]["objective"], seen[-1]["bound"]) == (res.objective, res.bound) == (13074, 13074)


def test_reasons_for_unassigned_requests_are_actionable():
    data = instance(
        [teacher("t1", subjects=("Fisika",), grades=(10,), availability=(("mon", "05:00", "07:00"),)),
         teacher("t2", subjects=("Kimia",), grades=(10,), province="Papua"),
         teacher("t3", subjects=("Biologi",), grades=(10,), availability=(("mon", "14:00", "16:00"),)),
         teacher("t4", subjects=("Matematika",), grades=(7,), per_week=1)],
        [request("nobody", subject="Sejarah", grade=10),
         request("same", subject="Kimia", grade=10),
         request("late", subject="Biologi", grade=10),
         request("hi", subject="Matematika", priority=5),
         request("lo", subject="Matematika", priority=1)])
    solution = solve(load_instance(data), time_limit=5)
    why = {u.request: u for u in solution.unassigned}
    assert why["nobody"].code == "no_teacher_for_subject_grade" and "Sejarah" in why["nobody"].reason
    assert why["same"].code == "only_same_province"
    assert why["late"].code == "no_common_time"
    # t3 is free Monday 14:00-16:00 WIB, which is 16:00-18:00 at the WIT school
    assert why["late"].details["hours"] == [{"day": "mon", "start": "16:00", "end": "18:00"}]
    assert "16:00-18:00" in why["late"].reason
    assert why["lo"].code == "teachers_taken_by_higher_priority"
    assert why["lo"].details["taken_by"] == ["hi"]
    assert all(u.to_json()["reason"] for u in solution.unassigned)


def test_cli_solve_then_check(tmp_path, capsys):
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(instance([teacher()], [request()], schools=[school()])))
    out = tmp_path / "sol.json"
    assert cli(["solve", str(path), "--time-limit", "5", "--workers", "1", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert {"objective", "bound", "seconds", "assignments", "unassigned"} <= set(data)
    err = capsys.readouterr().err
    assert "best" in err and "bound" in err
    assert cli(["check", str(path), str(out)]) == 0
    printed = capsys.readouterr().out
    assert "VALID" in printed and f"score {data['objective']:,}" in printed
    # a broken solution is reported with the rule it breaks
    data["assignments"][0]["sessions"][0]["start"] = "06:00"
    out.write_text(json.dumps(data))
    assert cli(["check", str(path), str(out)]) == 1
    assert "rule 4" in capsys.readouterr().out


def test_cli_names_the_bad_field(tmp_path, capsys):
    bad = instance([teacher()], [request()])
    bad["schools"][0]["timezone"] = "Mars/Olympus"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert cli(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert "school s1" in err and "timezone" in err


def test_request_whose_windows_cannot_hold_a_session():
    data = instance([teacher()], [request(duration=90, windows=(("mon", "07:00", "08:00"),))])
    solution = solve(load_instance(data), time_limit=2)
    assert solution.unassigned[0].code == "windows_too_short"
    assert solution.unassigned[0].details == {"duration_minutes": 90, "longest_window": 60}


def test_national_scale_path_starts_from_the_rounded_lp_and_keeps_every_rule(medium_json, monkeypatch):
    """The path taken above 20,000 pairs (PDLP bound, PDLP's relaxed timetable rounded as the
    search's start, neighbourhoods only), run on medium by lowering the threshold."""
    import importlib
    monkeypatch.setattr(importlib.import_module("scheduler.solve"), "FULL_MODEL_PAIRS", 5_000)
    inst = load_instance(medium_json)
    solution = solve(inst, time_limit=15, workers=2)
    report = validate(inst, solution)
    assert report.valid and report.score == solution.objective
    assert "lp_guided" in solution.stats and "model_vars" not in solution.stats    # no whole model
    # the rounded LP alone is well above the first-come greedy (318,021), the search above that
    assert solution.stats["lp_guided"] > 1.03 * 318_021
    assert solution.objective >= solution.stats["lp_guided"]
    assert solution.objective <= solution.bound <= 1.05 * solution.objective
