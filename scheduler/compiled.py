"""The instance on one absolute 5-minute week clock (2016 ticks from Monday 00:00 UTC).

Everything the solvers need is precomputed here with numpy: which starts each
teacher can take for each session length, which starts each request allows,
and which (request, teacher) pairs can happen at all.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from .model import DAYS, DAY_INDEX, Assignment, Instance, Session, utc_offset_minutes

TICK = 5
WEEK = 7 * 24 * 60 // TICK      # 2016 ticks
DAY = 24 * 60 // TICK           # 288 ticks


def _starts(abs_start: int, length: int, duration: int) -> np.ndarray:
    """Start ticks of a `duration`-tick session inside [abs_start, abs_start+length), wrapped."""
    if duration > length:
        return np.empty(0, dtype=np.int64)
    return (abs_start + np.arange(length - duration + 1)) % WEEK


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """start, start + 1, ... (count of them) for each start and count, laid end to end."""
    ends = np.cumsum(counts)
    return np.repeat(starts - ends + counts, counts) + np.arange(int(ends[-1]) if len(ends) else 0)


def days_with_a_start(ok: np.ndarray, days: np.ndarray) -> np.ndarray:
    """For each row of `ok` (which of a request's starts, in tick order, a teacher can take), on
    how many distinct school days it has one. `days` (the school day of each start) changes only
    a few times along the ticks."""
    cuts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    on_day = np.zeros((len(ok), 7), dtype=bool)
    for cut, hit in zip(cuts.tolist(), np.logical_or.reduceat(ok, cuts, axis=1).T):
        on_day[:, days[cut]] |= hit
    return on_day.sum(axis=1)


class Compiled:
    def __init__(self, instance: Instance):
        self.instance = instance
        teachers, requests = instance.teachers, instance.requests
        self.n_teachers, self.n_requests = len(teachers), len(requests)
        self.brk = math.ceil(instance.break_minutes / TICK)
        self.school_index = {s.id: i for i, s in enumerate(instance.schools)}
        self.teacher_index = {t.id: i for i, t in enumerate(teachers)}
        self.request_index = {r.id: i for i, r in enumerate(requests)}
        self.t_off = np.array([utc_offset_minutes(t.timezone) // TICK for t in teachers], dtype=np.int64)
        s_off = [utc_offset_minutes(s.timezone) // TICK for s in instance.schools]
        self.r_school = np.array([self.school_index[r.school] for r in requests], dtype=np.int64)
        self.r_off = np.array([s_off[s] for s in self.r_school], dtype=np.int64)
        self.q10 = np.array([t.q10 for t in teachers], dtype=np.int64)
        self.max_day = np.array([t.max_sessions_per_day for t in teachers], dtype=np.int64)
        self.max_week = np.array([t.max_sessions_per_week for t in teachers], dtype=np.int64)
        self.dur = np.array([r.duration_minutes // TICK for r in requests], dtype=np.int64)
        self.spw = np.array([r.sessions_per_week for r in requests], dtype=np.int64)
        self.prio = np.array([r.priority for r in requests], dtype=np.int64)
        self.durations = sorted(set(self.dur.tolist()))

        # teacher start masks per session length
        self.tstart: dict[int, np.ndarray] = {}
        for d in self.durations:
            mask = np.zeros((self.n_teachers, WEEK), dtype=bool)
            for ti, teacher in enumerate(teachers):
                for a in teacher.availability:
                    start = (DAY_INDEX[a.day] * DAY + a.start // TICK - self.t_off[ti]) % WEEK
                    mask[ti, _starts(start, (a.end - a.start) // TICK, d)] = True
            self.tstart[d] = mask

        # request starts (sorted absolute ticks) and the school-local day of each
        self.r_ticks: list[np.ndarray] = []
        self.r_days: list[np.ndarray] = []
        for ri, request in enumerate(requests):
            ticks, days = [], []
            for w in request.windows:
                start = (DAY_INDEX[w.day] * DAY + w.start // TICK - self.r_off[ri]) % WEEK
                s = _starts(start, (w.end - w.start) // TICK, int(self.dur[ri]))
                ticks.append(s)
                days.append(np.full(len(s), DAY_INDEX[w.day], dtype=np.int64))
            t = np.concatenate(ticks) if ticks else np.empty(0, dtype=np.int64)
            dd = np.concatenate(days) if days else np.empty(0, dtype=np.int64)
            t, first = np.unique(t, return_index=True)
            self.r_ticks.append(t)
            self.r_days.append(dd[first])

        # eligibility: subject, grade, province, and enough capacity at all
        by_subject_grade: dict[tuple[str, int], list[int]] = defaultdict(list)
        for ti, teacher in enumerate(teachers):
            for subject in teacher.subjects:
                for grade in teacher.grades:
                    by_subject_grade[(subject, grade)].append(ti)
        self.by_subject_grade = by_subject_grade
        province_index: dict[str, int] = {}
        s_province = np.array([province_index.setdefault(s.province, len(province_index))
                               for s in instance.schools], dtype=np.int64)
        t_province = np.array([province_index.setdefault(t.province, len(province_index))
                               for t in teachers], dtype=np.int64)
        teaching = {key: np.array(ts, dtype=np.int64) for key, ts in by_subject_grade.items()}
        nobody = np.empty(0, dtype=np.int64)
        self.pairs: list[np.ndarray] = []
        for ri, request in enumerate(requests):
            cands = teaching.get((request.subject, request.grade), nobody)
            keep = (self.max_week[cands] >= request.sessions_per_week) & (self.max_day[cands] >= 1)
            if instance.cross_province:
                keep &= t_province[cands] != s_province[self.r_school[ri]]
            cands = cands[keep]
            if request.excluded_teachers:
                excluded = set(request.excluded_teachers)
                cands = np.array([t for t in cands.tolist() if teachers[t].id not in excluded], dtype=np.int64)
            ticks = self.r_ticks[ri]
            if len(cands) == 0 or len(ticks) == 0:
                self.pairs.append(np.empty(0, dtype=np.int64))
                continue
            ok = self.tstart[int(self.dur[ri])].take(cands, axis=0).take(ticks, axis=1)
            keep = days_with_a_start(ok, self.r_days[ri]) >= request.sessions_per_week
            self.pairs.append(cands[keep])
        # the same laid end to end (request r's part from offsets[r] to offsets[r + 1]), for numpy
        # over many requests at once
        self.tick_offsets = np.cumsum([0] + [len(t) for t in self.r_ticks])
        self.tick_flat = np.concatenate(self.r_ticks) if self.r_ticks else np.empty(0, dtype=np.int64)
        self.day_flat = np.concatenate(self.r_days) if self.r_days else np.empty(0, dtype=np.int64)
        self.pair_offsets = np.cumsum([0] + [len(p) for p in self.pairs])
        self.pair_flat = np.concatenate(self.pairs) if self.pairs else np.empty(0, dtype=np.int64)

    # --- the score (the solvers' only copy; scheduler/validate.py keeps its own on purpose) ----
    def weights(self, ri, ti):
        """Score of request(s) ri served by teacher(s) ti: priority x sessions x (50 + 10 x quality).
        Works on ints and on numpy arrays alike."""
        return self.prio[ri] * self.spw[ri] * (50 + self.q10[ti])

    def weight(self, ri: int, ti: int) -> int:
        return int(self.weights(ri, ti))

    @property
    def bonus(self) -> int:
        """Fairness bonus for every school with at least one served request."""
        return self.instance.fairness_bonus

    def score(self, chosen: dict[int, tuple[int, list[int]]]) -> int:
        schools = {int(self.r_school[r]) for r in chosen}
        return sum(self.weight(r, t) for r, (t, _) in chosen.items()) + self.bonus * len(schools)

    def pair_name(self, ri: int, ti: int) -> str:
        """Request and teacher ids, to name a model's variables."""
        return f"{self.instance.requests[ri].id},{self.instance.teachers[ti].id}"

    # --- helpers -----------------------------------------------------------

    def pairs_of(self, requests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(request, teacher) of every pair of `requests`, in request order."""
        counts = self.pair_offsets[requests + 1] - self.pair_offsets[requests]
        return np.repeat(requests, counts), self.pair_flat[ranges(self.pair_offsets[requests], counts)]

    def teacher_day(self, ti: int, ticks):
        return ((ticks + self.t_off[ti]) % WEEK) // DAY

    def school_day(self, ri: int, ticks):
        return ((ticks + self.r_off[ri]) % WEEK) // DAY

    def conflict_range(self, start: int, length: int, other_length: int) -> np.ndarray:
        """Start ticks of an `other_length` session that would clash with [start, +length)."""
        lo = start - other_length - self.brk + 1
        hi = start + length + self.brk - 1
        if hi - lo + 1 >= WEEK:
            return np.arange(WEEK)
        return np.arange(lo, hi + 1) % WEEK

    def to_assignment(self, ri: int, ti: int, ticks) -> Assignment:
        request = self.instance.requests[ri]
        sessions = []
        for tick in sorted(int(x) for x in ticks):
            local = (tick + int(self.r_off[ri])) % WEEK
            sessions.append(Session(DAYS[local // DAY], (local % DAY) * TICK))
        sessions.sort(key=lambda s: (DAY_INDEX[s.day], s.start))
        return Assignment(request.id, self.instance.teachers[ti].id, sessions)

    def from_assignment(self, assignment: Assignment) -> tuple[int, int, list[int]] | None:
        ri = self.request_index.get(assignment.request)
        ti = self.teacher_index.get(assignment.teacher)
        if ri is None or ti is None:
            return None
        off = int(self.r_off[ri])
        ticks = [(DAY_INDEX[s.day] * DAY + s.start // TICK - off) % WEEK for s in assignment.sessions]
        return ri, ti, ticks


class TeacherState:
    """Which starts are still free for each teacher, and day/week session counts."""

    def __init__(self, compiled: Compiled, teachers=None):
        """Nothing placed yet; only `teachers` can take a session if given (every other teacher
        has no free start)."""
        self.c = compiled
        if teachers is None:
            self.free = {d: m.copy() for d, m in compiled.tstart.items()}
        else:
            rows = np.fromiter(teachers, dtype=np.int64)
            self.free = {}
            for d, mask in compiled.tstart.items():
                free = np.zeros(mask.shape, dtype=bool)     # calloc: only the rows written cost
                free[rows] = mask[rows]
                self.free[d] = free
        self.day_count = np.zeros((compiled.n_teachers, 7), dtype=np.int64)
        self.week_count = np.zeros(compiled.n_teachers, dtype=np.int64)
        self.placed: list[tuple[int, int, list[int]]] = []

    @classmethod
    def for_teachers(cls, compiled: Compiled, teachers, placed) -> "TeacherState":
        """A state in which only `teachers` (all if None) can take a session, with `placed`
        (request, teacher, ticks) already on them: what a neighbourhood of the search needs, built
        from its own teachers' sessions instead of every session of the timetable (at
        5,000 x 20,000 that was most of the search's time)."""
        state = cls(compiled, teachers)
        for r, t, ticks in placed:
            state.place(r, t, ticks)
        return state

    def placed_on(self, teachers: set[int] | None) -> list[tuple[int, int, list[int]]]:
        """The sessions placed so far (request, teacher, ticks), only on `teachers` if given."""
        return [p for p in self.placed if teachers is None or p[1] in teachers]

    def place(self, ri: int, ti: int, ticks) -> None:
        c = self.c
        self.placed.append((int(ri), int(ti), [int(x) for x in ticks]))
        length = int(c.dur[ri])
        for tick in ticks:
            for d, free in self.free.items():
                free[ti, c.conflict_range(int(tick), length, d)] = False
            self.day_count[ti, int(c.teacher_day(ti, int(tick)))] += 1
        self.week_count[ti] += len(ticks)

    def clash(self, a: int, b: int, length: int) -> bool:
        """Two sessions of one request's length at ticks a and b are too close."""
        span = length + self.c.brk
        return (a - b) % WEEK < span or (b - a) % WEEK < span

    def fit(self, ri: int, ti: int) -> list[int] | None:
        """Earliest free start on each of the first school days that fit; None if it cannot."""
        c = self.c
        spw = int(c.spw[ri])
        length = int(c.dur[ri])
        if self.week_count[ti] + spw > c.max_week[ti]:
            return None
        ticks = c.r_ticks[ri]
        ok = self.free[int(c.dur[ri])][ti, ticks]
        if not ok.any():
            return None
        cand = ticks[ok]
        days = c.r_days[ri][ok]
        tdays = c.teacher_day(ti, cand)
        room = c.max_day[ti] - self.day_count[ti]
        chosen: list[int] = []
        used_days: set[int] = set()
        extra: dict[int, int] = defaultdict(int)
        # sessions are taken day by day in school-week order, earliest start first
        order = np.lexsort((cand, days))
        for k in order:
            day, tday = int(days[k]), int(tdays[k])
            if day in used_days or room[tday] - extra[tday] <= 0:
                continue
            tick = int(cand[k])
            if any(self.clash(tick, other, length) for other in chosen):
                continue
            chosen.append(int(cand[k]))
            used_days.add(day)
            extra[tday] += 1
            if len(chosen) == spw:
                return chosen
        return None
