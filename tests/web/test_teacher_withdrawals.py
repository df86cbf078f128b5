"""A teacher withdraws from one session or a whole class, with a reason; the school and coordinators hear of it."""
from datetime import timedelta

from sqlalchemy import select

from classroom.extensions import db
from classroom.models import Assignment, LiveSession, LiveStatus, Notification, SessionRequest
from classroom.services.notifications import message_for
from classroom.timefmt import utcnow

from .test_teacher_timetable import plan


def _notifications(app, user_id):
    with app.app_context():
        return db.session.scalars(select(Notification).where(Notification.user_id == user_id)).all()


def test_withdrawing_one_session_cancels_it_and_tells_school_and_coordinators(client, auth, factory, app):
    teacher_id, email = factory.teacher(province="11", name="Cut Nyak Rahmah")
    school_id, _ = factory.school(province="91")
    coordinator_id, _ = factory.coordinator(timezone="Asia/Jakarta")
    _, sessions = plan(app, teacher_id, school_id)
    auth.login(email)
    response = client.post(f"/teacher/sessions/{sessions[0]}/withdraw", data={"reason": "Sakit demam"},
                           follow_redirects=True)
    assert "Anda mundur dari sesi ini" in response.get_data(as_text=True)
    with app.app_context():
        live = db.session.get(LiveSession, sessions[0])
        assert live.status == LiveStatus.CANCELLED and live.withdrawn_reason == "Sakit demam"
        assert db.session.get(LiveSession, sessions[1]).status == LiveStatus.SCHEDULED
    [to_school] = _notifications(app, school_id)
    [to_coordinator] = _notifications(app, coordinator_id)
    assert to_school.kind == "session_withdrawn"
    # The moment is stored, not its text: each reader sees it in their own zone and language when shown.
    assert to_school.params["when"] == {"utc": "2030-01-06T22:30:00+00:00", "zone": "Asia/Jayapura"}
    assert to_coordinator.params == to_school.params
    with app.test_request_context("/?lang=en"):
        assert message_for(to_school.kind, to_school.params, "Asia/Jayapura") == \
            "Cut Nyak Rahmah cannot teach Matematika on Monday, 7 Jan 2030 07:30 WIT: Sakit demam"
    with app.test_request_context("/?lang=id"):
        assert message_for(to_coordinator.kind, to_coordinator.params, "Asia/Jakarta") == \
            "Cut Nyak Rahmah tidak dapat mengajar Matematika pada Senin, 7 Jan 2030 05:30 WIB: Sakit demam"
    page = client.get("/teacher/timetable?all=1&week=2030-01-07").get_data(as_text=True)
    assert "Dibatalkan" in page and "Sakit demam" in page


def test_a_reason_is_required_and_at_most_300_characters(client, auth, factory, app):
    teacher_id, email = factory.teacher()
    school_id, _ = factory.school()
    _, sessions = plan(app, teacher_id, school_id)
    auth.login(email)
    empty = client.post(f"/api/teacher/sessions/{sessions[0]}/withdraw?lang=en", json={"reason": "  "})
    assert empty.status_code == 400 and empty.get_json()["fields"] == {"reason": "This field is required."}
    long = client.post(f"/api/teacher/sessions/{sessions[0]}/withdraw?lang=en", json={"reason": "x" * 301})
    assert long.status_code == 400 and long.get_json()["fields"]["reason"] == "At most 300 characters."
    form = client.post(f"/teacher/sessions/{sessions[0]}/withdraw?lang=id", data={"reason": ""})
    assert form.status_code == 400 and "Kolom ini wajib diisi." in form.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LiveSession, sessions[0]).status == LiveStatus.SCHEDULED
    assert _notifications(app, school_id) == []


def test_another_teacher_gets_not_found(client, auth, factory, app):
    owner_id, _ = factory.teacher()
    _, other_email = factory.teacher()
    school_id, _ = factory.school()
    assignment_id, sessions = plan(app, owner_id, school_id)
    auth.login(other_email)
    assert client.get(f"/teacher/sessions/{sessions[0]}/withdraw").status_code == 404
    assert client.post(f"/teacher/sessions/{sessions[0]}/withdraw", data={"reason": "x"}).status_code == 404
    assert client.post(f"/teacher/assignments/{assignment_id}/withdraw", data={"reason": "x"}).status_code == 404
    api = client.post(f"/api/teacher/sessions/{sessions[0]}/withdraw", json={"reason": "x"})
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"
    assert client.post(f"/api/teacher/assignments/{assignment_id}/withdraw", json={"reason": "x"}).status_code == 404
    with app.app_context():
        assert db.session.get(LiveSession, sessions[0]).status == LiveStatus.SCHEDULED
        assert db.session.get(Assignment, assignment_id).withdrawn_at is None


def test_schools_cannot_use_the_teacher_withdrawal(client, auth, factory, app):
    teacher_id, _ = factory.teacher()
    school_id, school_email = factory.school()
    _, sessions = plan(app, teacher_id, school_id)
    auth.login(school_email)
    assert client.post(f"/api/teacher/sessions/{sessions[0]}/withdraw", json={"reason": "x"}).status_code == 403


