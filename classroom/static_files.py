"""Static files under content-hashed names, compressed once per version and cached by browsers for a year.

`url_for('static', filename='room/room.js')` gives `/static/room/room.<10 hex>.js`: a name that changes whenever
the file does, so a browser may keep it as `immutable` and a student's phone coming back next week downloads no
static file at all. Each version is compressed once per process (brotli at its best level, gzip for clients
without it) and kept in memory; the files are a few tens of kilobytes. A plain name (an old link) is still
served the usual way, revalidated each time. Pages and JSON are compressed per response by Flask-Compress.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from pathlib import Path

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
YEAR = 365 * 24 * 3600


class StaticFiles:
    def __init__(self, folder: str):
        self.folder = Path(folder).resolve()
        self.versions: dict[str, tuple[int, str]] = {}  # filename -> (mtime_ns, digest)
        self.bodies: dict[tuple[str, str, str], bytes] = {}  # (filename, digest, encoding) -> body
        self.lock = threading.Lock()

    def _path(self, filename: str) -> Path | None:
        path = (self.folder / filename).resolve()
        return path if path.is_relative_to(self.folder) and path.is_file() else None

    def digest(self, filename: str) -> str | None:
        """The file's content hash (re-read when the file changed on disk, as in development)."""
        path = self._path(filename)
        if path is None:
            return None
        mtime = path.stat().st_mtime_ns
        known = self.versions.get(filename)
        if known is None or known[0] != mtime:
            known = self.versions[filename] = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:10])
        return known[1]

    def versioned_name(self, filename: str) -> str:
        stem, dot, suffix = filename.rpartition(".")
        digest = self.digest(filename) if dot and "/" not in suffix else None
        return filename if digest is None else f"{stem}.{digest}.{suffix}"

    def body(self, filename: str, digest: str, encoding: str) -> bytes:
        key = (filename, digest, encoding)
        body = self.bodies.get(key)
        if body is None:
            raw = self._path(filename).read_bytes()
            if encoding == "br":
                import brotli
                body = brotli.compress(raw, quality=11)
            elif encoding == "gzip":
                body = gzip.compress(raw, compresslevel=9, mtime=0)
            else:
                body = raw
            with self.lock:
                self.bodies[key] = body
        return body

    def serve(self, app: Flask, filename: str) -> Response:
        match = HASHED.match(filename)
        real = match and match["stem"] + match["suffix"]
        if not match or self.digest(real) != match["digest"]:
            return app.send_static_file(filename)  # a plain (or outdated) name: revalidated as before
        mimetype = mimetypes.guess_type(real)[0] or "application/octet-stream"
        encoding = ""
        if mimetype.startswith(COMPRESSIBLE):
            accepted = request.accept_encodings
            encoding = "br" if accepted["br"] else "gzip" if accepted["gzip"] else ""
        response = Response(self.body(real, match["digest"], encoding), mimetype=mimetype)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        return response


class SessionInterface(SecureCookieSessionInterface):
    """The app's cookie sessions, except that a versioned static file never carries one: it is the same for
    everyone, and the `Vary: Cookie` a session adds (Flask-Login reads it after every request) would keep
    browsers and proxies from keeping it."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint == "static" and response.cache_control.immutable:
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    files = StaticFiles(app.static_folder)
    app.extensions["static_files"] = files

    @app.url_defaults
    def versioned_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = files.versioned_name(values["filename"])

    app.view_functions["static"] = lambda filename: files.serve(app, filename)
