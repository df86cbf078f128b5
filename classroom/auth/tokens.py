"""Bearer tokens on the JSON API: `Authorization: Bearer <token>` on an /api/ route acts as the token's account.

Only /api/ routes read the header: pages and Socket.IO go on answering the browser's session cookie alone. A
request that sends a token carries no cookie for another site to ride on, so it needs no CSRF token. A session
cookie, when one is there too, keeps deciding who the caller is, as before; the header is still checked.
"""
from __future__ import annotations

import time

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from limits import parse_many
from limits.strategies import MovingWindowRateLimiter

from ..errors import AppError, TooManyAttempts
from ..extensions import db
from ..models import AccountStatus, User
from ..security import LOGIN_LIMIT, limiter, wait_in_words
from ..services import tokens

# Wrong tokens from one address are limited as tightly as logins; right ones are not counted, so a script that
# calls the API all day never meets the limit. Past it, tokens from that address are not checked for a while.
FAILED_TOKEN_LIMIT = LOGIN_LIMIT
_NOT_LOOKED_UP = object()


class InvalidToken(AppError):
    def __init__(self):
        super().__init__(401, "invalid_token", _("This access token does not work: it was revoked, it expired or it "
                                                 "never existed. Create a new one on your account page."),
                         headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def bearer_token() -> str | None:
    """The token an /api/ request sends, or None (no header, another scheme, not an API route)."""
    if not request.path.startswith("/api/"):
        return None
    scheme, _sep, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class _FailedAttempts:
    """Counters of wrong tokens per address in the limiter's storage (Redis when there is one)."""

    def __init__(self):
        self.enabled = bool(current_app.config.get("RATELIMIT_ENABLED", True))
        self.limits = parse_many(FAILED_TOKEN_LIMIT)
        self.address = get_remote_address()

    def _windows(self) -> MovingWindowRateLimiter:
        return MovingWindowRateLimiter(limiter.storage)

    def check(self) -> None:
        if not self.enabled:
            return
        try:
            windows = self._windows()
            stats = [windows.get_window_stats(limit, "token-failed", self.address) for limit in self.limits]
        except Exception:  # noqa: BLE001 - the counters' Redis is away: check the token rather than lock out
            current_app.logger.warning("token counters unavailable", exc_info=True)
            return
        full = [s for s in stats if s.remaining == 0]
        if full:
            wait = max(1, int(max(s.reset_time for s in full) - time.time() + 0.999))
            raise TooManyAttempts(_("Too many wrong access tokens came from your network. Try again in %(wait)s.",
                                    wait=wait_in_words(wait)), wait)

    def failed(self) -> None:
        if not self.enabled:
            return
        try:
            windows = self._windows()
            for limit in self.limits:
                windows.hit(limit, "token-failed", self.address)
        except Exception:  # noqa: BLE001
            current_app.logger.warning("token counters unavailable", exc_info=True)


def token_user() -> User | None:
    """The account the request's token acts as, looked up once per request: None without a token, or for a
    pending or disabled account (its token does nothing). A revoked, expired or unknown token is answered 401,
    too many wrong ones from the address 429."""
    found = g.get("_token_user", _NOT_LOOKED_UP)
    if found is not _NOT_LOOKED_UP:
        return found
    g._token_user = None
    secret = bearer_token()
    if secret is None:
        return None
    attempts = _FailedAttempts()
    attempts.check()
    token = tokens.find_usable(secret)
    if token is None:
        attempts.failed()
        raise InvalidToken()
    if token.user.status != AccountStatus.ACTIVE:
        return None
    if tokens.note_use(token):
        db.session.commit()  # before the view runs: a refused action must not take the note of use with it
    g._token_user = token.user
    return token.user


def init_app(app: Flask, login_manager: LoginManager) -> None:
    @login_manager.request_loader
    def load_user_from_token(_request) -> User | None:  # asked only when no session cookie names a user
        return token_user()

    @app.before_request
    def check_bearer_token() -> None:
        """Every /api/ request's token is checked first, so a dead token is a 401 on any route, public ones too."""
        token_user()
