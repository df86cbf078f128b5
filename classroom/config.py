"""Configuration from the environment, with an embedded default that needs nothing installed."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment asks for something the app cannot run with."""


def _instance_secret(instance_path: Path) -> str:
    """A secret key generated once and kept in the instance folder, for the embedded default."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def from_environment(instance_path: Path) -> dict:
    """Build the app's settings from environment variables."""
    production = os.environ.get("FLASK_ENV") == "production" or os.environ.get("KN_ENV") == "production"
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set when FLASK_ENV=production")
        secret = _instance_secret(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'kelas.sqlite3'}"
    return {
        "PRODUCTION": production,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        # The queue's pub/sub channel; unset, one derived from this deployment (sockets/queue.py default_channel).
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL") or None,
        # threading for the embedded single process; production sets the worker's mode (docs/rooms.md).
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE", "threading"),
        "MATCHING_QUEUE_URL": os.environ.get("MATCHING_QUEUE_URL") or None,
        # Piece worker processes (`rq worker matching-pieces`, all hosts): a run's neighbourhoods go to them.
        "MATCHING_PIECE_WORKERS": int(os.environ.get("MATCHING_PIECE_WORKERS") or 0),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LANGUAGE", "id"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "DEFAULT_TIMEZONE": os.environ.get("DEFAULT_TIMEZONE", "Asia/Jakarta"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Seconds a login (session or "remember me") lasts at most; auth/access.py enforces it on the server too.
        "REMEMBER_COOKIE_DURATION": 30 * 86400,
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # Pages that may open Socket.IO connections besides the app's own address and PUBLIC_URL (security.py).
        "SOCKETIO_ALLOWED_ORIGINS": os.environ.get("SOCKETIO_ALLOWED_ORIGINS", "").replace(",", " ").split(),
        "MAIL_SERVER": os.environ.get("SMTP_HOST") or None,
        "MAIL_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "noreply@kelas-nusantara.id"),
        "ROOM_OPENS_MINUTES_BEFORE": int(os.environ.get("ROOM_OPENS_MINUTES_BEFORE", "15")),
        "ROOM_ICE_SERVERS": _json_list("ROOM_ICE_SERVERS"),
        # Media through Janus (an SFU) and TURN through coturn; without JANUS_URL the room is a mesh (docs/rooms.md).
        "JANUS_URL": os.environ.get("JANUS_URL") or None,
        "JANUS_API_SECRET": os.environ.get("JANUS_API_SECRET") or _derived(secret, "janus-api"),
        "JANUS_RTP_PORTS": os.environ.get("JANUS_RTP_PORTS", "40000-40199"),
        "JANUS_PUBLIC_IP": os.environ.get("JANUS_PUBLIC_IP") or None,
        "TURN_URLS": [url.strip() for url in os.environ.get("TURN_URLS", "").split(",") if url.strip()],
        # Unset, both the app and `flask media-servers` derive the same one from SECRET_KEY (never the key itself).
        "TURN_SECRET": os.environ.get("TURN_SECRET") or _derived(secret, "turn-rest-api"),
        "TURN_CREDENTIAL_SECONDS": int(os.environ.get("TURN_CREDENTIAL_SECONDS", str(4 * 3600))),
        # "relay" makes every browser use TURN only (a school network that must not expose addresses; the tests).
        "ROOM_ICE_POLICY": "relay" if os.environ.get("ROOM_ICE_POLICY") == "relay" else "all",
        "TURN_RELAY_PORTS": os.environ.get("TURN_RELAY_PORTS", "40200-40399"),
        "RECORDING_RETENTION_DAYS": int(os.environ.get("RECORDING_RETENTION_DAYS", "30")),
        "RECORDINGS_PATH": os.environ.get("RECORDINGS_PATH") or str(instance_path / "recordings"),
        # Each Socket.IO process says it is alive this often; one silent for ROOM_SERVER_SILENT_SECONDS is taken
        # for dead, and its connections' attendance is closed at its last heartbeat (docs/rooms.md).
        "ROOM_HEARTBEAT_SECONDS": float(os.environ.get("ROOM_HEARTBEAT_SECONDS", "10")),
        # A participant's connections at once (tabs, devices, and a dropped one not yet timed out); more are refused.
        "ROOM_CONNECTIONS_PER_PARTICIPANT": int(os.environ.get("ROOM_CONNECTIONS_PER_PARTICIPANT", "3")),
        # A locked room still takes back a student whose connection was open until this long before the lock.
        "ROOM_LOCK_REJOIN_SECONDS": float(os.environ.get("ROOM_LOCK_REJOIN_SECONDS", "120")),
        "ROOM_SERVER_SILENT_SECONDS": float(os.environ.get("ROOM_SERVER_SILENT_SECONDS", "45")),
        # The largest request body: a slide PDF (services/slides.py PDF_MAX_BYTES, 20 MB) and its form; anything
        # bigger is refused with 413 before it is read, however the body is sent.
        "MAX_CONTENT_LENGTH": 21 * 1024 * 1024,
        # How many proxies (nginx) stand in front and set X-Forwarded-For; 0 when clients connect directly.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        # Only a load benchmark turns this off: its thousand "students" all come from 127.0.0.1.
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1").lower() not in ("0", "false", "no"),
    }


def _derived(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


def _json_list(name: str) -> list:
    """A JSON list from the environment, e.g. ROOM_ICE_SERVERS='[{"urls": "stun:stun.example.org"}]'."""
    raw = os.environ.get(name)
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(value, list):
        raise ConfigError(f"{name} must be a JSON list")
    return value


def normalize_database_url(url: str) -> str:
    """Let `postgres://` and `postgresql://` URLs use the psycopg 3 driver the project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
