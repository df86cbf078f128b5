"""Schools see supply while they ask: the request form's week grid in the school's time, and how many approved
teachers of the subject and grade are free at each hour, moved into the school's zone."""
import re

from sqlalchemy import select

from classroom.extensions import db
from classroom.models import SessionRequest, User

FORM = {"subject": "Matematika", "grade": "8", "class_name": "VIII-A", "students": "28", "sessions_per_week": "1",
        "duration_minutes": "70", "priority": "3", "term_start": "2030-01-07", "term_end": "2030-03-31"}


def _hours(client, **args):
    response = client.get("/school/supply", query_string={"subject": "Matematika", "grade": 8, **args},
                          headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_wib_teachers_morning_counts_two_hours_later_for_a_wit_school(client, auth, factory):
    factory.teacher(province="11", grades=[8], availability=[{"day": "mon", "start": "07:00", "end": "09:00"}])
    _, email = factory.school(province="91")  # Papua, WIT
    auth.login(email)
    body = _hours(client)
    monday = body["hours"][0]
    assert body["zone"] == "WIT" and body["teachers"] == 1
    assert [hour for hour in range(24) if monday[hour]] == [9, 10]  # free Mon 09:00-11:00 WIT
    assert sum(map(sum, body["hours"])) == 2


def test_only_approved_fitting_teachers_of_other_provinces_count_and_hours_wrap_the_week(client, auth, factory):
    late = [{"day": "mon", "start": "00:00", "end": "01:30"}]
    factory.teacher(province="91", grades=[8], availability=late)  # Papua (WIT): Sunday 22:00-23:30 WIB
    factory.teacher(province="82", grades=[8], availability=late)  # Maluku Utara, WIT too
    factory.teacher(province="92", grades=[8], availability=late, approved=False)
    factory.teacher(province="94", grades=[9], availability=late)  # another grade
    factory.teacher(province="81", subjects=["IPA"], grades=[8], availability=late)
    _, email = factory.school(province="11")  # Aceh, WIB
    auth.login(email)
    body = _hours(client)
    assert body["zone"] == "WIB" and body["teachers"] == 2
    assert body["hours"][6][22] == 2 and body["hours"][6][23] == 0  # 23:00-24:00 is only half covered
    assert sum(map(sum, body["hours"])) == 2


def test_the_counts_are_for_school_staff_and_name_a_bad_field(client, auth, factory):
    assert client.get("/school/supply?subject=Matematika&grade=8",
                      headers={"Accept": "application/json"}).status_code == 401
    _, teacher_email = factory.teacher()
    auth.login(teacher_email)
    assert client.get("/school/supply?subject=Matematika&grade=8",
                      headers={"Accept": "application/json"}).status_code == 403
    auth.logout()
    _, email = factory.school(level="SMP")
    auth.login(email)
    grade = client.get("/school/supply?subject=Matematika&grade=11&lang=en", headers={"Accept": "application/json"})
    assert grade.status_code == 400 and grade.get_json()["fields"] == {"grade": "This school (SMP) does not teach grade 11."}
    subject = client.get("/school/supply?subject=Sosiologi&grade=8&lang=en", headers={"Accept": "application/json"})
    assert subject.status_code == 400 and "subject" in subject.get_json()["fields"]


def test_without_script_the_form_adds_rows_and_shows_the_counts_drawn_by_the_server(client, auth, factory, app):
    factory.teacher(province="11", grades=[8], availability=[{"day": "mon", "start": "07:00", "end": "09:00"}])
    school_id, email = factory.school(province="91")
    auth.login(email)
    page = client.get("/school/requests/new").get_data(as_text=True)
    assert len(re.findall(r'name="window-\d+-start"', page)) == 3
    assert '<script type="application/json" id="grid-settings">' in page and "js/week-grid." in page
    more = client.post("/school/requests/new", data={**FORM, "window-0-day": "mon", "window-0-start": "09:00",
                                                     "window-0-end": "11:00", "extra_rows": "3", "more_rows": "1"})
    page = more.get_data(as_text=True)
    assert more.status_code == 200 and len(re.findall(r'name="window-\d+-start"', page)) == 7  # 1 filled + 6
    assert 'value="09:00"' in page
    assert '<td data-day="0" data-hour="9" class="some">1</td>' in page  # Monday 09:00 WIT, without the script
    assert '<td data-day="0" data-hour="8" class="none">0</td>' in page
    with app.app_context():
        assert db.session.scalars(select(SessionRequest)).all() == []  # nothing saved yet
    rows = {f"window-{i}-{part}": value for i, (day, start, end) in enumerate(
        [("mon", "09:00", "11:00"), ("tue", "09:00", "11:00"), ("wed", "09:00", "11:00"), ("thu", "09:00", "11:00"),
         ("fri", "08:00", "10:00")]) for part, value in (("day", day), ("start", start), ("end", end))}
    saved = client.post("/school/requests/new", data={**FORM, **rows})
    assert saved.status_code == 302
    with app.app_context():
        [request] = db.session.scalars(select(SessionRequest)).all()
        assert len(request.windows) == 5  # more windows than the three rows of old
        assert request.school_id == db.session.get(User, school_id).school.id
