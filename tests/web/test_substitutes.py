"""Withdrawals and leave reach the published sessions: a substitute is sought for each (one-session match
keeping every rule, same join code), the school is told, and a cancelled session stays in the school's view."""
import re

from sqlalchemy import select

from classroom.extensions import db
from classroom.models import LiveSession, LiveStatus, Notification, User

from .test_teacher_timetable import plan

MONDAY_EARLY_WIB = [{"day": "mon", "start": "05:00", "end": "07:00"}]  # covers Monday 07:30-08:40 WIT


def _kinds(app, user_id):
    with app.app_context():
        return [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == user_id))]


def _profile_id(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).teacher_profile.id


def test_a_withdrawn_session_goes_to_the_best_free_fitting_teacher_with_the_same_join_code(client, auth, factory, app):
    leaving, email = factory.teacher(province="11", name="Cut Nyak Rahmah", grades=[8])
    school_id, _ = factory.school(province="91")
    other_school, _ = factory.school(province="81")
    fits, _ = factory.teacher(province="12", name="Budi Santoso", grades=[8], availability=MONDAY_EARLY_WIB)
    # stronger, but each breaks one rule: the school's own province, no availability then, already teaching then
    factory.teacher(province="91", name="Yosef Papua", grades=[8], availability=MONDAY_EARLY_WIB,
                    certified=True, years_teaching=20)
    factory.teacher(province="13", name="Rina Selasa", grades=[8], certified=True, years_teaching=20,
                    availability=[{"day": "tue", "start": "05:00", "end": "07:00"}])
    busy, _ = factory.teacher(province="14", name="Dewi Sibuk", grades=[8], availability=MONDAY_EARLY_WIB,
                              certified=True, years_teaching=20)
    plan(app, busy, other_school, class_name="VIII-B")
    _, sessions = plan(app, leaving, school_id)
    with app.app_context():
        code = db.session.get(LiveSession, sessions[0]).join_code
    auth.login(email)
    response = client.post(f"/teacher/sessions/{sessions[0]}/withdraw", data={"reason": "Sakit demam"},
                           follow_redirects=True)
    assert "Budi Santoso menggantikan" in response.get_data(as_text=True)
    with app.app_context():
        live = db.session.get(LiveSession, sessions[0])
        assert live.status == LiveStatus.SCHEDULED and live.join_code == code
        assert live.teacher_id == _profile_id(app, fits)
    assert _kinds(app, school_id) == ["session_substituted"]
    assert _kinds(app, fits) == ["substitute_assigned"]


def test_a_session_without_substitute_stays_visible_to_the_school_as_cancelled_with_the_reason(client, auth, factory, app):
    teacher_id, email = factory.teacher(province="11")
    school_id, staff_email = factory.school(province="91")
    _, sessions = plan(app, teacher_id, school_id, term_start="2030-01-07", term_end="2030-01-13")
    auth.login(email)
    client.post(f"/teacher/sessions/{sessions[0]}/withdraw", data={"reason": "Sakit demam"})
    client.post("/auth/logout")
    auth.login(staff_email)
    page = client.get("/school/").get_data(as_text=True)
    assert "Dibatalkan" in page and "Sakit demam" in page


