"""The teaching record: sessions taught, lesson hours (JP of 45 minutes) per month, attendance and ratings, as CSV too."""
import csv
import io
import re
from datetime import timedelta

from classroom.extensions import db
from classroom.models import AttendanceInterval, LiveSession, LiveStatus, Participant, Rating, User

from classroom.timefmt import utcnow

from .test_teacher_timetable import plan


def _teacher_in_room(live, minutes, joined_after=0):
    teacher = Participant(live_session=live, name="Guru", role="teacher")
    start = live.starts_at + timedelta(minutes=joined_after)
    teacher.attendance.append(AttendanceInterval(joined_at=start, left_at=start + timedelta(minutes=minutes)))
    db.session.add(teacher)


def _taught_term(app, factory):
    """Five Monday lessons of 70 minutes in Sep-Oct 2026, one of them cancelled, one attended and rated."""
    teacher_id, email = factory.teacher(province="11")
    school_id, _ = factory.school(province="91", school_name="SMP Negeri 2 Wamena")
    rater_id, _ = factory.school(province="91")
    _, sessions = plan(app, teacher_id, school_id, term_start="2026-09-07", term_end="2026-10-11")
    with app.app_context():
        db.session.get(LiveSession, sessions[1]).status = LiveStatus.CANCELLED
        first = db.session.get(LiveSession, sessions[0])
        first.status = LiveStatus.ENDED
        joined = first.starts_at
        for name, role, headcount, removed in [("Yosef", "student", None, False), ("Maria", "student", None, False),
                                               ("Kelas VIII-A", "class_device", 20, False),
                                               ("Pengganggu", "student", None, True)]:
            participant = Participant(live_session=first, name=name, role=role, headcount=headcount, removed=removed)
            participant.attendance.append(AttendanceInterval(joined_at=joined, left_at=joined + timedelta(minutes=60)))
            db.session.add(participant)
        for live_id in sessions[:1] + sessions[2:]:  # the teacher taught each lesson that was not cancelled, whole
            _teacher_in_room(db.session.get(LiveSession, live_id), minutes=70)
        db.session.add(Participant(live_session=first, name="Tidak pernah masuk", role="student"))
        teacher = db.session.get(User, teacher_id).teacher_profile
        db.session.add(Rating(live_session_id=first.id, teacher_id=teacher.id, rated_by_id=school_id, stars=5))
        db.session.add(Rating(live_session_id=first.id, teacher_id=teacher.id, rated_by_id=rater_id, stars=4))
        db.session.commit()
    return email, sessions


def test_record_counts_taught_sessions_in_lesson_hours_per_month(client, auth, factory, app):
    email, _sessions = _taught_term(app, factory)
    auth.login(email)
    body = client.get("/api/teacher/record").get_json()
    assert body["months"] == [{"month": "2026-09", "sessions": 3, "minutes": 210, "jp": 4.7},
                              {"month": "2026-10", "sessions": 1, "minutes": 70, "jp": 1.6}]
    assert body["total"] == {"sessions": 4, "minutes": 280, "jp": 6.2, "ratings": 2, "rating_mean": 4.5}
    first = body["sessions"][0]
    # Two students and a class device for twenty; the removed student and the teacher do not count.
    assert first["students_present"] == 22 and first["class_size"] == 28 and first["rating"] == 4.5
    assert first["local_start"] == "2026-09-07T05:30:00+07:00"


def test_record_csv_has_each_session_and_the_month_totals_in_jp(client, auth, factory, app):
    email, _sessions = _taught_term(app, factory)
    auth.login(email)
    response = client.get("/teacher/record.csv?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header = rows[0]
    sessions = [dict(zip(header, row)) for row in rows[1:5]]
    assert [s["date"] for s in sessions] == ["2026-09-07", "2026-09-21", "2026-09-28", "2026-10-05"]
    assert sessions[0]["start"] == "05:30" and sessions[0]["zone"] == "WIB"
    assert sessions[0]["school_time"] == "07:30 WIT" and sessions[0]["school"] == "SMP Negeri 2 Wamena"
    assert sessions[0]["jp"] == "1.6" and sessions[0]["students_present"] == "22"
    totals = rows[rows.index(["month", "sessions", "minutes", "jp"]) + 1:]
    assert totals == [["2026-09", "3", "210", "4.7"], ["2026-10", "1", "70", "1.6"], ["total", "4", "280", "6.2"]]


def test_record_filters_by_dates_and_refuses_a_reversed_range(client, auth, factory, app):
    email, _sessions = _taught_term(app, factory)
    auth.login(email)
    october = client.get("/api/teacher/record?from=2026-10-01&to=2026-10-31").get_json()
    assert october["total"]["sessions"] == 1 and october["total"]["jp"] == 1.6
    rows = list(csv.reader(io.StringIO(client.get("/teacher/record.csv?from=2026-10-01&lang=en").get_data(as_text=True))))
    assert rows[-1] == ["total", "1", "70", "1.6"]
    bad = client.get("/teacher/record?from=2026-10-31&to=2026-10-01&lang=id")
    assert bad.status_code == 400 and "Tanggal selesai tidak boleh sebelum tanggal mulai." in bad.get_data(as_text=True)
    assert client.get("/api/teacher/record?from=31-10-2026").status_code == 400


def test_printable_record_page_shows_totals_and_print_styles(client, auth, factory, app):
    email, _sessions = _taught_term(app, factory)
    auth.login(email)
    page = client.get("/teacher/record").get_data(as_text=True)
    assert "6.2 JP" in page and "280 menit" in page and "4.5 / 5" in page
    assert "22 / 28" in page
    stylesheet = re.search(r'href="(/static/css/teacher\.[0-9a-f]{10}\.css)"', page)
    assert stylesheet
    css = client.get(stylesheet.group(1)).get_data(as_text=True)
    assert "@media print" in css


def test_future_and_other_teachers_sessions_are_not_in_the_record(client, auth, factory, app):
    teacher_id, email = factory.teacher()
    other_id, _ = factory.teacher()
    school_id, _ = factory.school()
    plan(app, teacher_id, school_id)  # January 2030, still to come
    plan(app, other_id, school_id, term_start="2026-09-07", term_end="2026-10-11")
    auth.login(email)
    assert client.get("/api/teacher/record").get_json()["total"]["sessions"] == 0


def test_api_record_refuses_a_range_that_ends_before_it_starts(client, auth, factory):
    _, email = factory.teacher()
    auth.login(email)
    response = client.get("/api/teacher/record?from=2030-02-01&to=2030-01-01&lang=en")
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"to": "The end date must not be before the start date."}


