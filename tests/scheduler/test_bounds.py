"""The bounds used where the LP is too big: always true bounds, and tight where it is easy to see."""
from scheduler import load_instance, solve
from scheduler.bounds import lagrangian_bound
from scheduler.compiled import Compiled, TeacherState
from scheduler.cpsat import SubProblem
from scheduler.lp_bound import lp_bound
from scheduler.lp_duals import lp_multipliers
from scheduler.tick_bound import tick_bound

from scheduler_builders import instance, request, school, teacher


def one_teacher_two_schools():
    """One teacher with room for one session a week, one request at each of two schools:
    only one school can earn the (large) fairness bonus."""
    return load_instance(instance(
        [teacher("t1", per_week=1)],
        [request("r1", school="s1"), request("r2", school="s2", priority=2)],
        schools=[school("s1"), school("s2", province="Maluku")], bonus=10_000))


def test_fairness_bonus_is_bounded_per_school_not_for_every_reachable_school():
    inst = one_teacher_two_schools()
    optimum = solve(inst, time_limit=5)
    assert optimum.status == "OPTIMAL" and optimum.objective == 3 * (50 + 40) + 10_000
    c = Compiled(inst)
    for bound in (lagrangian_bound(c, seconds=1, iterations=2000, target=optimum.objective),
                  tick_bound(c, seconds=1, target=optimum.objective)):
        # counting both schools' bonus would put the bound above optimum + 10,000
        assert optimum.objective <= bound < optimum.objective + 1_000


def test_tick_bound_is_a_bound_and_close_to_the_lp_on_tiny(tiny_json):
    inst = load_instance(tiny_json)
    c = Compiled(inst)
    optimum = solve(inst, time_limit=10)
    assert optimum.status == "OPTIMAL"
    lp = lp_bound(c, SubProblem(list(range(c.n_requests)), TeacherState(c)))
    tick = tick_bound(c, seconds=2, target=optimum.objective)
    count = lagrangian_bound(c, seconds=2, iterations=10_000, target=optimum.objective)
    assert optimum.objective <= tick
    assert optimum.objective <= lp
    # the clock inside a day matters: the time-indexed bound is far tighter than the count one
    assert tick < count
    assert tick <= 1.05 * lp


def test_tick_bound_starts_from_the_count_multipliers(tiny_json):
    c = Compiled(load_instance(tiny_json))
    multipliers = {}
    count = lagrangian_bound(c, seconds=1, iterations=2000, target=12447, multipliers=multipliers)
    assert set(multipliers) == {"lam", "mu"}
    assert 13074 <= tick_bound(c, seconds=0.01, iterations=1, multipliers=multipliers) <= count


def test_pdlp_duals_bound_medium_within_a_percent_of_the_lp(medium_json):
    c = Compiled(load_instance(medium_json))
    lp = lp_bound(c, SubProblem(list(range(c.n_requests)), TeacherState(c)))
    multipliers = lp_multipliers(c, seconds=5)
    # evaluated as a Lagrangian: a proof whatever PDLP's accuracy, so at least the best
    # timetable found for medium (docs/scheduler.md), and as tight as GLOP's LP
    from_duals = tick_bound(c, iterations=1, multipliers=multipliers)
    assert 350_178 <= from_duals <= 1.01 * lp


def five_minute_sessions_across_midnight(per_day: int, requests):
    """One teacher free Monday evening to Tuesday 01:00 (one local zone for everyone, so a run
    of 5-minute starts crosses both the teacher's and the school's midnight)."""
    return load_instance(instance(
        [teacher("t1", tz="Asia/Jakarta", per_day=per_day, per_week=5,
                 availability=(("mon", "10:00", "24:00"), ("tue", "00:00", "01:00")))],
        list(requests), schools=[school("s1", tz="Asia/Jakarta", province="Papua")]))


def exact_model_optimum(inst) -> tuple[int, int]:
    """(best score, LP bound) of the exact model over every request."""
    from scheduler.cpsat import solve_subproblem
    c = Compiled(inst)
    whole = SubProblem([r for r in range(c.n_requests) if len(c.pairs[r])], TeacherState(c))
    res = solve_subproblem(c, whole, time_limit=10, workers=1)
    assert res.status == "OPTIMAL"
    return res.objective, lp_bound(c, whole)


def test_exact_model_keeps_a_session_just_after_the_teachers_midnight():
    # one session a day: "early" takes Monday, so "late" must start Tuesday 00:00, not Monday 23:55
    inst = five_minute_sessions_across_midnight(1, [
        request("early", duration=5, windows=(("mon", "10:00", "10:05"),)),
        request("late", duration=5, windows=(("mon", "23:55", "24:00"), ("tue", "00:00", "00:05")))])
    both = 2 * 3 * (50 + 40) + 200
    assert exact_model_optimum(inst) == (both, both)


def test_exact_model_keeps_a_session_just_after_the_schools_midnight():
    # two sessions on two school days: Monday 10:00 and Tuesday 00:00 (Monday 23:55 is Monday again)
    inst = five_minute_sessions_across_midnight(5, [
        request("twice", spw=2, duration=5,
                windows=(("mon", "10:00", "10:05"), ("mon", "23:55", "24:00"), ("tue", "00:00", "00:05")))])
    served = 3 * 2 * (50 + 40) + 200
    assert exact_model_optimum(inst) == (served, served)