def test_leave_over_published_dates_withdraws_those_sessions_and_says_which(client, auth, factory, app):
    teacher_id, email = factory.teacher(province="11", name="Cut Nyak Rahmah", grades=[8])
    school_id, _ = factory.school(province="91", school_name="SMP Negeri 2 Wamena")
    substitute, _ = factory.teacher(province="12", name="Budi Santoso", grades=[8], availability=MONDAY_EARLY_WIB)
    _, sessions = plan(app, teacher_id, school_id)  # Mondays 7 Jan - 28 Jan 2030
    auth.login(email)
    leave = {"start_date": "2030-01-14", "end_date": "2030-01-20", "kind": "leave", "note": "dinas"}
    confirmation = client.post("/teacher/exceptions", data=leave).get_data(as_text=True)
    # First the sessions it reaches, in the teacher's zone with its name; nothing is withdrawn or saved yet.
    assert "1 sesi sudah terbit pada tanggal ini" in confirmation
    assert "Senin, 14 Jan 2030 05:30 WIB · Matematika" in confirmation and "07:30 WIT di sekolah" in confirmation
    assert 'name="confirm" value="1"' in confirmation
    with app.app_context():
        assert db.session.get(User, teacher_id).teacher_profile.exceptions == []
        assert {db.session.get(LiveSession, s).teacher_id for s in sessions} == {_profile_id(app, teacher_id)}
    assert _kinds(app, school_id) == []
    page = client.post("/teacher/exceptions", data={**leave, "confirm": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 sesi yang sudah terbit pada tanggal ini ditarik" in page
    assert "Senin, 14 Jan 2030 05:30 WIB, Matematika di SMP Negeri 2 Wamena: Budi Santoso menggantikan" in page
    with app.app_context():
        teachers = [db.session.get(LiveSession, s).teacher_id for s in sessions]
    own, other = _profile_id(app, teacher_id), _profile_id(app, substitute)
    assert teachers == [own, other, own, own]  # only the session on leave moved
    assert _kinds(app, school_id) == ["session_substituted"]


def test_leave_over_dates_without_sessions_is_saved_at_once(client, auth, factory, app):
    teacher_id, email = factory.teacher(province="11")
    school_id, _ = factory.school(province="91")
    plan(app, teacher_id, school_id)  # Mondays only
    auth.login(email)
    page = client.post("/teacher/exceptions", data={"start_date": "2030-01-15", "end_date": "2030-01-18",
                                                    "kind": "leave"}, follow_redirects=True).get_data(as_text=True)
    assert "Tanggal tersimpan" in page and "sesi sudah terbit" not in page
    with app.app_context():
        assert len(db.session.get(User, teacher_id).teacher_profile.exceptions) == 1


def test_a_substitute_who_withdraws_too_never_hands_the_session_back_to_a_teacher_who_gave_it_up(client, auth, factory, app):
    leaving, email = factory.teacher(province="11", name="Cut Nyak Rahmah", grades=[8], availability=MONDAY_EARLY_WIB)
    school_id, staff_email = factory.school(province="91")
    fits, fits_email = factory.teacher(province="12", name="Budi Santoso", grades=[8], availability=MONDAY_EARLY_WIB)
    _, sessions = plan(app, leaving, school_id)
    auth.login(email)
    client.post(f"/teacher/sessions/{sessions[0]}/withdraw", data={"reason": "Sakit demam"})
    auth.logout()
    auth.login(staff_email)  # the school sees who teaches and for whom
    assert "pengganti untuk Cut Nyak Rahmah" in client.get("/school/").get_data(as_text=True)
    auth.logout()
    auth.login(fits_email)
    client.post(f"/teacher/sessions/{sessions[0]}/withdraw", data={"reason": "Rapat dinas"})
    with app.app_context():  # Cut is free and fits by her hours, but she said she cannot teach it
        live = db.session.get(LiveSession, sessions[0])
        assert live.status == LiveStatus.CANCELLED and live.withdrawn_reason == "Rapat dinas"
        assert live.given_up_by == [_profile_id(app, leaving), _profile_id(app, fits)]


def test_the_school_may_decline_a_substitute_and_the_substitute_is_told(client, auth, factory, app):
    leaving, email = factory.teacher(province="11", name="Cut Nyak Rahmah", grades=[8])
    school_id, staff_email = factory.school(province="91")
    fits, _ = factory.teacher(province="12", name="Budi Santoso", grades=[8], availability=MONDAY_EARLY_WIB)
    _, sessions = plan(app, leaving, school_id)
    auth.login(staff_email)
    own = client.post(f"/school/sessions/{sessions[1]}/decline-substitute", follow_redirects=True)
    assert "tidak ada guru pengganti yang dapat ditolak" in own.get_data(as_text=True)
    auth.logout()
    auth.login(email)
    client.post(f"/teacher/sessions/{sessions[0]}/withdraw", data={"reason": "Sakit demam"})
    auth.logout()
    auth.login(staff_email)
    assert "Tolak guru pengganti" in client.get("/school/").get_data(as_text=True)
    page = client.post(f"/school/sessions/{sessions[0]}/decline-substitute", follow_redirects=True).get_data(as_text=True)
    assert "Guru pengganti ditolak dan sesi dibatalkan" in page and "Sekolah menolak guru pengganti." in page
    with app.app_context():
        assert db.session.get(LiveSession, sessions[0]).status == LiveStatus.CANCELLED
        assert db.session.get(LiveSession, sessions[1]).status == LiveStatus.SCHEDULED
    assert _kinds(app, fits) == ["substitute_assigned", "substitute_declined"]


def test_leaving_the_whole_class_keeps_the_session_a_substitute_took_over(client, auth, factory, app):
    leaving, email = factory.teacher(province="11", grades=[8])
    school_id, _ = factory.school(province="91")
    fits, _ = factory.teacher(province="12", grades=[8], availability=MONDAY_EARLY_WIB)
    assignment_id, sessions = plan(app, leaving, school_id)
    auth.login(email)
    client.post(f"/teacher/sessions/{sessions[0]}/withdraw", data={"reason": "Sakit demam"})
    page = client.get(f"/teacher/assignments/{assignment_id}/withdraw").get_data(as_text=True)
    assert re.search(r"<dd>3</dd>", page)  # three sessions to cancel, not four
    client.post(f"/teacher/assignments/{assignment_id}/withdraw", data={"reason": "Pindah tugas"})
    with app.app_context():
        statuses = [db.session.get(LiveSession, s).status for s in sessions]
        assert statuses == [LiveStatus.SCHEDULED] + [LiveStatus.CANCELLED] * 3
        assert db.session.get(LiveSession, sessions[0]).teacher_id == _profile_id(app, fits)
