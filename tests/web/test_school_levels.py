"""Vocational (SMK) and madrasah (MTs, MA) schools register and ask for their own curriculum's subjects;
a grade or subject the school's level does not teach is refused by field."""
from copy import deepcopy

import pytest

from .test_authorization import REQUEST


@pytest.mark.parametrize("level, change, status, field", [
    ("MTs", {"subject": "Fikih", "grade": 8}, 201, None),
    ("MA", {"subject": "Bahasa Arab", "grade": 11}, 201, None),
    ("SMK", {"subject": "Dasar-dasar Program Keahlian", "grade": 10}, 201, None),
    ("SMA", {"subject": "Fikih", "grade": 11}, 400, "subject"),
    ("SMK", {"subject": "Matematika", "grade": 8}, 400, "grade"),
    ("SMP", {"subject": "Matematika", "grade": 11}, 400, "grade"),
])
def test_each_level_asks_for_its_own_grades_and_subjects(client, auth, factory, level, change, status, field):
    _, email = factory.school(level=level, province="91")
    auth.login(email)
    response = client.post("/api/school/requests?lang=en", json={**deepcopy(REQUEST), **change})
    assert response.status_code == status, response.get_json()
    if field:
        assert list(response.get_json()["fields"]) == [field]


def test_the_registration_form_offers_the_new_levels(client):
    page = client.get("/auth/register/school").get_data(as_text=True)
    assert all(f"<option >{level}</option>" in page or f">{level}</option>" in page for level in ("SMK", "MTs", "MA"))
