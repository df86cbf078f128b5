"""One schema per body: the API refuses what its document forbids and takes what it allows, forms read the same
schema from their text, and the document is generated from the schemas the server validates with."""
import re

import pytest

from classroom import schemas
from classroom.api import OPERATIONS
from classroom.api.openapi import _path

from web.test_matching_runs import MATH_8

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def staff_client(app, factory, client, auth):
    _staff_id, email = factory.school(province="91", level="SMP")
    auth.login(email)
    return client


def test_the_document_states_each_body_as_the_schema_validates_it(client):
    document = client.get("/api/openapi.json").get_json()
    create = document["paths"]["/api/school/requests"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RequestBody"}
    assert document["components"]["schemas"]["RequestBody"] == schemas.RequestBody.json_schema()
    assert set(schemas.RequestBody.json_schema()["required"]) == {
        "grade", "subject", "students", "sessions_per_week", "duration_minutes", "term_start", "term_end", "windows"}
    start = schemas.RequestBody.json_schema()["properties"]["windows"]["items"]["properties"]["start"]["pattern"]
    assert re.match(start, "07:30") and not re.match(start, "67:69") and not re.match(start, "07:31")
    # a rule no JSON Schema can state is named in the document, where a client reads it
    assert "366 days" in create["x-rules"] and "366 days" in create["description"]


def test_every_required_field_the_document_names_is_refused_by_name_when_left_out(app, factory, auth, client):
    """Posted `{}`, each body's operation answers 400 naming at least every field its document marks required:
    the document and the server cannot disagree about what is required."""
    logins = {"teacher": factory.teacher()[1], "school": factory.school()[1], "coordinator": factory.coordinator()[1]}
    document = client.get("/api/openapi.json").get_json()
    checked = 0
    for operation in OPERATIONS:
        if operation.body in (None, schemas.Empty) or "{" in _path(operation.rule) and operation.method != "PUT":
            continue
        role = next((r.value for r in operation.roles if r.value in logins), None)
        auth.logout()
        if role:
            auth.login(logins[role])
        url = _path(operation.rule).replace("{request_id}", "1")
        if "{" in url:
            continue
        schema = document["components"]["schemas"][operation.body.__name__]
        if not schema.get("required"):  # a partial update (the profile): {} keeps everything
            continue
        response = client.open(url + "?lang=en", method=operation.method, json={})
        if response.status_code == 404:  # a PUT to a row this account does not have
            continue
        assert response.status_code == 400, (operation.method, url, response.get_json())
        assert set(schema.get("required", [])) <= set(response.get_json()["fields"]), (operation.method, url)
        checked += 1
    assert checked >= 6


@pytest.mark.parametrize("path, method, body", [
    ("/api/teacher/calendar-token", "POST", "5"),
    ("/api/teacher/calendar-token", "POST", '"token"'),
    ("/api/notifications/1/read", "POST", '"read"'),
    ("/api/notifications/1/read", "POST", "[null, null]"),
])
def test_a_write_without_fields_still_takes_only_a_json_object(app, factory, auth, client, path, method, body):
    auth.login(factory.teacher()[1])
    response = client.open(path + "?lang=en", method=method, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"body": "The body must be a JSON object."}


def test_deleting_a_request_with_a_list_for_its_body_is_refused_and_keeps_it(staff_client, app):
    created = staff_client.post("/api/school/requests", json=MATH_8).get_json()
    response = staff_client.delete(f"/api/school/requests/{created['id']}?lang=en", data="[null, null]",
                                   content_type="application/json")
    assert response.status_code == 400 and response.get_json()["fields"] == {"body": "The body must be a JSON object."}
    assert staff_client.get(f"/api/school/requests/{created['id']}").get_json()["status"] == "waiting"
    assert staff_client.delete(f"/api/school/requests/{created['id']}", json={}).status_code == 204


def test_the_api_takes_json_types_and_the_form_its_text(staff_client):
    as_text = staff_client.post("/api/school/requests?lang=en", json={**MATH_8, "grade": "8", "students": "28"})
    assert as_text.status_code == 400
    assert as_text.get_json()["fields"] == {"grade": "Must be a whole number.", "students": "Must be a whole number."}
    form = {key: str(value) for key, value in MATH_8.items() if key != "windows"}
    for index, window in enumerate(MATH_8["windows"]):
        form.update({f"window-{index}-{part}": value for part, value in window.items()})
    page = staff_client.post("/school/requests/new", data=form)
    assert page.status_code == 302  # the same schema read the form's text as numbers
    assert [r["grade"] for r in staff_client.get("/api/school/requests").get_json()] == [8]


def test_a_flag_or_a_language_the_document_does_not_allow_is_refused(client):
    body = {"name": "Cut Meutia", "email": "cut@contoh.sch.id", "password": PASSWORD, "province": "11",
            "subjects": ["Matematika"], "grades": [7]}
    refused = client.post("/api/register/teacher?lang=en", json={**body, "certified": "no", "language": {}})
    assert refused.status_code == 400
    assert refused.get_json()["fields"] == {"certified": "Send true or false.", "language": "Choose id or en."}
    assert client.post("/api/register/teacher", json={**body, "certified": False}).status_code == 201


def test_an_address_already_registered_is_a_conflict_named_on_its_field(client):
    body = {"name": "Cut Meutia", "email": "cut@contoh.sch.id", "password": PASSWORD, "province": "11",
            "subjects": ["Matematika"], "grades": [7]}
    assert client.post("/api/register/teacher", json=body).status_code == 201
    again = client.post("/api/register/teacher?lang=en", json={**body, "name": "Someone else"})
    assert again.status_code == 409
    assert again.get_json() == {"error": "conflict", "message": "An account with this e-mail address already exists.",
                                "fields": {"email": "An account with this e-mail address already exists."}}
    page = client.post("/auth/register/teacher?lang=en", data={**body, "grades": ["7"]})
    assert "An account with this e-mail address already exists." in page.get_data(as_text=True)


def test_text_longer_than_the_document_allows_is_refused_even_with_spaces_around_it(staff_client):
    response = staff_client.post("/api/school/requests?lang=en", json={**MATH_8, "class_name": " " * 5 + "8A" * 19})
    assert response.status_code == 400 and response.get_json()["fields"] == {"class_name": "At most 40 characters."}


def test_a_join_with_an_empty_code_or_name_is_refused_as_the_document_says(client):
    document = client.get("/api/openapi.json").get_json()["components"]["schemas"]["JoinBody"]
    assert document["properties"]["code"]["minLength"] == 1 and document["required"] == ["code", "name"]
    response = client.post("/api/rooms/join?lang=en", json={"code": "", "name": "\u200b"})
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"code", "name"}
