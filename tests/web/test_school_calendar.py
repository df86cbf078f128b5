"""Indonesia's school calendar: no session on national holidays (the `holidays` package) or on the
coordinator's closures (cuti bersama, a province's school closure); a closure added later cancels sessions on
it with notice; timetables and the phone feed show the days without school."""
from datetime import date

from icalendar import Calendar
from sqlalchemy import select

from classroom.extensions import db
from classroom.models import LiveSession, LiveStatus, Notification, User
from classroom.timefmt import in_zone

from .test_teacher_timetable import plan

JANUARY_2027 = {"term_start": "2027-01-04", "term_end": "2027-01-31"}  # Tuesdays 5, 12, 19, 26
TUESDAYS = (("tue", "07:30"),)


def _school_days(app, sessions, status=LiveStatus.SCHEDULED):
    with app.app_context():
        rows = [db.session.get(LiveSession, s) for s in sessions]
        return [in_zone(r.starts_at, r.school.timezone).date().day for r in rows if r.status == status]


def test_publishing_skips_national_holidays_and_cuti_bersama(app, client, auth, factory):
    teacher_id, _ = factory.teacher(province="11")
    school_id, _ = factory.school(province="91")
    _, coordinator = factory.coordinator()
    auth.login(coordinator)
    response = client.post("/coordinator/calendar", data={"start_date": "2027-01-19", "name": "Cuti bersama"})
    assert response.status_code == 302
    _, sessions = plan(app, teacher_id, school_id, slots=TUESDAYS, **JANUARY_2027)
    # 5 January 2027 is Isra Mi'raj; 19 January the coordinator's cuti bersama
    assert _school_days(app, sessions) == [12, 26]


def test_a_closure_added_later_cancels_the_sessions_on_it_and_tells_school_and_teacher(app, client, auth, factory):
    teacher_id, _ = factory.teacher(province="11")
    school_id, _ = factory.school(province="91")
    elsewhere_id, _ = factory.school(province="81")
    _, coordinator = factory.coordinator()
    _, sessions = plan(app, teacher_id, school_id, slots=TUESDAYS, **JANUARY_2027)
    _, other_sessions = plan(app, teacher_id, elsewhere_id, slots=(("wed", "07:30"),), class_name="VIII-B",
                             **JANUARY_2027)
    auth.login(coordinator)
    page = client.post("/coordinator/calendar", data={"start_date": "2027-01-12", "end_date": "2027-01-13",
                                                      "name": "Banjir Jayapura", "province": "91"},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 sesi mendatang pada tanggal itu dibatalkan" in page and "Banjir Jayapura" in page
    assert _school_days(app, sessions, LiveStatus.CANCELLED) == [12]
    assert _school_days(app, other_sessions, LiveStatus.CANCELLED) == []  # Maluku is not closed
    with app.app_context():
        assert db.session.scalars(select(LiveSession.withdrawn_reason).where(
            LiveSession.status == LiveStatus.CANCELLED)).all() == ["Banjir Jayapura"]
        for user_id in (school_id, teacher_id):
            kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == user_id)).all()
            assert kinds == ["session_closed"], user_id


def test_a_closure_needs_a_name_and_dates(client, auth, factory):
    _, coordinator = factory.coordinator()
    auth.login(coordinator)
    response = client.post("/coordinator/calendar?lang=en", data={"start_date": "2027-13-01", "name": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Use a date like 2026-01-31." in page and "This field is required." in page


def test_the_teachers_timetable_and_feed_show_the_holiday(app, client, auth, factory):
    teacher_id, email = factory.teacher(province="11")
    school_id, _ = factory.school(province="91")
    plan(app, teacher_id, school_id, slots=TUESDAYS, **JANUARY_2027)
    auth.login(email)
    page = client.get("/teacher/timetable?week=2027-01-04").get_data(as_text=True)
    assert "Libur sekolah" in page and "Isra Mikraj" in page
    with app.app_context():
        token = db.session.get(User, teacher_id).teacher_profile.calendar_token
    if token is None:
        client.post("/teacher/calendar/token")
        with app.app_context():
            token = db.session.get(User, teacher_id).teacher_profile.calendar_token
    feed = Calendar.from_ical(client.get(f"/calendar/{token}.ics").data)
    closed = {e.decoded("dtstart"): str(e.get("summary")) for e in feed.walk("VEVENT")
              if str(e.get("uid")).startswith("closed-")}
    assert "Isra Mikraj" in closed[date(2027, 1, 5)]
