"""Schools' session requests are validated with messages that name the field."""
from copy import deepcopy

import pytest

from .test_authorization import REQUEST


@pytest.fixture
def school_client(client, auth, factory):
    _, email = factory.school(level="SMP", province="91")
    auth.login(email)
    return client


def test_school_creates_a_request_in_its_own_time(school_client):
    response = school_client.post("/api/school/requests", json=REQUEST)
    body = response.get_json()
    assert response.status_code == 201
    assert body["status"] == "waiting" and body["timezone"] == "Asia/Jayapura"
    assert body["windows"][0] == {"day": "mon", "start": "07:30", "end": "12:00"}


@pytest.mark.parametrize("change, field, message", [
    ({"grade": 11}, "grade", "This school (SMP) does not teach grade 11."),
    ({"grade": 13}, "grade", "Must be between 1 and 12."),
    ({"term_end": "2026-12-01"}, "term_end", "The term must end after it starts."),
    ({"term_end": "9999-12-31"}, "term_end", "Give a date between 2000-01-01 and 2100-12-31."),
    ({"term_end": "2300-12-31"}, "term_end", "Give a date between 2000-01-01 and 2100-12-31."),
    ({"term_end": "2028-02-01"}, "term_end", "A term is at most a school year (366 days)."),
    ({"duration_minutes": 62}, "duration_minutes", "The duration is a multiple of 5 minutes."),
    ({"subject": "Fisika"}, "subject", "Fisika is not a subject of grade 8."),
    ({"windows": [{"day": "mon", "start": "07:00", "end": "25:00"}]}, "windows.0.end",
     "Use a time like 07:30, between 00:00 and 24:00."),
    ({"windows": [{"day": "mon", "start": "07:00", "end": "12:00"}]}, "windows",
     "2 sessions a week need windows on at least 2 different days."),
])
def test_bad_requests_are_refused_naming_the_field(school_client, change, field, message):
    body = {**deepcopy(REQUEST), **change}
    response = school_client.post("/api/school/requests?lang=en", json=body)
    assert response.status_code == 400
    assert response.get_json()["fields"][field] == message
    assert school_client.get("/api/school/requests").get_json() == []


def test_request_form_page_in_indonesian(school_client):
    response = school_client.post("/school/requests/new", data={
        "subject": "Matematika", "grade": "8", "students": "0", "sessions_per_week": "2", "duration_minutes": "70",
        "priority": "3", "term_start": "2027-01-04", "term_end": "2027-03-26",
        "window-0-day": "mon", "window-0-start": "07:30", "window-0-end": "12:00",
        "window-1-day": "tue", "window-1-start": "07:30", "window-1-end": "12:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Harus antara 1 dan 200." in html
    assert 'value="07:30"' in html


def test_cancelled_request_cannot_be_edited(school_client):
    request_id = school_client.post("/api/school/requests", json=REQUEST).get_json()["id"]
    assert school_client.delete(f"/api/school/requests/{request_id}", json={}).status_code == 204
    response = school_client.put(f"/api/school/requests/{request_id}", json=REQUEST)
    assert response.status_code == 409
