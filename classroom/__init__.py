"""Kelas Nusantara: live cross-region teaching for Indonesian schools."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import config as config_module
from .extensions import babel, compress, csrf, db, login_manager, migrate, socketio

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings from the environment, overridden by `config` (tests pass theirs)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    from .validation import RequestJSONProvider, RowIdConverter
    app.json = RequestJSONProvider(app)       # every JSON body is checked where it is parsed
    app.url_map.converters["int"] = RowIdConverter  # every path id is bounded where it is matched
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path)))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    app.config["MIGRATIONS_DIR"] = str(PROJECT_ROOT / "migrations")
    if config:
        app.config.from_mapping(config)
        if "SQLALCHEMY_DATABASE_URI" in config:
            app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalize_database_url(config["SQLALCHEMY_DATABASE_URI"])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A restarted database server leaves dead connections in the pool: test each before use.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True, "pool_recycle": 1800})

    db.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True)
    csrf.init_app(app)

    from . import i18n
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)

    from .auth import access
    access.init_login(app, login_manager)

    from .security import socket_origin_check
    from .sockets.queue import client_manager, default_channel
    app.config["SOCKETIO_CHANNEL"] = app.config.get("SOCKETIO_CHANNEL") or default_channel(
        app.config["SECRET_KEY"], app.config["SQLALCHEMY_DATABASE_URI"])
    socketio.init_app(
        app,
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        cors_allowed_origins=socket_origin_check(app),
        manage_session=False,
        # One client's events are handled one after another, in the order it sent them, by the thread or
        # greenlet that reads its connection (its WebSocket, or its long-polling POST): python-socketio's
        # default starts a thread per event, and the threads of one sender's chat raced for the room's lock
        # (docs/rooms.md). Other clients have readers of their own, so a slow handler delays only its sender.
        async_handlers=False,
        **client_manager(app.config["SOCKETIO_MESSAGE_QUEUE"], app.config["SOCKETIO_CHANNEL"]),
    )

    from . import static_files
    static_files.init_app(app)
    # Pages that a weak link loads are compressed one by one (compress.compressed()): a page that reflected
    # what an attacker typed beside a secret would leak it to length measurements (BREACH) if compressed.
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    compress.init_app(app)

    from . import errors, security
    errors.init_app(app)
    security.init_app(app)

    from .auth.views import bp as auth_bp
    from .main.views import bp as main_bp
    from .teachers.views import bp as teachers_bp, calendar_bp
    from .schools.views import bp as schools_bp
    from .coordinator.views import bp as coordinator_bp
    from .coordinator import runs as _coordinator_runs  # noqa: F401  (adds the run pages to the blueprint)
    from .coordinator import calendar as _coordinator_calendar  # noqa: F401  (adds the calendar page)
    from . import api
    from .rooms.views import bp as rooms_bp
    from .rooms import recordings as _room_recordings  # noqa: F401  (adds the recording pages to the blueprint)
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(teachers_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(schools_bp)
    app.register_blueprint(coordinator_bp)
    api.init_app(app)  # the JSON API, exempt from CSRF for the reason api/__init__.py gives
    app.register_blueprint(rooms_bp)

    from . import cli
    cli.init_app(app)

    from . import sockets
    sockets.init_app(app)

    from . import media
    media.init_app(app)
    return app
