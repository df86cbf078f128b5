"""A teacher's timetable: sessions in the teacher's own time with the school's clock beside, and the phone feed."""
from datetime import datetime, timezone

from icalendar import Calendar
from classroom.extensions import db
from classroom.models import Assignment, LiveSession, MatchingRun, RequestStatus, RunStatus, User
from classroom.services import matching, requests as request_service
from classroom.services.withdrawals import withdraw_session


def plan(app, teacher_id: int, school_user_id: int, term_start="2030-01-07", term_end="2030-02-03",
         slots=(("mon", "07:30"),), duration=70, class_name="VIII-A") -> tuple[int, list[int]]:
    """A published timetable putting the teacher into one new request of the school: (assignment, sessions)."""
    with app.app_context():
        teacher = db.session.get(User, teacher_id).teacher_profile
        school = db.session.get(User, school_user_id).school
        request = request_service.create_request(school, {
            "class_name": class_name, "subject": "Matematika", "grade": 8, "students": 28,
            "sessions_per_week": len(slots), "duration_minutes": duration, "term_start": term_start,
            "term_end": term_end, "windows": [{"day": day, "start": "05:00", "end": "15:00"} for day, _ in slots]})
        run = MatchingRun(term_start=request.term_start, term_end=request.term_end, status=RunStatus.PUBLISHED)
        assignment = Assignment(run=run, request=request, teacher=teacher,
                                slots=[{"day": day, "start": start} for day, start in slots])
        db.session.add(assignment)
        db.session.flush()
        matching.create_live_sessions(assignment)
        request.status = RequestStatus.SCHEDULED
        db.session.commit()
        return assignment.id, [live.id for live in assignment.live_sessions]


def test_wib_teacher_sees_a_papua_lesson_at_half_past_five_with_the_school_clock(client, auth, factory, app):
    teacher_id, email = factory.teacher(province="11")  # Aceh, WIB
    school_id, _ = factory.school(province="91", school_name="SMP Negeri 2 Wamena")  # Papua, WIT
    plan(app, teacher_id, school_id)
    auth.login(email)
    page = client.get("/teacher/timetable?all=1&week=2030-01-07").get_data(as_text=True)
    assert "Senin, 7 Jan 2030 05:30 WIB" in page  # Monday 07:30 WIT is 05:30 in Aceh
    assert "07:30 WIT di sekolah" in page
    assert "SMP Negeri 2 Wamena" in page
    assert "Matematika · kelas 8 VIII-A" in page


def test_wita_teacher_sees_the_same_lesson_at_half_past_six(client, auth, factory, app):
    teacher_id, email = factory.teacher(province="73")  # Sulawesi Selatan, WITA
    school_id, _ = factory.school(province="91")
    plan(app, teacher_id, school_id)
    auth.login(email)
    page = client.get("/teacher/timetable?all=1&week=2030-01-07&lang=en").get_data(as_text=True)
    assert "Monday, 7 Jan 2030 06:30 WITA" in page
    assert "07:30 WIT at the school" in page
    assert "Monday 06:30 WITA" in page  # the weekly pattern of the class, in the teacher's time
    api = client.get("/api/teacher/timetable").get_json()
    first = api["sessions"][0]
    assert first["local_start"] == "2030-01-07T06:30:00+08:00" and first["zone"] == "WITA"
    assert first["school_start"] == "2030-01-07T07:30:00+09:00" and first["school_zone"] == "WIT"
    assert first["room_url"].endswith(f"/rooms/{first['id']}")


def test_timetable_links_each_session_to_its_room(client, auth, factory, app):
    teacher_id, email = factory.teacher()
    school_id, _ = factory.school()
    _, sessions = plan(app, teacher_id, school_id)
    auth.login(email)
    page = client.get("/teacher/timetable?all=1").get_data(as_text=True)
    assert f'href="/rooms/{sessions[0]}"' in page
    # By default the list stops four weeks ahead; January 2030 is further than that.
    assert f'href="/rooms/{sessions[0]}"' not in client.get("/teacher/timetable").get_data(as_text=True)


def _feed(client, app, user_id):
    with app.app_context():
        token = db.session.get(User, user_id).teacher_profile.calendar_token
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data), token


