"""Issue 12's "smaller, all seen": translated run statuses, plurals, babel.cfg keywords, stopping a queued run,
the teacher's free hours as ranges in every zone."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from classroom.extensions import db
from classroom.models import MatchingRun, RunStatus, User
from classroom.services import reasons, runs

from .test_matching_runs import TERM, programme  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]


def test_babel_cfg_extracts_lazy_strings_and_plurals():
    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {m[2] if isinstance(m[2], str) else m[2][0] for m in extract_from_dir(ROOT, method_map, options_map)}
    assert "Please log in to see this page." in found  # written as _l(...)
    assert "%(num)d teacher fits, but is not free inside the school's windows once time zones are applied. " \
           "Hours that would work (school time): %(hours)s." in found  # an ngettext


def test_one_fitting_teacher_is_said_in_the_singular(app):
    with app.test_request_context("/?lang=en"):
        text = reasons.explain({"code": "no_common_time", "details": {"teachers": 1, "hours": []}})
        assert text.startswith("1 teacher fits, but is not free")
        assert reasons.explain({"code": "teachers_taken", "details": {"fitting_teachers": 1}}).startswith(
            "The one fitting teacher is booked")


def test_a_queued_run_stopped_is_not_shown_as_failed(app, client, auth, programme):
    with app.app_context():
        run = runs.start_run(db.session.get(User, programme["coordinator_id"]), {**TERM, "time_limit": 5})
        db.session.commit()
        run_id = run.id
    auth.login(programme["coordinator"])
    page = client.post(f"/coordinator/runs/{run_id}/stop", follow_redirects=True).get_data(as_text=True)
    assert "dihentikan sebelum dimulai" in page.lower() and "menyimpan jadwal terbaik" not in page
    assert ">gagal<" not in page.replace(" ", "")
    with app.app_context():
        assert db.session.get(MatchingRun, run_id).status == RunStatus.STOPPED
    assert client.post(f"/coordinator/runs/{run_id}/publish", follow_redirects=True).status_code == 200
    with app.app_context():
        assert db.session.get(MatchingRun, run_id).status == RunStatus.STOPPED  # nothing to publish


def test_the_coordinators_home_shows_run_statuses_in_indonesian(app, client, auth, programme):
    with app.app_context():
        run = runs.start_run(db.session.get(User, programme["coordinator_id"]), {**TERM, "time_limit": 5})
        run.status = RunStatus.FAILED
        db.session.commit()
    auth.login(programme["coordinator"])
    page = client.get("/coordinator/").get_data(as_text=True)
    assert "<td>gagal</td>" in page and "<td>failed</td>" not in page


def test_the_teachers_free_hours_show_start_and_end_in_every_zone(client, auth, factory):
    _, email = factory.teacher(province="11", availability=[{"day": "mon", "start": "05:30", "end": "07:30"}])
    auth.login(email)
    page = client.get("/teacher/").get_data(as_text=True)
    assert "Senin 06:30–08:30 WITA" in page and "Senin 07:30–09:30 WIT" in page



def test_the_attendance_csv_speaks_the_viewers_language(app):
    from datetime import datetime, timezone
    from types import SimpleNamespace
    from classroom.services.attendance import AttendanceRow, Stretch, to_csv
    joined = datetime(2030, 1, 7, 0, 0, tzinfo=timezone.utc)
    rows = [AttendanceRow(3, "Yohana", "student", None, False, [Stretch(joined, joined.replace(minute=40))])]
    with app.test_request_context("/?lang=id"):
        header, line = to_csv(SimpleNamespace(id=9), rows, "Asia/Jayapura").splitlines()
    assert header.startswith("id_sesi,id_peserta,nama,peran,") and "menit_hadir" in header
    assert ",Yohana,siswa,," in line and line.endswith(",40,0,tidak,WIT")
    with app.test_request_context("/?lang=en"):
        assert to_csv(SimpleNamespace(id=9), rows, "Asia/Jayapura").startswith("session_id,participant_id,name,role")


def test_counts_shown_on_the_pages_are_singular_for_one(client, auth, factory, app):
    from classroom.services import requests as request_service
    school_id, staff_email = factory.school(province="91")
    with app.app_context():
        request_service.create_request(db.session.get(User, school_id).school, {
            "class_name": "VIII-A", "subject": "Matematika", "grade": 8, "students": 1, "sessions_per_week": 1,
            "duration_minutes": 70, "term_start": "2030-01-07", "term_end": "2030-02-03",
            "windows": [{"day": "mon", "start": "07:00", "end": "12:00"}]})
        db.session.commit()
    auth.login(staff_email)
    page = client.get("/school/?lang=en").get_data(as_text=True)
    assert "1 student<" in page and "1 students" not in page


def test_the_rooms_counted_words_come_in_both_forms_and_the_script_picks_by_count(client):
    import json
    import re
    import subprocess
    page = client.get("/join?lang=en").get_data(as_text=True)
    words = json.loads(re.search(r'<script type="application/json" id="words">(.*?)</script>', page, re.S).group(1))
    assert words["votes"] == {"one": "{n} answer", "other": "{n} answers"}
    assert words["students"] == {"one": "{n} student", "other": "{n} students"}
    script = (ROOT / "static/room/room.js").read_text()
    say = re.search(r"  var say = function \(key, values\) \{.*?\n  \};", script, re.S).group(0)
    check = f"var words = {json.dumps(words)};\n{say}\nconsole.log(say('votes', {{n: 1}}) + '|' + say('votes', {{n: 3}}));"
    out = subprocess.run(["node", "-e", check], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "1 answer|3 answers"
