"""Response headers every page carries, and the rate limits on guessable doors (login, reset, join codes)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# No inline script anywhere: every script is a file under static/. Media from the camera is blob:,
# slide images and the map are served here.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self' ws: wss:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

LOGIN_LIMIT = "10 per minute; 100 per hour"
RESET_LIMIT = "10 per minute"
REGISTER_LIMIT = "20 per hour"
JOIN_LIMIT = "20 per minute; 200 per hour"  # per address: a school's NAT shares one, so not lower


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, as a browser sends it in `Origin`."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def socket_origin_check(app: Flask):
    """Which pages may open a Socket.IO connection: the app's own. Without this check (`cors_allowed_origins=[]`)
    any site could connect on a visitor's behalf, and `/runs` reads the visitor's login cookie. Own means the
    origin this very request was sent to (scheme and Host; behind PROXY_COUNT proxies, the forwarded ones),
    PUBLIC_URL's, and any listed in SOCKETIO_ALLOWED_ORIGINS. Clients that send no Origin (an app, a load test)
    are not browsers acting for someone else, and Engine.IO lets them through."""
    listed = {origin_of(app.config.get("PUBLIC_URL") or "")}
    listed.update(origin_of(url) for url in app.config.get("SOCKETIO_ALLOWED_ORIGINS") or [])
    listed.discard("")

    def allowed(origin: str | None, environ: dict | None = None) -> bool:
        origin = (origin or "").lower()
        if origin in listed:
            return True
        environ = environ or {}
        own = f"{environ.get('wsgi.url_scheme', '')}://{environ.get('HTTP_HOST', '')}".lower()
        return bool(environ.get("HTTP_HOST")) and origin == own

    return allowed


def storage_uri(app: Flask) -> str:
    """Counters shared by every process when Redis is there; in memory for the single embedded process."""
    return app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("SOCKETIO_MESSAGE_QUEUE") or "memory://"


def init_app(app: Flask) -> None:
    if app.config.get("PROXY_COUNT"):
        # Behind nginx every request comes from 127.0.0.1: without the forwarded address, every per-address
        # limit would be one limit for the whole country.
        from werkzeug.middleware.proxy_fix import ProxyFix
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(app))
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)  # a Redis hiccup must not lock everyone out
    limiter.init_app(app)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("PRODUCTION"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith("/api/") or request.endpoint in ("auth.login", "auth.reset_password"):
            headers.setdefault("Cache-Control", "no-store")
        return response
