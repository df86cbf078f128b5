"""Indonesian first, English one click away; every time shown in the viewer's zone with its name."""
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from classroom.i18n import format_moment, format_weekly
from classroom.timefmt import convert_weekly, from_week_minute, week_minute

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "translations" / "id" / "LC_MESSAGES"


def test_pages_speak_indonesian_by_default_and_english_on_request(client):
    assert "Ikuti kelas" in client.get("/").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Join a class" in english
    assert "Join a class" in client.get("/").get_data(as_text=True)  # the choice is remembered
    assert "Ikuti kelas" in client.get("/?lang=id").get_data(as_text=True)


def test_every_interface_string_has_an_indonesian_translation():
    with open(CATALOG / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    method_map = [("classroom/**.py", "python"), ("templates/**.html", "jinja2")]
    missing = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            missing.add(msgid)
    assert sorted(missing) == []


def test_compiled_catalogue_matches_its_source():
    def plain(value):  # plural entries come as tuples from the .po and lists from the .mo
        return tuple(value) if isinstance(value, (list, tuple)) else value
    with open(CATALOG / "messages.po", "rb") as handle:
        source = {plain(m.id): plain(m.string) for m in read_po(handle) if m.id}
    with open(CATALOG / "messages.mo", "rb") as handle:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "run: pybabel compile -d translations"


def test_monday_morning_in_papua_is_sunday_in_utc():
    absolute = week_minute("mon", 7 * 60, "Asia/Jayapura")
    assert from_week_minute(absolute, "UTC") == ("sun", 22 * 60)
    assert convert_weekly("mon", 5 * 60 + 30, "Asia/Jakarta", "Asia/Jayapura") == ("mon", 7 * 60 + 30)


def test_instants_are_shown_with_the_zone_name(app):
    moment = datetime(2027, 1, 3, 22, 0, tzinfo=timezone.utc)  # Sunday 22:00 UTC
    with app.test_request_context("/?lang=id"):
        assert format_moment(moment, "Asia/Jayapura") == "Senin, 4 Jan 2027 07:00 WIT"
        assert format_moment(moment, "Asia/Jakarta") == "Senin, 4 Jan 2027 05:00 WIB"
        assert format_weekly("mon", 7 * 60, "Asia/Jayapura", "Asia/Makassar") == "Senin 06:00 WITA"
    with app.test_request_context("/?lang=en"):
        assert format_moment(moment, "Asia/Makassar") == "Monday, 4 Jan 2027 06:00 WITA"
