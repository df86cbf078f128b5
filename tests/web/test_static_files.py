"""Static files for weak links: content-hashed names cached a year, compressed as the browser accepts."""
from __future__ import annotations

import gzip
import re

import brotli
from flask import Flask, url_for

from classroom import PROJECT_ROOT, static_files

BROWSER = "gzip, deflate, br, zstd"


def asset_links(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_the_room_page_links_versioned_files_that_browsers_keep_a_year(client):
    html = client.get("/join").get_data(as_text=True)
    links = asset_links(html)
    assert len(links) >= 3 and all(re.search(r"\.[0-9a-f]{10}\.(js|css)$", link) for link in links)
    for link in links:
        original = (PROJECT_ROOT / re.sub(r"\.[0-9a-f]{10}\.", ".", link).lstrip("/")).read_bytes()
        response = client.get(link, headers={"Accept-Encoding": BROWSER})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br"
        assert brotli.decompress(response.data) == original
        assert len(response.data) < len(original) / 2
        cache = response.cache_control
        assert cache.public and cache.immutable and cache.max_age == 365 * 24 * 3600
        assert response.headers["Vary"] == "Accept-Encoding", "a Vary: Cookie keeps the file out of shared caches"
        assert "Set-Cookie" not in response.headers
        older = client.get(link, headers={"Accept-Encoding": "gzip"})
        assert older.headers["Content-Encoding"] == "gzip" and gzip.decompress(older.data) == original
        plain = client.get(link)
        assert "Content-Encoding" not in plain.headers and plain.data == original


def test_the_room_page_itself_is_compressed_for_a_browser(client):
    response = client.get("/join?code=KX7P-93RM", headers={"Accept-Encoding": BROWSER})
    assert response.headers["Content-Encoding"] == "br"
    assert "KX7P-93RM" in brotli.decompress(response.data).decode()


def test_a_changed_file_gets_a_new_name_and_the_old_one_is_no_longer_kept(tmp_path):
    (tmp_path / "room.js").write_text("console.log(1);\n" * 100)
    app = Flask(__name__, static_folder=str(tmp_path), static_url_path="/static")
    static_files.init_app(app)
    client = app.test_client()
    with app.test_request_context():
        first = url_for("static", filename="room.js")
    (tmp_path / "room.js").write_text("console.log(2);\n" * 100)
    with app.test_request_context():
        second = url_for("static", filename="room.js")
    assert first != second and re.fullmatch(r"/static/room\.[0-9a-f]{10}\.js", second)
    assert client.get(second).cache_control.immutable
    outdated = client.get(first)  # an old page's link: not kept as if it were still that version
    assert outdated.status_code == 404 or not outdated.cache_control.immutable
    plain = client.get("/static/room.js")
    assert plain.status_code == 200 and not plain.cache_control.immutable
