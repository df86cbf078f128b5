"""Personal access tokens: created and revoked by their account on its account page, checked on every API call
that sends one. Only a token's SHA-256 is stored; the token itself is shown once, when it is created."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import AccessToken, User
from ..timefmt import utcnow
from ..errors import NotFound, bad
from . import fields

SCHEME = "kn_"               # tells a Kelas Nusantara token apart in a script's settings or a leaked log
PREFIX_LENGTH = len(SCHEME) + 8
EXPIRY_DAYS = ("30", "90", "365", "")   # the choices of the page; "" never expires
MAX_LIVE_TOKENS = 20
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often, not on every call


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def count_usable(user: User) -> int:
    """Tokens of the account that still work."""
    now = utcnow()
    return db.session.scalar(select(func.count()).select_from(AccessToken).where(
        AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None),
        (AccessToken.expires_at.is_(None)) | (AccessToken.expires_at > now))) or 0


def live_tokens(user: User) -> list[AccessToken]:
    """The account's tokens not revoked, newest first (expired ones too, marked as such on the page)."""
    return list(db.session.scalars(select(AccessToken).where(
        AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None)).order_by(AccessToken.created_at.desc(),
                                                                                 AccessToken.id.desc())))


def create_token(user: User, data: dict) -> tuple[AccessToken, str]:
    """A new token for `user`: the row, and the token itself, which is never shown again."""
    errors = fields.FieldErrors()
    name = fields.text(errors, "name", data.get("name"), max_length=60)
    expires_in = str(data.get("expires_in_days", "90"))
    if expires_in not in EXPIRY_DAYS:
        errors.add("expires_in_days", _("Choose one of the offered lifetimes."))
    errors.raise_if_any()
    if count_usable(user) >= MAX_LIVE_TOKENS:
        raise bad("name", _("An account holds at most %(n)d tokens. Revoke one you no longer use first.",
                            n=MAX_LIVE_TOKENS))
    now = utcnow()
    secret = SCHEME + secrets.token_urlsafe(32)
    token = AccessToken(user_id=user.id, name=name, prefix=secret[:PREFIX_LENGTH], secret_hash=hash_token(secret),
                        created_at=now, expires_at=now + timedelta(days=int(expires_in)) if expires_in else None)
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_token(user: User, token_id: int) -> AccessToken:
    """Revoke one of the account's own tokens (another account's is not found, whoever asks)."""
    token = db.session.get(AccessToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("Not found."))
    token.revoked_at = token.revoked_at or utcnow()
    db.session.flush()
    return token


def revoke_all(user: User) -> int:
    """Every token of the account stops working (a password reset calls this)."""
    result = db.session.execute(update(AccessToken).where(
        AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    return result.rowcount


def find_usable(token: str) -> AccessToken | None:
    """The token's row if it is one of ours, neither revoked nor expired; None otherwise. Looked up by its hash:
    a guess reveals nothing, since the hashes of 256-bit secrets cannot be worked back."""
    if not token.startswith(SCHEME) or len(token) > 100:
        return None
    row = db.session.scalar(select(AccessToken).where(AccessToken.secret_hash == hash_token(token)))
    return row if row is not None and row.usable_at(utcnow()) else None


def note_use(token: AccessToken) -> bool:
    """Record when the token was last used, at most once a minute; returns whether a row was written."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return False
    token.last_used_at = now
    db.session.flush()
    return True
