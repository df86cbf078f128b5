"""Malformed instances are refused with an error naming the item and the field."""
import pytest

from scheduler import Instance, InstanceError, Solution, load_instance

from scheduler_builders import instance, request, school, teacher


def error_of(data) -> InstanceError:
    with pytest.raises(InstanceError) as caught:
        load_instance(data)
    return caught.value


def test_missing_field_names_teacher_and_field():
    t = teacher(id="t9")
    del t["quality"]
    err = error_of(instance([t], [request()]))
    assert (err.item, err.field) == ("teacher t9", "quality")
    assert "t9" in str(err) and "quality" in str(err)


def test_unknown_time_zone():
    err = error_of(instance([teacher()], [request()], schools=[school(tz="Asia/Jayapuraa")]))
    assert (err.item, err.field) == ("school s1", "timezone")
    assert "Asia/Jayapuraa" in str(err)


@pytest.mark.parametrize("bad", ["7:00", "07:03", "25:00", "24:00", "ab:cd"])
def test_bad_start_time(bad):
    err = error_of(instance([teacher(availability=(("mon", bad, "23:00"),))], [request()]))
    assert err.item == "teacher t1" and err.field == "availability[0].start"


def test_end_before_start():
    err = error_of(instance([teacher()], [request(windows=(("tue", "10:00", "09:00"),))]))
    assert err.item == "request r1" and err.field == "windows[0]"


def test_unknown_day():
    err = error_of(instance([teacher(availability=(("monday", "05:00", "07:00"),))], [request()]))
    assert err.field == "availability[0].day"


def test_duplicate_id():
    err = error_of(instance([teacher(id="t1"), teacher(id="t1")], [request()]))
    assert (err.item, err.field) == ("teacher t1", "id")


def test_request_names_unknown_school():
    err = error_of(instance([teacher()], [request(school="nowhere")]))
    assert (err.item, err.field) == ("request r1", "school")


def test_invalid_is_a_value_error():
    assert issubclass(InstanceError, ValueError)


def test_json_round_trip(tiny_json):
    inst = Instance.from_json(tiny_json)
    again = Instance.from_json(inst.to_json())
    assert again == inst
    sol = Solution("tiny", "x", "FEASIBLE", 5, None, 0.1, [], [])
    assert Solution.from_json(sol.to_json()).to_json() == sol.to_json()
