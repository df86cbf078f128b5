"""Malformed and hostile instances get a clear error naming the item and field, never a traceback."""
import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings, strategies as st

import scheduler
from scheduler_builders import instance, request, school, teacher

VALID = instance([teacher("t1"), teacher("t2", tz="Asia/Makassar", province="Bali")],
                 [request("r1"), request("r2", spw=2, windows=(("mon", "07:00", "09:00"), ("tue", "07:00", "09:00")))],
                 schools=[school()])

junk = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) |
    st.text(max_size=30) | st.sampled_from(["24:00", "25:00", "07:3", "mon", "xyz", "Asia/Atlantis", "", "-1"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)


def paths(value, prefix=()):
    """Every place inside a JSON value, to damage one at a time."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


ALL_PATHS = [p for p in paths(VALID) if p]


def damaged(data, path, replacement, drop):
    data = json.loads(json.dumps(data))
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(ALL_PATHS), replacement=junk, drop=st.booleans())
def test_any_damage_gives_an_instance_error_or_a_valid_instance(path, replacement, drop):
    data = damaged(VALID, path, replacement, drop)
    try:
        loaded = scheduler.load_instance(data)
    except scheduler.InstanceError as exc:
        assert exc.item and exc.field and str(exc)
        return
    # Whatever loads must also be matched without crashing, and the result must keep the rules.
    solution = scheduler.greedy(loaded)
    assert scheduler.validate(loaded, solution).valid


def test_the_cli_answers_bad_files_with_a_message_not_a_traceback(tmp_path):
    cases = {"not-json.json": "{ this is not json", "wrong-types.json": json.dumps({**VALID, "teachers": "t1"}),
             "bad-zone.json": json.dumps(damaged(VALID, ("schools", 0, "timezone"), "Asia/Atlantis", False))}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        result = subprocess.run([sys.executable, "-m", "scheduler", "solve", str(path)], capture_output=True, text=True)
        assert result.returncode == 2, name
        assert "Traceback" not in result.stderr and result.stderr.startswith("invalid input:"), result.stderr
    missing = subprocess.run([sys.executable, "-m", "scheduler", "check", str(tmp_path / "none.json"), "x.json"],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