def test_calendar_feed_holds_each_session_at_its_utc_instant(client, factory, app):
    teacher_id, _ = factory.teacher(province="11")
    school_id, _ = factory.school(province="91", school_name="SMP Negeri 2 Wamena")
    _, sessions = plan(app, teacher_id, school_id)
    calendar, _token = _feed(client, app, teacher_id)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT") if str(e["uid"]).startswith("live-session-")}
    assert len(events) == 4  # four Mondays of January 2030 (the days without school are all-day events beside)
    first = events[f"live-session-{sessions[0]}@kelas-nusantara"]
    # Monday 07:30 WIT is Sunday 22:30 UTC.
    assert first.decoded("dtstart") == datetime(2030, 1, 6, 22, 30, tzinfo=timezone.utc)
    assert first.decoded("dtend") == datetime(2030, 1, 6, 23, 40, tzinfo=timezone.utc)
    assert b"DTSTART:20300106T223000Z" in first.to_ical()
    assert str(first["summary"]) == "Matematika kelas 8 · SMP Negeri 2 Wamena"
    with app.app_context():
        code = db.session.get(LiveSession, sessions[0]).join_code
    assert code in str(first["description"]) and f"/rooms/{sessions[0]}" in str(first["description"])
    assert "07:30 WIT" in str(first["description"])
    assert str(first["status"]) == "CONFIRMED"


def test_a_withdrawn_session_stays_in_the_feed_as_cancelled_with_the_same_uid(client, factory, app):
    teacher_id, _ = factory.teacher()
    school_id, _ = factory.school()
    _, sessions = plan(app, teacher_id, school_id)
    with app.app_context():
        profile = db.session.get(User, teacher_id).teacher_profile
        withdraw_session(profile, db.session.get(LiveSession, sessions[1]), "Sakit")
        db.session.commit()
    calendar, _token = _feed(client, app, teacher_id)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    cancelled = events[f"live-session-{sessions[1]}@kelas-nusantara"]
    assert str(cancelled["status"]) == "CANCELLED" and int(cancelled["sequence"]) == 1
    assert str(events[f"live-session-{sessions[0]}@kelas-nusantara"]["status"]) == "CONFIRMED"


def test_wrong_or_old_calendar_token_is_not_found(client, auth, factory, app):
    teacher_id, email = factory.teacher()
    _calendar, old = _feed(client, app, teacher_id)
    assert client.get("/calendar/not-the-token.ics").status_code == 404
    auth.login(email)
    response = client.post("/teacher/calendar/token", follow_redirects=True)
    assert "alamat kalender pribadi yang baru" in response.get_data(as_text=True)
    auth.logout()
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    _feed(client, app, teacher_id)


def test_feed_of_a_disabled_teacher_is_closed(client, factory, app):
    from classroom.models import AccountStatus
    teacher_id, _ = factory.teacher()
    with app.app_context():
        user = db.session.get(User, teacher_id)
        token = user.teacher_profile.calendar_token
        user.status = AccountStatus.DISABLED
        db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_sessions_of_other_teachers_do_not_show(client, auth, factory, app):
    first_id, first_email = factory.teacher()
    second_id, _ = factory.teacher()
    school_id, _ = factory.school()
    plan(app, second_id, school_id, class_name="IX-Z")
    auth.login(first_email)
    assert "IX-Z" not in client.get("/teacher/timetable?all=1&week=2030-01-07").get_data(as_text=True)
    assert client.get("/api/teacher/timetable").get_json()["sessions"] == []


def test_the_api_gives_a_new_calendar_address_and_wants_json(client, auth, factory, app):
    teacher_id, email = factory.teacher()
    _calendar, old = _feed(client, app, teacher_id)
    auth.login(email)
    assert client.post("/api/teacher/calendar-token", data={"x": "1"}).status_code == 400
    response = client.post("/api/teacher/calendar-token", json={})
    url = response.get_json()["calendar_url"]
    assert response.status_code == 200 and url.endswith(".ics") and old not in url
    assert client.get(url.replace("http://kelas.test", "")).status_code == 200
    assert client.get(f"/calendar/{old}.ics").status_code == 404
