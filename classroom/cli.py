"""Command-line tasks: `flask --app wsgi seed-demo`, `create-admin`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(import_instance)
    app.cli.add_command(media_servers)
    app.cli.add_command(prune_recordings)


def _prepare_schema() -> None:
    """Bring the database to the latest migration (creates it on first run)."""
    upgrade(directory=current_app.config["MIGRATIONS_DIR"])


@click.command("seed-demo")
@with_appcontext
@click.option("--reset", is_flag=True, help="Drop all data first (the embedded SQLite default only).")
@click.option("--solve-seconds", default=5.0, show_default=True, help="Time limit of the demo matching run.")
def seed_demo(reset: bool, solve_seconds: float) -> None:
    """Fill the database with a realistic demo programme and print its logins and open room."""
    from . import demo
    if reset:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    _prepare_schema()
    if demo.demo_exists():
        raise click.ClickException("demo data is already there; use --reset to start again")
    result = demo.seed(current_app.config["PUBLIC_URL"], solve_seconds=solve_seconds)
    db.session.commit()
    click.echo("Demo logins (role, e-mail, password):")
    for role, email, password in result.logins:
        click.echo(f"  {role:<12} {email:<28} {password}")
    click.echo(f"demo room: {current_app.config['PUBLIC_URL'].rstrip('/')}/join?code={result.room_code} code {result.room_code}")


@click.command("create-admin")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account (the first account of a real deployment)."""
    from .models import Role
    from .services import accounts
    from .validation import ValidationError
    _prepare_schema()
    try:
        user = accounts.create_staff_account({"email": email, "name": name, "password": password}, Role.ADMIN)
    except ValidationError as exc:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.fields.items()))
    db.session.commit()
    click.echo(f"admin {user.email} created")


@click.command("import-instance")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--term-start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--term-end", required=True, type=click.DateTime(["%Y-%m-%d"]))
def import_instance(path: str, term_start, term_end) -> None:
    """Load teachers, schools and requests from a scheduler instance file (scheduling.md) for a term."""
    import json
    from .services.imports import import_instance as do_import
    from .validation import ValidationError
    _prepare_schema()
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    try:
        counts = do_import(data, term_start.date(), term_end.date())
    except ValidationError as exc:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.fields.items()))
    db.session.commit()
    click.echo("imported {teachers} teachers, {schools} schools, {requests} requests".format(**counts))


@click.command("media-servers")
@with_appcontext
@click.option("--folder", default=None, help="Where to write the configuration and logs (default: instance/media).")
def media_servers(folder: str | None) -> None:
    """Write Janus's and coturn's configuration from the app's settings and run both until Ctrl-C."""
    import signal
    import time
    from pathlib import Path

    from .media import local
    missing = local.missing_programs()
    if missing:
        raise click.ClickException("not installed: " + ", ".join(missing) + " (apt-get install janus janus-tools coturn)")
    config = current_app.config
    if not config["JANUS_URL"] or not config["TURN_URLS"]:
        raise click.ClickException("set JANUS_URL and TURN_URLS first (scripts/media.sh sets local ones)")
    target = Path(folder or Path(current_app.instance_path) / "media")
    servers = local.start(local.MediaSettings.from_config(config), target)
    click.echo(f"janus: {config['JANUS_URL']} (pid {servers.janus.pid}); coturn: {config['TURN_URLS'][0]} "
               f"(pid {servers.coturn.pid}); configuration and logs in {target}")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop both on SIGTERM as on Ctrl-C
    try:
        while servers.janus.poll() is None and servers.coturn.poll() is None:
            time.sleep(1)
        click.echo("janus or coturn exited; see the logs in " + str(target), err=True)
    except KeyboardInterrupt:
        pass
    finally:
        servers.stop()


@click.command("prune-recordings")
@with_appcontext
def prune_recordings() -> None:
    """Delete lesson recordings kept longer than RECORDING_RETENTION_DAYS after their session (run daily)."""
    from .services import recordings
    count = recordings.prune()
    db.session.commit()
    click.echo(f"deleted {count} recording(s)")
