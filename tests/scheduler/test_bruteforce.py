"""On very small random instances the solver's proven optimum equals a brute-force search."""
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler import Assignment, Session, Solution, Unassigned, load_instance, solve, validate
from scheduler.bounds import lagrangian_bound
from scheduler.compiled import Compiled, TeacherState
from scheduler.cpsat import SubProblem
from scheduler.lp_bound import lp_bound
from scheduler.lp_duals import lp_multipliers
from scheduler.tick_bound import tick_bound
from scheduler.model import DAY_INDEX, format_hhmm

from scheduler_builders import instance, request, school, teacher

ZONES = {"Asia/Jakarta": 7, "Asia/Makassar": 8, "Asia/Jayapura": 9}
# UTC starts (minutes from Monday 00:00 UTC), Sunday night included so the week clock wraps
UTC_STARTS = [-120, 0, 60, 1440, 2820]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def local(utc_start, length, zone):
    """(day, start, end) local to `zone` for a UTC start, clipped to the local day."""
    minute = (utc_start + 60 * ZONES[zone]) % (7 * 1440)
    day, start = divmod(minute, 1440)
    return DAYS[day], format_hhmm(start), format_hhmm(min(1440, start + length))


@st.composite
def tiny_instances(draw):
    zones = sorted(ZONES)
    schools = [school("s1", draw(st.sampled_from(zones)), "Papua"),
               school("s2", draw(st.sampled_from(zones)), "Maluku")]
    teachers = []
    for i in range(draw(st.integers(1, 2))):
        zone = draw(st.sampled_from(zones))
        avail = [local(utc, draw(st.sampled_from([60, 90])), zone)
                 for utc in draw(st.lists(st.sampled_from(UTC_STARTS), min_size=1, max_size=3, unique=True))]
        teachers.append(teacher(f"t{i}", zone, draw(st.sampled_from(["Aceh", "Papua"])),
                                quality=draw(st.sampled_from([2.5, 3.7, 5.0])),
                                per_day=draw(st.integers(1, 2)), per_week=draw(st.integers(1, 3)),
                                availability=avail))
    requests = []
    for i in range(draw(st.integers(1, 3))):
        home = draw(st.sampled_from(["s1", "s2"]))
        zone = schools[0 if home == "s1" else 1]["timezone"]
        windows = [local(utc + draw(st.sampled_from([0, 15])), draw(st.sampled_from([45, 60])), zone)
                   for utc in draw(st.lists(st.sampled_from(UTC_STARTS), min_size=1, max_size=2, unique=True))]
        requests.append(request(f"r{i}", home, spw=draw(st.integers(1, 2)),
                                duration=draw(st.sampled_from([30, 40])), priority=draw(st.integers(1, 5)),
                                windows=windows))
    return instance(teachers, requests, schools=schools, break_minutes=draw(st.sampled_from([0, 10, 20])),
                    bonus=draw(st.sampled_from([0, 200])))


def options(inst, req):
    """Every way to serve one request: None or (teacher, sessions), by school-local start times."""
    yield None
    starts = {}
    for w in req.windows:
        starts.setdefault(w.day, set()).update(range(w.start, w.end - req.duration_minutes + 1, 5))
    days = sorted(starts, key=DAY_INDEX.get)
    for t in inst.teachers:
        for chosen in itertools.combinations(days, req.sessions_per_week):
            for times in itertools.product(*(sorted(starts[d]) for d in chosen)):
                yield t.id, [Session(d, m) for d, m in zip(chosen, times)]


def timetables(inst):
    """Every timetable the validator accepts, with its report."""
    per_request = [list(options(inst, r)) for r in inst.requests]
    for combo in itertools.product(*per_request):
        assignments = [Assignment(r.id, o[0], o[1]) for r, o in zip(inst.requests, combo) if o]
        unassigned = [Unassigned(r.id, "-") for r, o in zip(inst.requests, combo) if not o]
        report = validate(inst, Solution("x", "brute", "", 0, None, 0, assignments, unassigned))
        if report.valid:
            yield assignments, report


def brute_force(inst) -> int:
    return max((report.score for _, report in timetables(inst)), default=0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_solver_matches_brute_force(data):
    inst = load_instance(data)
    solution = solve(inst, time_limit=10)
    assert validate(inst, solution).valid
    assert solution.status == "OPTIMAL"
    best = brute_force(inst)
    assert solution.objective == solution.bound == best
    # the bounds used on bigger instances are bounds here too
    compiled = Compiled(inst)
    assert lagrangian_bound(compiled, seconds=0.2, iterations=200) >= best
    assert tick_bound(compiled, seconds=0.2, iterations=200, target=best) >= best
    assert tick_bound(compiled, iterations=1, multipliers=lp_multipliers(compiled, seconds=0.2)) >= best
    assert lp_bound(compiled, SubProblem(list(range(compiled.n_requests)), TeacherState(compiled))) >= best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_engine_and_validator_score_every_timetable_alike(data):
    """The engine's score (Compiled.score) and the validator's independent copy agree."""
    inst = load_instance(data)
    compiled = Compiled(inst)
    for assignments, report in timetables(inst):
        chosen = {r: (t, ticks) for r, t, ticks in map(compiled.from_assignment, assignments)}
        assert compiled.score(chosen) == report.score