def test_a_session_already_started_or_ended_cannot_be_withdrawn(client, auth, factory, app):
    teacher_id, email = factory.teacher()
    school_id, _ = factory.school()
    _, sessions = plan(app, teacher_id, school_id)
    with app.app_context():
        started = db.session.get(LiveSession, sessions[0])
        started.starts_at = utcnow() - timedelta(minutes=10)
        started.ends_at = utcnow() + timedelta(minutes=60)
        db.session.get(LiveSession, sessions[1]).status = LiveStatus.ENDED
        db.session.commit()
    auth.login(email)
    for live_id in sessions[:2]:
        response = client.post(f"/api/teacher/sessions/{live_id}/withdraw?lang=en", json={"reason": "Rapat"})
        assert response.status_code == 409
        assert response.get_json()["message"] == \
            "This session has already started or ended; it can no longer be withdrawn from."
    page = client.post(f"/teacher/sessions/{sessions[0]}/withdraw?lang=id", data={"reason": "Rapat"})
    assert page.status_code == 409 and "sudah dimulai atau sudah selesai" in page.get_data(as_text=True)
    client.post(f"/api/teacher/sessions/{sessions[2]}/withdraw", json={"reason": "Rapat"})
    again = client.post(f"/api/teacher/sessions/{sessions[2]}/withdraw?lang=en", json={"reason": "Rapat"})
    assert again.status_code == 409 and again.get_json()["message"] == "This session is already cancelled."


def test_withdrawing_from_a_class_cancels_its_future_sessions_and_puts_the_request_back(client, auth, factory, app):
    teacher_id, email = factory.teacher(name="Teuku Iskandar")
    school_id, _ = factory.school(school_name="SMP Negeri 5 Ambon", province="81")
    coordinator_id, _ = factory.coordinator()
    assignment_id, sessions = plan(app, teacher_id, school_id)
    with app.app_context():  # the first meeting already took place
        first = db.session.get(LiveSession, sessions[0])
        first.starts_at = utcnow() - timedelta(days=7)
        first.ends_at = first.starts_at + timedelta(minutes=70)
        first.status = LiveStatus.ENDED
        db.session.commit()
    auth.login(email)
    response = client.post(f"/api/teacher/assignments/{assignment_id}/withdraw", json={"reason": "Pindah tugas"})
    body = response.get_json()
    assert response.status_code == 200 and body["request_status"] == "waiting"
    assert sorted(body["cancelled_sessions"]) == sorted(sessions[1:])
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assert assignment.withdrawn_at is not None and assignment.withdrawn_reason == "Pindah tugas"
        assert [live.status for live in assignment.live_sessions] == \
            [LiveStatus.ENDED] + [LiveStatus.CANCELLED] * (len(sessions) - 1)
        assert db.session.get(SessionRequest, assignment.request_id).status.value == "waiting"
    for reader in (school_id, coordinator_id):
        [note] = _notifications(app, reader)
        assert note.kind == "assignment_withdrawn"
        assert note.params == {"teacher": "Teuku Iskandar", "subject": "Matematika", "grade": 8,
                               "school": "SMP Negeri 5 Ambon", "reason": "Pindah tugas"}
    again = client.post(f"/teacher/assignments/{assignment_id}/withdraw", data={"reason": "lagi"})
    assert again.status_code == 409
    assert "Withdraw from this class" not in client.get("/teacher/timetable?lang=en").get_data(as_text=True)


def test_withdrawal_form_of_a_class_lists_its_weekly_times(client, auth, factory, app):
    teacher_id, email = factory.teacher(province="11")
    school_id, _ = factory.school(province="91")
    assignment_id, sessions = plan(app, teacher_id, school_id, slots=(("mon", "07:30"), ("thu", "09:00")))
    auth.login(email)
    timetable = client.get("/teacher/timetable").get_data(as_text=True)
    assert f"/teacher/assignments/{assignment_id}/withdraw" in timetable
    page = client.get(f"/teacher/assignments/{assignment_id}/withdraw").get_data(as_text=True)
    assert "Senin 05:30 WIB" in page and "Kamis 07:00 WIB" in page
    assert f"<dd>{len(sessions)}</dd>" in page


def test_stored_notifications_are_formatted_when_shown_in_the_viewers_language_and_zone(client, auth, factory, app):
    teacher_id, email = factory.teacher(province="11", name="Cut Nyak Rahmah")
    school_id, staff_email = factory.school(province="91")
    _, sessions = plan(app, teacher_id, school_id)
    auth.login(email)
    client.post(f"/teacher/sessions/{sessions[0]}/withdraw", data={"reason": "Sakit demam"})
    auth.logout()
    auth.login(staff_email)
    assert "pada Senin, 7 Jan 2030 07:30 WIT" in client.get("/notifications?lang=id").get_data(as_text=True)
    with app.app_context():  # the same stored row, read later in English
        [note] = _notifications(app, school_id)
        db.session.add(Notification(user_id=school_id, kind=note.kind, params=note.params))
        db.session.commit()
    assert "on Monday, 7 Jan 2030 07:30 WIT" in client.get("/notifications?lang=en").get_data(as_text=True)


def test_notifications_stored_with_formatted_text_stay_readable(client, auth, factory, app):
    school_id, staff_email = factory.school(province="91")
    with app.app_context():  # a row written before moments were stored as moments
        db.session.add(Notification(user_id=school_id, kind="session_withdrawn", params={
            "teacher": "Cut", "subject": "Matematika", "when": "Senin, 7 Jan 2030 07:30 WIT", "reason": "Sakit"}))
        db.session.commit()
    auth.login(staff_email)
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "Cut cannot teach Matematika on Senin, 7 Jan 2030 07:30 WIT: Sakit" in page
