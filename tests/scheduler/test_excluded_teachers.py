"""A teacher who withdrew from a request is never given it again (optional `excluded_teachers`)."""
import pytest

import scheduler
from scheduler_builders import instance, request, teacher


def test_solver_gives_the_request_to_another_teacher():
    data = instance([teacher("t1", quality=5.0), teacher("t2", quality=2.0)],
                    [{**request("r1"), "excluded_teachers": ["t1"]}])
    solution = scheduler.solve(scheduler.load_instance(data), time_limit=5)
    assert [a.teacher for a in solution.assignments] == ["t2"]


def test_validator_flags_an_excluded_teacher():
    data = scheduler.load_instance(instance([teacher("t1")], [{**request("r1"), "excluded_teachers": ["t1"]}]))
    solution = scheduler.Solution.from_json({
        "instance": "hand", "solver": "hand", "status": "FEASIBLE", "objective": 0, "bound": None, "seconds": 0,
        "assignments": [{"request": "r1", "teacher": "t1", "sessions": [{"day": "mon", "start": "07:00"}]}],
        "unassigned": []})
    report = scheduler.validate(data, solution)
    assert [(v.rule, v.message) for v in report.violations] == [(2, "teacher t1 withdrew from this request")]


def test_excluded_teachers_must_be_a_list_of_ids():
    with pytest.raises(scheduler.InstanceError, match="excluded_teachers"):
        scheduler.load_instance(instance([teacher("t1")], [{**request("r1"), "excluded_teachers": "t1"}]))
