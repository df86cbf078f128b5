"""The week grid saves quarter-hour blocks through the API and shows them in the schools' zones as well."""
import json
import re

from classroom.extensions import db
from classroom.models import User


def _grid_settings(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="grid-settings">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_grid_blocks_round_trip_and_show_in_papua_time(client, auth, factory, app):
    user_id, email = factory.teacher(province="11")  # Aceh, WIB
    auth.login(email)
    blocks = [{"day": "mon", "start": "05:30", "end": "07:00"}, {"day": "mon", "start": "07:00", "end": "07:15"},
              {"day": "sun", "start": "23:00", "end": "24:00"}]
    response = client.put("/api/teacher/availability", json={"availability": blocks})
    assert response.status_code == 200
    saved = [{"day": "mon", "start": "05:30", "end": "07:15"}, {"day": "sun", "start": "23:00", "end": "24:00"}]
    assert response.get_json()["availability"] == saved
    page = client.get("/teacher/availability").get_data(as_text=True)
    settings = _grid_settings(page)
    assert settings["availability"] == saved
    assert settings["zone"] == {"label": "WIB", "offset": 420}
    assert settings["others"] == [{"label": "WITA", "offset": 480}, {"label": "WIT", "offset": 540}]
    assert settings["api"] == "/api/teacher/availability"
    assert "Senin 07:30 WIT" in page  # 05:30 in Aceh is 07:30 in Papua
    assert "Senin 01:00 WIT" in page  # Sunday 23:00 in Aceh is already Monday in Papua
    with app.app_context():
        rows = db.session.get(User, user_id).teacher_profile.availability
        assert [(a.day, a.start_minute, a.end_minute) for a in rows] == [(0, 330, 435), (6, 1380, 1440)]


def test_grid_shows_the_servers_refusal_fields(client, auth, factory):
    _, email = factory.teacher()
    auth.login(email)
    response = client.put("/api/teacher/availability?lang=id", json={"availability": [
        {"day": "mon", "start": "07:00", "end": "07:00"}]})
    body = response.get_json()
    assert response.status_code == 400 and body["error"] == "validation"
    assert body["fields"] == {"availability.0.end": "Jam selesai harus setelah jam mulai."}


def test_wit_teacher_grid_lists_the_wib_and_wita_columns(client, auth, factory):
    _, email = factory.teacher(province="91")  # Papua, WIT
    auth.login(email)
    settings = _grid_settings(client.get("/teacher/availability").get_data(as_text=True))
    assert settings["zone"]["label"] == "WIT"
    assert [z["label"] for z in settings["others"]] == ["WIB", "WITA"]
    assert settings["days"][0] == "Senin"


def test_the_list_form_still_saves_without_javascript(client, auth, factory, app):
    user_id, email = factory.teacher()
    auth.login(email)
    response = client.post("/teacher/availability", data={
        "slot-0-day": "tue", "slot-0-start": "05:30", "slot-0-end": "07:00",
        "slot-1-day": "mon", "slot-1-start": "", "slot-1-end": ""})
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.get(User, user_id).teacher_profile.availability
        assert [(a.day, a.start_minute, a.end_minute) for a in rows] == [(1, 330, 420)]
