"""A teacher's weekly availability: kept in their own time, validated, shown in the other zones too."""
from classroom.extensions import db
from classroom.models import User


def test_availability_merges_overlaps_and_shows_papua_time(client, auth, factory, app):
    user_id, email = factory.teacher(province="11")  # Aceh, WIB
    auth.login(email)
    response = client.put("/api/teacher/availability", json={"availability": [
        {"day": "mon", "start": "05:30", "end": "06:30"},
        {"day": "mon", "start": "06:00", "end": "07:00"},
        {"day": "wed", "start": "09:00", "end": "11:00"}]})
    assert response.status_code == 200
    assert response.get_json()["availability"] == [
        {"day": "mon", "start": "05:30", "end": "07:00"}, {"day": "wed", "start": "09:00", "end": "11:00"}]
    home = client.get("/teacher/").get_data(as_text=True)
    assert "Senin 05:30–07:00 WIB" in home
    assert "Senin 07:30–09:00 WIT" in home  # 05:30 in Aceh is 07:30 in Papua; the whole range, not only its start
    assert "Senin 06:30–08:00 WITA" in home


def test_interval_ending_before_it_starts_is_refused_and_old_availability_kept(client, auth, factory, app):
    user_id, email = factory.teacher(availability=[{"day": "tue", "start": "05:30", "end": "07:00"}])
    auth.login(email)
    response = client.put("/api/teacher/availability?lang=en", json={"availability": [
        {"day": "mon", "start": "09:00", "end": "08:00"}, {"day": "fri", "start": "25:00", "end": "26:00"}]})
    body = response.get_json()
    assert response.status_code == 400
    assert body["fields"]["availability.0.end"] == "The end must be after the start."
    assert body["fields"]["availability.1.start"] == "Use a time like 07:30, between 00:00 and 24:00."
    with app.app_context():
        kept = db.session.get(User, user_id).teacher_profile.availability
        assert [(a.day, a.start_minute, a.end_minute) for a in kept] == [(1, 330, 420)]


def test_availability_form_shows_errors_in_indonesian_and_keeps_the_rows(client, auth, factory):
    _, email = factory.teacher()
    auth.login(email)
    response = client.post("/teacher/availability", data={
        "slot-0-day": "mon", "slot-0-start": "10:00", "slot-0-end": "09:00",
        "slot-1-day": "tue", "slot-1-start": "05:30", "slot-1-end": "07:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Jam selesai harus setelah jam mulai." in html
    assert 'value="05:30"' in html


def test_profile_limits_are_checked(client, auth, factory):
    _, email = factory.teacher()
    auth.login(email)
    response = client.put("/api/teacher/profile", json={"max_sessions_per_day": 4, "max_sessions_per_week": 2})
    assert response.status_code == 400
    assert "max_sessions_per_week" in response.get_json()["fields"]


def test_dated_leave_is_saved_and_bad_dates_refused(client, auth, factory, app):
    user_id, email = factory.teacher()
    auth.login(email)
    bad = client.post("/teacher/exceptions", data={"start_date": "2027-02-10", "end_date": "2027-02-01", "kind": "leave"},
                      follow_redirects=True)
    assert "Tanggal selesai tidak boleh sebelum tanggal mulai." in bad.get_data(as_text=True)
    client.post("/teacher/exceptions", data={"start_date": "2027-02-01", "end_date": "2027-02-10", "kind": "exams"})
    with app.app_context():
        exceptions = db.session.get(User, user_id).teacher_profile.exceptions
        assert [(e.start_date.isoformat(), e.kind) for e in exceptions] == [("2027-02-01", "exams")]
