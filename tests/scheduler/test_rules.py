"""Hand-made cases for each rule of the spec, checked by the validator and kept by the solver."""

from scheduler import Assignment, Session, Solution, Unassigned, load_instance, solve, validate

from scheduler_builders import instance, request, teacher


def solution(assignments, unassigned=()):
    return Solution("hand", "test", "FEASIBLE", 0, None, 0.0,
                    [Assignment(r, t, [Session(d, h * 60 + m) for d, h, m in s]) for r, t, s in assignments],
                    [Unassigned(r, "x") for r in unassigned])


def rules_broken(inst_json, sol):
    return sorted({v.rule for v in validate(load_instance(inst_json), sol).violations})


def test_wit_monday_morning_is_sunday_in_utc_and_still_matches():
    # School in WIT (UTC+9): Monday 07:00 is Sunday 22:00 UTC; a WIB teacher free Monday
    # 05:00-07:00 is free exactly then. The week clock wraps between the two.
    data = instance([teacher(tz="Asia/Jakarta", availability=(("mon", "05:00", "07:00"),))],
                    [request(windows=(("mon", "07:00", "09:00"),), duration=60)])
    ok = solution([("r1", "t1", [("mon", 7, 0)])])
    assert rules_broken(data, ok) == []
    # a teacher in UTC free on Sunday 22:00-24:00 is the same absolute time
    utc = instance([teacher(tz="Etc/UTC", availability=(("sun", "22:00", "24:00"),))],
                   [request(windows=(("mon", "07:00", "09:00"),), duration=60)])
    assert rules_broken(utc, ok) == []
    # ...but one free on Monday 22:00 UTC is not (that is Tuesday morning in WIT)
    wrong = instance([teacher(tz="Etc/UTC", availability=(("mon", "22:00", "24:00"),))],
                     [request(windows=(("mon", "07:00", "09:00"),), duration=60)])
    assert rules_broken(wrong, ok) == [4]
    result = solve(load_instance(utc), time_limit=5)
    assert [a.request for a in result.assignments] == ["r1"]
    assert validate(load_instance(utc), result).valid


def test_day_limit_counts_the_teachers_own_local_day():
    # WIT school Monday 07:00 and Tuesday 00:30 are both Monday for a WIB teacher
    # (05:00 and 22:30): with one session a day only one of the two can be served.
    data = instance([teacher(per_day=1, availability=(("mon", "05:00", "07:00"), ("mon", "22:00", "24:00")))],
                    [request("r1", windows=(("mon", "07:00", "09:00"),)),
                     request("r2", windows=(("tue", "00:00", "02:00"),))])
    both = solution([("r1", "t1", [("mon", 7, 0)]), ("r2", "t1", [("tue", 0, 30)])])
    assert rules_broken(data, both) == [6]
    result = solve(load_instance(data), time_limit=5)
    assert len(result.assignments) == 1 and result.status == "OPTIMAL"
    assert validate(load_instance(data), result).valid


def test_rule1_whole_request_on_distinct_days():
    data = instance([teacher(availability=(("mon", "05:00", "09:00"), ("tue", "05:00", "07:00")))],
                    [request(spw=2, windows=(("mon", "07:00", "11:00"), ("tue", "07:00", "09:00")))])
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0)])])) == [1]
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0), ("mon", 9, 0)])])) == [1]
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0), ("tue", 7, 0)])])) == []


def test_rule2_subject_and_grade():
    data = instance([teacher(subjects=("Fisika",))], [request()])
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0)])])) == [2]
    data = instance([teacher(grades=(8,))], [request()])
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0)])])) == [2]


def test_rule3_cross_province():
    data = instance([teacher(province="Papua")], [request()])
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0)])])) == [3]
    data["cross_province"] = False
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0)])])) == []


def test_rule4_inside_window_and_availability():
    data = instance([teacher()], [request(duration=60)])
    assert rules_broken(data, solution([("r1", "t1", [("mon", 8, 5)])])) == [4]   # past 09:00 WIT
    assert rules_broken(data, solution([("r1", "t1", [("mon", 6, 30)])])) == [4]  # before window


def test_rule5_break_between_sessions_across_requests():
    data = instance([teacher(availability=(("mon", "05:00", "08:00"),))],
                    [request("r1", duration=60, windows=(("mon", "07:00", "10:00"),)),
                     request("r2", duration=60, windows=(("mon", "07:00", "10:00"),))])
    close = solution([("r1", "t1", [("mon", 7, 0)]), ("r2", "t1", [("mon", 8, 5)])])
    assert rules_broken(data, close) == [5]
    apart = solution([("r1", "t1", [("mon", 7, 0)]), ("r2", "t1", [("mon", 8, 10)])])
    assert rules_broken(data, apart) == []


def test_rule6_week_limit():
    data = instance([teacher(per_week=1, availability=(("mon", "05:00", "07:00"), ("tue", "05:00", "07:00")))],
                    [request("r1"), request("r2", windows=(("tue", "07:00", "09:00"),))])
    both = solution([("r1", "t1", [("mon", 7, 0)]), ("r2", "t1", [("tue", 7, 0)])])
    assert rules_broken(data, both) == [6]


def test_rule7_every_request_once():
    data = instance([teacher()], [request("r1"), request("r2")])
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0)])])) == [7]
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0)])], ["r1", "r2"])) == [7]
    assert rules_broken(data, solution([("r1", "t1", [("mon", 7, 0)])], ["r2"])) == []


def test_score_is_recomputed():
    data = instance([teacher(quality=4.3)], [request(priority=5, spw=1)])
    report = validate(load_instance(data), solution([("r1", "t1", [("mon", 7, 0)])]))
    assert report.score == 5 * 1 * (50 + 43) + 200
