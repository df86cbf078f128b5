"""Registration, approval, login, password reset: what teachers, schools and coordinators go through."""
from sqlalchemy import func, select

from classroom.extensions import db
from classroom.models import AccountStatus, School, User

PASSWORD = "rahasia-sekali-123"  # what tests/conftest.py gives every account

TEACHER_FORM = {"name": "Cut Meutia", "email": "cut@contoh.sch.id", "password": PASSWORD, "province": "11",
                "subjects": ["Matematika"], "grades": ["7", "8"], "years_teaching": "6"}
# The same registration as the API takes it: JSON's own types (the document says grades are numbers).
TEACHER_JSON = {**TEACHER_FORM, "grades": [7, 8], "years_teaching": 6}


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_teacher_registers_then_waits_for_approval(client, auth, app, factory):
    response = client.post("/auth/register/teacher", data=TEACHER_FORM)
    assert response.status_code == 302
    login = auth.login("cut@contoh.sch.id")
    assert login.status_code == 401
    assert "menunggu persetujuan koordinator" in login.get_data(as_text=True)

    _, coordinator = factory.coordinator()
    auth.login(coordinator)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "cut@contoh.sch.id"))
    page = client.get("/coordinator/")
    assert "Cut Meutia" in page.get_data(as_text=True)
    client.post(f"/coordinator/users/{user_id}/approve")
    auth.logout()
    assert auth.login("cut@contoh.sch.id").status_code == 302
    home = client.get("/teacher/")
    assert home.status_code == 200 and "Aceh (WIB)" in home.get_data(as_text=True)


def test_teacher_gets_the_zone_of_their_province(app, client):
    client.post("/auth/register/teacher", data={**TEACHER_FORM, "province": "73"})  # Sulawesi Selatan
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "cut@contoh.sch.id"))
        assert user.teacher_profile.timezone == "Asia/Makassar"


def test_duplicate_email_is_refused_and_nothing_is_saved(client, app):
    client.post("/auth/register/teacher", data=TEACHER_FORM)
    before = user_count(app)
    response = client.post("/auth/register/teacher", data={**TEACHER_FORM, "email": "CUT@contoh.sch.id"})
    assert response.status_code == 400
    assert "Sudah ada akun dengan alamat e-mail ini." in response.get_data(as_text=True)
    assert user_count(app) == before


def test_form_keeps_what_was_typed_and_names_each_bad_field(client, app):
    response = client.post("/auth/register/teacher", data={**TEACHER_FORM, "province": "99", "grades": ["13"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Provinsi tidak dikenal." in html and "Kelas antara 1 dan 12." in html
    assert 'value="Cut Meutia"' in html  # nothing typed is lost
    assert user_count(app) == 0


def test_api_registration_errors_name_the_field_in_the_users_language(client, app):
    response = client.post("/api/register/teacher?lang=en", json={**TEACHER_JSON, "grades": [0, 13], "province": "Atlantis"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "validation"
    assert body["fields"] == {"province": "Unknown province.", "grades": "Grades are between 1 and 12."}
    indonesian = client.post("/api/register/teacher?lang=id", json={**TEACHER_JSON, "province": "Atlantis"})
    assert indonesian.get_json()["fields"]["province"] == "Provinsi tidak dikenal."
    assert user_count(app) == 0


def test_school_staff_join_an_already_registered_school_by_npsn(client, app, factory):
    factory.school(npsn="60301234", school_name="SMP Negeri 2 Wamena")
    response = client.post("/auth/register/school", data={"name": "Yohana", "email": "yohana@contoh.sch.id",
                                                         "password": PASSWORD, "npsn": "60301234"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(School)) == 1
        user = db.session.scalar(select(User).where(User.email == "yohana@contoh.sch.id"))
        assert user.school.name == "SMP Negeri 2 Wamena" and user.status == AccountStatus.PENDING


def test_a_new_school_needs_its_details(client, app):
    response = client.post("/auth/register/school", data={"name": "Yohana", "email": "yohana@contoh.sch.id",
                                                         "password": PASSWORD, "npsn": "1234"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "NPSN terdiri dari tepat 8 angka." in html


def test_login_does_not_tell_which_part_was_wrong(client, factory):
    _, email = factory.teacher()
    wrong_password = client.post("/auth/login", data={"email": email, "password": "salah-salah-salah"})
    unknown_user = client.post("/auth/login", data={"email": "siapa@contoh.sch.id", "password": "salah-salah-salah"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    message = "Alamat e-mail atau kata sandi salah."
    assert message in wrong_password.get_data(as_text=True) and message in unknown_user.get_data(as_text=True)


def test_passwords_are_stored_hashed(app, factory):
    user_id, _ = factory.teacher()
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert PASSWORD not in stored and stored.startswith("scrypt:")


def test_coordinator_reset_link_works_once(client, auth, factory, app):
    teacher_id, teacher_email = factory.teacher()
    _, coordinator = factory.coordinator()
    auth.login(coordinator)
    page = client.post(f"/coordinator/users/{teacher_id}/reset-link").get_data(as_text=True)
    link = page.split('id="reset-link"')[0].rsplit('value="', 1)[1].split('"')[0]
    path = link.split("kelas.test", 1)[1]
    auth.logout()
    assert client.post(path, data={"password": "kata-sandi-baru-1"}).status_code == 302
    assert auth.login(teacher_email, "kata-sandi-baru-1").status_code == 302
    auth.logout()
    again = client.post(path, data={"password": "kata-sandi-lain-22"})
    assert again.status_code == 400 and "sudah pernah dipakai" in again.get_data(as_text=True)


def test_forms_refuse_a_post_without_csrf_token(app, factory):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/auth/register/teacher", data=TEACHER_FORM)
    assert response.status_code == 400
    assert "Formulir sudah kedaluwarsa" in response.get_data(as_text=True)
    assert user_count(app) == 0