def _one_lesson(app, factory, duration=90):
    teacher_id, email = factory.teacher(province="11")
    school_id, staff_email = factory.school(province="91")
    _, sessions = plan(app, teacher_id, school_id, term_start="2026-09-07", term_end="2026-09-13", duration=duration)
    return email, staff_email, sessions[0]


def test_jp_counts_the_time_actually_taught_with_the_planned_time_beside(client, auth, factory, app):
    email, _staff, live_id = _one_lesson(app, factory)
    with app.app_context():
        live = db.session.get(LiveSession, live_id)
        live.status, live.ended_at = LiveStatus.ENDED, live.starts_at + timedelta(minutes=34)  # ended 34 minutes in
        _teacher_in_room(live, minutes=90)
        db.session.commit()
    auth.login(email)
    [row] = client.get("/api/teacher/record").get_json()["sessions"]
    assert (row["minutes"], row["planned_minutes"], row["jp"]) == (34, 90, 0.8)
    page = client.get("/teacher/record").get_data(as_text=True)
    assert "(90 terjadwal)" in page and "0.8 JP" in page


def test_a_session_nobody_opened_is_not_counted_as_taught(client, auth, factory, app):
    email, _staff, _live_id = _one_lesson(app, factory)
    auth.login(email)
    assert client.get("/api/teacher/record").get_json()["total"] == {
        "sessions": 0, "minutes": 0, "jp": 0.0, "ratings": 0, "rating_mean": None}


def test_students_present_are_counted_once_and_never_above_the_class(client, auth, factory, app):
    email, _staff, live_id = _one_lesson(app, factory)
    with app.app_context():
        live = db.session.get(LiveSession, live_id)
        live.status = LiveStatus.ENDED
        _teacher_in_room(live, minutes=90)
        # a class device for 25, four named students, one of them on two browsers
        for name, role, headcount in [("Kelas VIII-A", "class_device", 25), ("Yosef", "student", None),
                                      ("Maria", "student", None), ("Ani", "student", None), ("Budi", "student", None),
                                      ("yosef ", "student", None)]:
            participant = Participant(live_session=live, name=name, role=role, headcount=headcount)
            participant.attendance.append(AttendanceInterval(joined_at=live.starts_at,
                                                             left_at=live.starts_at + timedelta(minutes=30)))
            db.session.add(participant)
        db.session.commit()
    auth.login(email)
    [row] = client.get("/api/teacher/record").get_json()["sessions"]
    assert (row["students_present"], row["class_size"]) == (28, 28)  # 25 + 4 is more than the class of 28
    page = client.get("/teacher/record").get_data(as_text=True)
    assert "28 / 28" in page and "setiap siswa bernama dihitung sekali" in page


def test_a_new_teacher_is_shown_as_new_not_as_a_high_score(client, auth, factory):
    _, email = factory.teacher(certified=True, years_teaching=20)
    auth.login(email)
    page = client.get("/teacher/").get_data(as_text=True)
    assert "Baru: belum ada penilaian" in page and "4.9 / 5" not in page
    assert "bersertifikat" in page  # what the signal is made of


def test_a_session_can_be_rated_as_soon_as_the_teacher_ends_it(client, auth, factory, app):
    _email, staff_email, live_id = _one_lesson(app, factory)
    with app.app_context():
        live = db.session.get(LiveSession, live_id)
        # still within its planned time, but ended by the teacher
        live.starts_at, live.ends_at = utcnow() - timedelta(minutes=30), utcnow() + timedelta(minutes=60)
        live.status, live.ended_at = LiveStatus.ENDED, utcnow()
        db.session.commit()
    auth.login(staff_email)
    response = client.post(f"/api/school/sessions/{live_id}/rating", json={"stars": 5})
    assert response.status_code == 201, response.get_json()


def test_record_csv_headers_are_in_the_viewers_language(client, auth, factory, app):
    email, _sessions = _taught_term(app, factory)
    auth.login(email)
    rows = list(csv.reader(io.StringIO(client.get("/teacher/record.csv?lang=id").get_data(as_text=True))))
    assert rows[0][:4] == ["tanggal", "mulai", "selesai", "zona"] and "siswa_hadir" in rows[0]
    assert ["bulan", "sesi", "menit", "jp"] in rows and rows[-1][0] == "total"
    english = list(csv.reader(io.StringIO(client.get("/teacher/record.csv?lang=en").get_data(as_text=True))))
    assert english[0][:4] == ["date", "start", "end", "zone"]
