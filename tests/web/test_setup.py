"""Configuration, migrations and the demo seed: what a new deployment meets first."""
import re
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select

from classroom import create_app
from classroom.config import ConfigError
from classroom.extensions import db
from classroom.models import LiveSession, MatchingRun, RunStatus


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError):
        create_app()


def test_embedded_default_keeps_its_generated_secret_and_sqlite_file(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    first, second = create_app(), create_app()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] and len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'kelas.sqlite3'}"
    assert first.config["SOCKETIO_MESSAGE_QUEUE"] is None


def test_postgres_urls_use_the_installed_driver(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://kelas@db.example/kelas")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://kelas@db.example/kelas"


def test_migrations_build_exactly_the_models_schema(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == []
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@pytest.mark.slow
def test_seed_demo_prints_logins_and_an_open_room(app, runner, client):
    with app.app_context():
        db.drop_all()
    result = runner.invoke(args=["seed-demo", "--solve-seconds", "3"])
    assert result.exit_code == 0, result.output
    match = re.search(r"^demo room: (\S+) code ([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})$", result.output, re.M)
    assert match, result.output
    for login in ("admin@kelas.id", "koordinator@kelas.id", "guru.aceh@kelas.id", "sekolah.papua@kelas.id"):
        assert login in result.output
    with app.app_context():
        run = db.session.scalar(select(MatchingRun))
        assert run.status == RunStatus.PUBLISHED and run.requests_served > 0
        room = db.session.scalar(select(LiveSession).where(LiveSession.join_code == match.group(2)))
        assert room is not None

    # The teacher in Aceh and the school in Papua see the same session, each in their own time.
    client.post("/auth/login", data={"email": "guru.aceh@kelas.id", "password": "nusantara123"})
    teacher_page = client.get("/teacher/").get_data(as_text=True)
    client.post("/auth/logout")
    with app.app_context():
        session = db.session.scalar(select(LiveSession).where(LiveSession.join_code != match.group(2))
                                    .join(LiveSession.teacher).order_by(LiveSession.starts_at))
        code = session.join_code
        wib = session.starts_at.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%H:%M WIB")
        wit = session.starts_at.astimezone(ZoneInfo("Asia/Jayapura")).strftime("%H:%M WIT")
        teacher_email = session.teacher.user.email
        staff_email = session.school.staff[0].email
    client.post("/auth/login", data={"email": teacher_email, "password": "nusantara123"})
    page = client.get("/teacher/").get_data(as_text=True)
    assert code in page and wib in page
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": staff_email, "password": "nusantara123"})
    page = client.get("/school/").get_data(as_text=True)
    assert code in page and wit in page
    assert "Sesi Anda berikutnya" in teacher_page
