"""Realistic demo data: teachers in Aceh and other WIB/WITA provinces, schools in Papua and Maluku."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from .extensions import db
from .models import LiveSession, LiveStatus, MatchingRun, Role, School, User
from .reference import PROVINCES_BY_NAME
from .services import accounts, requests as request_service, teachers as teacher_service
from .services.join_codes import unique_code
from .timefmt import utcnow

DEMO_PASSWORD = "nusantara123"


@dataclass
class DemoResult:
    logins: list[tuple[str, str, str]]  # (role, e-mail, password)
    room_code: str
    room_session_id: int
    run_id: int


TEACHERS = [
    # name, province, subjects, grades, certified, years, availability (teacher-local)
    ("Cut Nyak Rahmah", "Aceh", ["Matematika"], [7, 8, 9], True, 14,
     [("mon", "05:30", "07:00"), ("tue", "05:30", "07:00"), ("wed", "09:00", "11:00"), ("thu", "05:30", "07:00"), ("fri", "09:00", "11:00")]),
    ("Teuku Iskandar", "Aceh", ["Bahasa Inggris"], [7, 8, 9, 10, 11, 12], True, 9,
     [("mon", "09:00", "11:00"), ("tue", "05:30", "07:00"), ("wed", "05:30", "07:00"), ("thu", "09:00", "11:00")]),
    ("Nurul Hidayah", "Aceh", ["IPA"], [7, 8, 9], False, 5,
     [("mon", "05:30", "07:00"), ("wed", "05:30", "07:00"), ("fri", "05:30", "07:00"), ("sat", "06:00", "09:00")]),
    ("Fauzan Abdullah", "Aceh", ["Fisika", "Matematika"], [10, 11, 12], True, 18,
     [("tue", "09:00", "11:00"), ("wed", "09:00", "11:00"), ("thu", "05:30", "07:00"), ("sat", "06:00", "10:00")]),
    ("Raihan Maulida", "Aceh", ["Bahasa Indonesia"], [1, 2, 3, 4, 5, 6], False, 3,
     [("mon", "06:00", "07:00"), ("tue", "09:30", "11:00"), ("thu", "09:30", "11:00")]),
    ("Siti Marlina", "Sumatera Barat", ["Kimia", "Biologi"], [10, 11, 12], True, 11,
     [("mon", "09:00", "11:00"), ("wed", "09:00", "11:00"), ("fri", "05:45", "07:00")]),
    ("Bambang Sutrisno", "Jawa Tengah", ["Matematika", "IPAS"], [4, 5, 6], True, 20,
     [("tue", "05:30", "07:00"), ("wed", "09:00", "11:00"), ("thu", "09:00", "11:00"), ("sat", "07:00", "10:00")]),
    ("Andi Makkasau", "Sulawesi Selatan", ["Bahasa Inggris", "Informatika"], [7, 8, 9], True, 7,
     [("mon", "06:00", "07:00"), ("tue", "10:00", "12:00"), ("thu", "10:00", "12:00"), ("fri", "06:00", "07:00")]),
    ("Ni Luh Putu Ayu", "Bali", ["Bahasa Indonesia", "PPKn"], [7, 8, 9], False, 6,
     [("mon", "10:00", "12:00"), ("wed", "06:00", "07:00"), ("fri", "10:00", "12:00")]),
    ("Hendra Gunawan", "Kalimantan Barat", ["Biologi", "IPA"], [7, 8, 9, 10], False, 4,
     [("tue", "05:30", "07:00"), ("thu", "05:30", "07:00"), ("sat", "07:00", "09:00")]),
]

SCHOOLS = [
    # npsn, name, level, province, district, remote
    ("60301234", "SMP Negeri 2 Wamena", "SMP", "Papua Pegunungan", "Jayawijaya", True),
    ("60302345", "SMA Negeri 1 Sentani", "SMA", "Papua", "Jayapura", False),
    ("60303456", "SD Inpres Merauke 3", "SD", "Papua Selatan", "Merauke", True),
    ("60104567", "SMP Negeri 5 Ambon", "SMP", "Maluku", "Kota Ambon", False),
    ("60305678", "SMP Negeri 1 Sorong", "SMP", "Papua Barat Daya", "Kota Sorong", True),
]

REQUESTS = [
    # school index, class, subject, grade, students, per week, minutes, priority, windows (school-local)
    (0, "VIII-A", "Matematika", 8, 28, 2, 70, 5, [("mon", "07:30", "12:00"), ("tue", "07:30", "12:00"), ("thu", "07:30", "12:00")]),
    (0, "VII-B", "Bahasa Inggris", 7, 31, 2, 70, 4, [("mon", "07:30", "13:00"), ("wed", "07:30", "12:00"), ("thu", "07:30", "13:00")]),
    (0, "IX-A", "IPA", 9, 26, 2, 60, 4, [("mon", "07:30", "10:00"), ("wed", "07:30", "10:00"), ("fri", "07:30", "10:00")]),
    (1, "XI IPA 1", "Fisika", 11, 32, 2, 80, 5, [("tue", "10:30", "13:00"), ("wed", "10:30", "13:00"), ("thu", "07:30", "09:30")]),
    (1, "X-2", "Kimia", 10, 30, 2, 80, 3, [("mon", "11:00", "13:00"), ("wed", "11:00", "13:00"), ("fri", "07:30", "09:30")]),
    (1, "XII IPA", "Biologi", 12, 27, 1, 80, 2, [("mon", "11:00", "13:00")]),
    (2, "Kelas 5", "Matematika", 5, 24, 2, 60, 5, [("tue", "07:30", "09:30"), ("wed", "11:00", "13:00"), ("thu", "11:00", "13:00")]),
    (2, "Kelas 2", "Bahasa Indonesia", 2, 22, 2, 45, 4, [("mon", "08:00", "09:00"), ("tue", "11:30", "13:00"), ("thu", "11:30", "13:00")]),
    (3, "VIII-C", "Bahasa Inggris", 8, 34, 2, 70, 3, [("mon", "08:00", "12:00"), ("tue", "07:30", "12:00"), ("fri", "07:30", "12:00")]),
    (3, "VII-A", "Bahasa Indonesia", 7, 33, 2, 70, 3, [("mon", "11:00", "13:00"), ("fri", "11:00", "13:00")]),
    (4, "IX-B", "Informatika", 9, 25, 1, 70, 2, [("tue", "12:00", "14:00"), ("thu", "12:00", "14:00")]),
    (4, "VIII-A", "Prakarya", 8, 25, 1, 70, 2, [("wed", "07:30", "12:00")]),  # no Prakarya teacher: shows a reason
]


def _first_monday_after(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def seed(public_url: str, solve_seconds: float = 5.0) -> DemoResult:
    """Create the demo programme, run and publish one matching, and open one live room now."""
    logins: list[tuple[str, str, str]] = []
    admin = accounts.create_staff_account({"name": "Admin Kelas Nusantara", "email": "admin@kelas.id",
                                           "password": DEMO_PASSWORD, "timezone": "Asia/Jakarta"}, Role.ADMIN)
    coordinator = accounts.create_staff_account({"name": "Dewi Koordinator", "email": "koordinator@kelas.id",
                                                 "password": DEMO_PASSWORD, "timezone": "Asia/Jakarta"},
                                                Role.COORDINATOR)
    logins += [("admin", admin.email, DEMO_PASSWORD), ("coordinator", coordinator.email, DEMO_PASSWORD)]

    for index, (name, province, subjects, grades, certified, years, slots) in enumerate(TEACHERS):
        email = "guru.aceh@kelas.id" if index == 0 else f"guru{index + 1}@kelas.id"
        user = accounts.register_teacher({
            "name": name, "email": email, "password": DEMO_PASSWORD, "province": PROVINCES_BY_NAME[province].code,
            "subjects": subjects, "grades": grades, "certified": certified, "years_teaching": years,
            "school_name": f"Sekolah asal {name.split()[0]}"})
        accounts.approve(user, coordinator)
        profile = user.teacher_profile
        profile.max_sessions_per_day, profile.max_sessions_per_week = 3, 8
        teacher_service.set_availability(profile, [{"day": d, "start": s, "end": e} for d, s, e in slots])
        if index == 0:
            logins.append(("teacher", email, DEMO_PASSWORD))

    schools: list[School] = []
    for index, (npsn, name, level, province, district, remote) in enumerate(SCHOOLS):
        email = "sekolah.papua@kelas.id" if index == 0 else f"sekolah{index + 1}@kelas.id"
        user = accounts.register_school({
            "name": f"Staf {name}", "email": email, "password": DEMO_PASSWORD, "npsn": npsn, "school_name": name,
            "level": level, "province": PROVINCES_BY_NAME[province].code, "district": district, "remote": remote})
        accounts.approve(user, coordinator)
        schools.append(user.school)
        if index == 0:
            logins.append(("school", email, DEMO_PASSWORD))

    term_start = _first_monday_after(utcnow().date())
    term_end = term_start + timedelta(weeks=12) - timedelta(days=1)
    for school_index, class_name, subject, grade, students, per_week, minutes, priority, windows in REQUESTS:
        request_service.create_request(schools[school_index], {
            "class_name": class_name, "subject": subject, "grade": grade, "students": students,
            "sessions_per_week": per_week, "duration_minutes": minutes, "priority": priority,
            "term_start": term_start.isoformat(), "term_end": term_end.isoformat(),
            "windows": [{"day": d, "start": s, "end": e} for d, s, e in windows]})

    run = run_and_publish(coordinator, term_start, term_end, solve_seconds)

    # One room open right now, so a visitor can try a live session at once.
    first = run.assignments[0] if run.assignments else None
    if first is None:
        raise RuntimeError("the demo matching served no request")
    now = utcnow().replace(second=0, microsecond=0)
    room = LiveSession(assignment=first, request_id=first.request_id, teacher_id=first.teacher_id,
                       school_id=first.request.school_id, starts_at=now - timedelta(minutes=5),
                       ends_at=now + timedelta(minutes=85), join_code=unique_code(), status=LiveStatus.SCHEDULED)
    db.session.add(room)
    db.session.flush()
    return DemoResult(logins=logins, room_code=room.join_code, room_session_id=room.id, run_id=run.id)


def run_and_publish(coordinator: User, term_start: date, term_end: date, solve_seconds: float) -> MatchingRun:
    """The demo's matching, run in this process (a CLI command, not a web request), then published."""
    from .services import publishing, runs
    from .worker import execute
    run = runs.start_run(coordinator, {"term_start": term_start.isoformat(), "term_end": term_end.isoformat(),
                                       "time_limit": max(5, int(solve_seconds))})
    db.session.commit()
    execute(run.id, worker="seed-demo")
    run = db.session.get(MatchingRun, run.id)
    publishing.publish(run, coordinator)
    return run


def demo_exists() -> bool:
    return db.session.scalar(select(User.id).where(User.email == "admin@kelas.id")) is not None


