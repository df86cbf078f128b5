"""Response headers every page carries, and the rate limits on guessable doors (login, reset, join codes)."""
from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import format_timedelta, gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.strategies import MovingWindowRateLimiter

from .errors import TooManyAttempts

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
# Wrong join codes from one address (a school's students share one behind its router or carrier NAT): past the
# first limit, wrong codes wait while right ones still join; past the second, codes from it are not checked.
WRONG_CODE_LIMIT = "20 per minute; 100 per 10 minutes"
UNCHECKED_LIMIT = "300 per hour"
JOINED_FROM_HERE_SECONDS = 3 * 3600  # a room joined from an address stays joinable from it under the second limit


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


class TooManyWrongCodes(TooManyAttempts):
    """A join refused for the wrong codes sent from the caller's address: `wait` seconds, said in words."""


def wait_in_words(seconds: int) -> str:
    """45 detik, 3 menit: in the user's language, rounded to the unit a person would say."""
    return format_timedelta(timedelta(seconds=max(1, seconds)), granularity="second", threshold=1)


class JoinCodeGuard:
    """Slows guessing of join codes without shutting out a class that shares the guesser's address.

    A code has 39.6 bits, so guessing needs many *different* wrong codes: each counts once per address (a class
    that repeats one typo counts once). Past WRONG_CODE_LIMIT a wrong code is answered 429 with the wait in words,
    and the right code still joins: a prankster's twenty wrong codes no longer lock a school out. But while every
    attempt is checked, one who ignores the 429 still learns which code is right, at any speed; so past
    UNCHECKED_LIMIT (hundreds an hour: a script, not a class) codes from the address are no longer checked,
    except the codes of rooms someone already joined from it (a class arriving goes on arriving).
    docs/reliability-rooms.md has the figures."""

    def __init__(self):
        self.address = get_remote_address()
        self.enabled = bool(current_app.config.get("RATELIMIT_ENABLED", True))
        self.windows = MovingWindowRateLimiter(limiter.storage) if self.enabled else None

    def _run(self, action, default):
        try:
            return action()
        except TooManyWrongCodes:
            raise
        except Exception:  # noqa: BLE001 - the counters' Redis is away: let people in rather than lock them out
            current_app.logger.warning("join code counters unavailable", exc_info=True)
            return default

    def _wait(self, limits, *keys) -> int:
        """Seconds until the full windows let one more through: the oldest attempt in each leaves it."""
        stats = [self.windows.get_window_stats(limit, *keys) for limit in limits]
        reset = max((s.reset_time for s in stats if s.remaining == 0), default=time.time())
        return max(1, int(reset - time.time() + 0.999))

    def check(self, live_session_id: int | None, code: str) -> None:
        """Before a join is answered: `live_session_id` is the code's room, None for a wrong code."""
        if not self.enabled:
            return
        self._run(lambda: self._check(live_session_id, code), None)

    def _check(self, live_session_id: int | None, code: str) -> None:
        unchecked = parse_many(UNCHECKED_LIMIT)
        if not all(self.windows.test(limit, "join-unchecked", self.address) for limit in unchecked) and not (
                live_session_id is not None and self._joined_from_here(live_session_id)):
            wait = self._wait(unchecked, "join-unchecked", self.address)
            raise TooManyWrongCodes(_(
                "So many wrong codes came from your network that its codes are not checked for %(wait)s. "
                "Students of a class already joining from here still get in with its code; others, ask your "
                "teacher.", wait=wait_in_words(wait)), wait)
        if live_session_id is not None:
            return  # the right code: never slowed by anybody's wrong ones
        wrong = parse_many(WRONG_CODE_LIMIT)
        first_time = self.windows.hit(parse_many("1 per 10 minutes")[0], "join-code-seen", self.address, code)
        if first_time:
            for limit in unchecked:
                self.windows.hit(limit, "join-unchecked", self.address)
            within = all([self.windows.hit(limit, "join-wrong", self.address) for limit in wrong])
        else:
            within = all(self.windows.test(limit, "join-wrong", self.address) for limit in wrong)
        if not within:
            wait = self._wait(wrong, "join-wrong", self.address)
            raise TooManyWrongCodes(_(
                "Too many wrong codes from your network. Check the code with your teacher: the right code still "
                "works now, other codes again in %(wait)s.", wait=wait_in_words(wait)), wait)

    def _joined_from_here(self, live_session_id: int) -> bool:
        limit = parse_many(f"1 per {JOINED_FROM_HERE_SECONDS} seconds")[0]
        return not self.windows.test(limit, "join-room", self.address, live_session_id)

    def joined(self, live_session_id: int) -> None:
        if self.enabled:
            limit = parse_many(f"1 per {JOINED_FROM_HERE_SECONDS} seconds")[0]
            self._run(lambda: self.windows.hit(limit, "join-room", self.address, live_session_id), None)


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
