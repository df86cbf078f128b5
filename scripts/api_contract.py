"""Check the JSON API's contract (/api/openapi.json) with the schemathesis CLI as every role, on a fresh demo.

Run from the repository root:

    .venv/bin/python scripts/api_contract.py --examples 20

What it does, in a new temporary directory (its path is printed; it is kept, with every log in it):

1. seeds the demo data (`flask --app wsgi seed-demo`) into a fresh SQLite database there (DATABASE_URL,
   INSTANCE_PATH and a throwaway SECRET_KEY point the app at it);
2. serves `wsgi.py` (Flask-SocketIO's embedded server) on 127.0.0.1:--port (5610) as a subprocess, with the
   rate limiter off (RATELIMIT_ENABLED=0) and, when Redis answers, MATCHING_QUEUE_URL=redis://127.0.0.1:6379/14:
   matching runs the fuzzer starts wait in a queue nobody serves instead of each spawning a solver process
   (classroom/jobs.py). Without Redis the two operations that start runs are left out, and it says so;
3. for each role of --roles (anonymous, teacher, school, coordinator): logs in through the HTML form /auth/login
   with the demo account the seed printed, checks /api/me answers 200 with that cookie (401 for anonymous) and
   stops loudly if not, then runs `schemathesis run .../api/openapi.json --checks all -n EXAMPLES --workers 1
   --seed 1 --generation-database none --generation-allow-x00 false -H "Cookie: session=..." -H "User-Agent: ..."`
   (the login's own User-Agent: Flask-Login's strong session protection drops the cookie under another one), its
   output in ROLE.log; it runs in the directory ROLE/, where schemathesis keeps its cache (./.schemathesis), so
   no role and no earlier run replays into this one;
4. prints one line per role (operations tested, failures, schemathesis's exit code) and the kinds of failure
   and the operations they were found in; always stops the server, and removes from Redis the queued jobs of the
   runs this server started (only those: other users of that database, such as the test suite, keep theirs).

The roles share one server and one database, in the order given: what one role's fuzzing changed (a cancelled
request, an approved account, a published run) is what the next one sees.

The exit code is 0 only if every role ran to its summary with no failure and no error.

The one setting no CLI flag has is written into the work directory's schemathesis.toml from the document: an
operation whose description lists rules a JSON Schema cannot state (`x-rules`: a grade the school teaches, an
interval that ends after it starts, a term with requests waiting) may answer a schema-valid request with 400. NUL bytes are not generated because PostgreSQL cannot store
them; the API refuses them with a documented 400.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ROLES = ("anonymous", "teacher", "school", "coordinator")
QUEUE_URL = "redis://127.0.0.1:6379/14"  # the tests' unserved queue (tests/api/test_api_fuzz.py)
# The operations that hand a matching run to a worker (classroom/api/planning.py): left out without a queue.
RUN_STARTERS = r"^/api/coordinator/runs(/\{run_id\}/replan)?$"
# Flask-Login's "strong" session protection (auth/access.py) drops a session cookie sent with another User-Agent
# than the login's, so the login and schemathesis send this same one.
USER_AGENT = "kelas-api-contract"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", "-n", "--max-examples", type=int, default=20, dest="examples",
                        help="schemathesis --max-examples per operation (default 20)")
    parser.add_argument("--port", type=int, default=5610, help="port of the app on 127.0.0.1 (default 5610)")
    parser.add_argument("--roles", default=",".join(ROLES),
                        help=f"comma-separated roles, in order (default {','.join(ROLES)})")
    args = parser.parse_args()
    args.roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    unknown = sorted(set(args.roles) - set(ROLES))
    if unknown or not args.roles:
        parser.error(f"unknown role(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(ROLES)}")
    if args.examples < 1:
        parser.error("--examples must be at least 1")
    return args


def fail(message: str) -> None:
    raise SystemExit(f"api_contract: {message}")


def redis_answers(url: str) -> bool:
    try:
        from redis import Redis
        return bool(Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001 - not installed, refused, timed out: no queue either way
        return False


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def compile_translations() -> None:
    """The app's pages need the compiled catalogues (.mo files are not in git)."""
    catalogues = list((ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))
    if all(po.with_suffix(".mo").exists() for po in catalogues):
        return
    print("compiling translations (pybabel compile -d translations)")
    subprocess.run([str(BIN / "pybabel"), "compile", "-q", "-d", "translations"], cwd=ROOT, check=True)


def app_environment(workdir: Path, port: int, queue_url: str | None) -> dict:
    env = dict(os.environ)
    # Nothing of the developer's own deployment may leak in: this app has its own database, secret and queue.
    for name in ("FLASK_ENV", "KN_ENV", "SOCKETIO_MESSAGE_QUEUE", "SOCKETIO_CHANNEL", "MATCHING_QUEUE_URL",
                 "MATCHING_PIECE_WORKERS", "SMTP_HOST", "JANUS_URL", "TURN_URLS"):
        env.pop(name, None)
    env.update({
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),  # this checkout's app
        "DATABASE_URL": f"sqlite:///{workdir / 'kelas.sqlite3'}",
        "INSTANCE_PATH": str(workdir / "instance"),
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": "0",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    })
    if queue_url:
        env["MATCHING_QUEUE_URL"] = queue_url
    return env


def seed(env: dict, workdir: Path) -> dict[str, tuple[str, str]]:
    """Seed the demo data; returns {role: (e-mail, password)} from the logins the command prints."""
    log = workdir / "seed.log"
    print(f"seeding demo data (log {log})")
    with open(log, "wb") as out:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "seed-demo"], cwd=ROOT, env=env,
                              stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    text = log.read_text(errors="replace")
    if done.returncode != 0:
        fail(f"seed-demo exited {done.returncode}; see {log}:\n{text[-2000:]}")
    logins: dict[str, tuple[str, str]] = {}
    for role, email, password in re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)\s*$", text, re.MULTILINE):
        logins.setdefault(role, (email, password))
    return logins


def start_server(env: dict, workdir: Path, port: int) -> subprocess.Popen:
    log = open(workdir / "server.log", "wb")
    print(f"serving wsgi.py on http://127.0.0.1:{port} (log {log.name})")
    process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"the server exited {process.returncode} before answering; see {workdir / 'server.log'}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_server(process)
    fail(f"the server did not answer within 60 s; see {workdir / 'server.log'}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server and anything it started: it leads its own process group (start_new_session)."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def log_in(base: str, role: str, logins: dict[str, tuple[str, str]]) -> str | None:
    """The session cookie of the role's demo account, through the HTML login form; None for anonymous. Fails
    loudly unless /api/me, sent the very headers schemathesis will send, says who it should."""
    cookie = None
    if role != "anonymous":
        if role not in logins:
            fail(f"seed-demo printed no {role} login (it printed: {', '.join(logins) or 'none'})")
        email, password = logins[role]
        browser = requests.Session()
        browser.headers["User-Agent"] = USER_AGENT
        page = browser.get(f"{base}/auth/login", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if page.status_code != 200 or not token:
            fail(f"{role}: GET /auth/login answered {page.status_code} without a csrf_token field")
        answer = browser.post(f"{base}/auth/login", timeout=10, allow_redirects=False,
                              data={"csrf_token": token.group(1), "email": email, "password": password})
        cookie = browser.cookies.get("session")
        if answer.status_code not in (302, 303) or not cookie:
            fail(f"{role}: logging in as {email} answered {answer.status_code}"
                 f"{' without a session cookie' if not cookie else ''}")
    me = requests.get(f"{base}/api/me", headers=request_headers(cookie), timeout=10)
    if role == "anonymous":
        if me.status_code != 401:
            fail(f"anonymous: /api/me answered {me.status_code}, not 401")
    elif me.status_code != 200 or me.json().get("role") != role:
        fail(f"{role}: /api/me with the login cookie answered {me.status_code} {me.text[:200]}")
    else:
        print(f"{role}: logged in as {me.json().get('email')}; /api/me answers 200")
    return cookie


def request_headers(cookie: str | None) -> dict[str, str]:
    """The headers every schemathesis request carries (and the /api/me check before it)."""
    return {"User-Agent": USER_AGENT, **({"Cookie": f"session={cookie}"} if cookie else {})}


# What a schema-valid request may also get: the success, and the refusals that depend on who asks and on stored
# rows (schemathesis's own default list for positive_data_acceptance, 5xx left out: a 5xx is a failure).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]


def write_config(base: str, workdir: Path) -> Path:
    """A schemathesis.toml from the document itself: an operation that states rules a JSON Schema cannot
    (`x-rules`: between fields, against stored data) may also answer a schema-valid request with 400. The
    exceptions are the document's, so they cannot drift from it."""
    document = requests.get(f"{base}/api/openapi.json", timeout=30).json()
    ruled = sorted(op["operationId"] for operations in document["paths"].values() for op in operations.values()
                   if op.get("x-rules"))
    path = workdir / "schemathesis.toml"
    lines = ["# Written by scripts/api_contract.py from /api/openapi.json's x-rules.", ""]
    for operation_id in ruled:
        lines += ["[[operations]]", f'include-operation-id = "{operation_id}"',
                  "checks.positive_data_acceptance.expected-statuses = "
                  + "[" + ", ".join(f'"{s}"' for s in ACCEPTED + ["400"]) + "]", ""]
    path.write_text("\n".join(lines))
    return path


def schemathesis_command(base: str, examples: int, cookie: str | None, allow_x00_flag: bool,
                         without_runs: bool, config: Path) -> list[str]:
    command = [str(BIN / "schemathesis"), "--config-file", str(config), "run", f"{base}/api/openapi.json",
               "--checks", "all",
               "-n", str(examples), "--workers", "1", "--seed", "1", "--generation-database", "none",
               "--request-timeout", "60", "--no-color"]
    if allow_x00_flag:
        command += ["--generation-allow-x00", "false"]
    if without_runs:
        command += ["--exclude-path-regex", RUN_STARTERS]
    for name, value in request_headers(cookie).items():
        command += ["-H", f"{name}: {value}"]
    return command


def summarise(text: str) -> dict:
    """Figures from schemathesis's summary: operations tested, failures, errors, failure kinds, operations."""
    tested = re.search(r"^\s*Tested:\s*(\d+)", text, re.MULTILINE)
    last = text.strip().splitlines()[-1] if text.strip() else ""
    finished = bool(re.match(r"^=+ .* =+$", last))
    failures = re.search(r"(\d+) failures?\b", last)
    errors = re.search(r"(\d+) errors?\b", last)
    kinds = {}
    block = re.search(r"^Failures:\n(.*?)(?:\n\n|\Z)", text, re.MULTILINE | re.DOTALL)
    for line in block.group(1).splitlines() if block else []:
        kind = re.match(r"^\s*\S+\s+(ST\d+ .*?):\s*(\d+)\s*$", line)
        if kind:
            kinds[kind.group(1)] = int(kind.group(2))
    failures_section = text.split("=== FAILURES ===", 1)[1] if "=== FAILURES ===" in text else ""
    failures_section = re.split(r"^=+ (?:ERRORS|WARNINGS|SUMMARY) =+$", failures_section, flags=re.MULTILINE)[0]
    operations = re.findall(r"^_+ (\S+ \S+) _+$", failures_section, re.MULTILINE)
    # schemathesis's warning "Authentication failed": operations that answered nothing but 401/403.
    refused = re.search(r"^401 Unauthorized \(\d+ operations?\):\n((?:\s+- .*\n?)+)", text, re.MULTILINE)
    only_401 = re.findall(r"- (\S+ \S+)", refused.group(1)) if refused else []
    return {"tested": int(tested.group(1)) if tested else None, "finished": finished,
            "failures": int(failures.group(1)) if failures else (0 if finished else None),
            "errors": int(errors.group(1)) if errors else 0, "kinds": kinds, "operations": operations,
            "only_401": only_401}


def drop_queued_jobs(workdir: Path, queue_url: str) -> int:
    """Remove from Redis the jobs of the runs this server handed over ("rq JOB_ID" in matching_runs.worker)."""
    with sqlite3.connect(workdir / "kelas.sqlite3") as database:
        ids = [row[0][3:] for row in database.execute("SELECT worker FROM matching_runs WHERE worker LIKE 'rq %'")]
    if not ids:
        return 0
    from redis import Redis
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    connection = Redis.from_url(queue_url, socket_connect_timeout=2)
    removed = 0
    for job_id in ids:
        try:
            Job.fetch(job_id, connection=connection).delete()
            removed += 1
        except NoSuchJobError:
            pass
    return removed


def main() -> int:
    args = parse_args()
    base = f"http://127.0.0.1:{args.port}"
    if port_in_use(args.port):
        fail(f"something already listens on 127.0.0.1:{args.port}; choose another --port")
    help_text = subprocess.run([str(BIN / "schemathesis"), "run", "--help"], capture_output=True, text=True).stdout
    allow_x00_flag = "--generation-allow-x00" in help_text
    workdir = Path(tempfile.mkdtemp(prefix="api-contract-"))
    print(f"work directory: {workdir}")
    queue_url = QUEUE_URL if redis_answers(QUEUE_URL) else None
    if queue_url:
        print(f"matching runs started by the fuzzer stay queued, unserved, at {queue_url}")
    else:
        print(f"Redis does not answer at {QUEUE_URL}: each matching run started would spawn a solver process, so "
              f"the operations that start runs (POST /api/coordinator/runs, .../replan) are NOT tested")
    if not allow_x00_flag:
        print("this schemathesis has no --generation-allow-x00: NUL bytes may be generated (the API answers 400)")

    compile_translations()
    env = app_environment(workdir, args.port, queue_url)
    logins = seed(env, workdir)
    results = []
    server = None
    previous_sigterm = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` still runs
    try:
        server = start_server(env, workdir, args.port)
        config = write_config(base, workdir)
        for role in args.roles:
            cookie = log_in(base, role, logins)
            log = workdir / f"{role}.log"
            # Its own directory: schemathesis keeps a cache in ./.schemathesis (requests it replays while probing,
            # the crashes `st replay` reads) that would otherwise carry one role's or one run's findings into the
            # next, and litter the checkout.
            role_dir = workdir / role
            role_dir.mkdir()
            command = schemathesis_command(base, args.examples, cookie, allow_x00_flag, queue_url is None, config)
            print(f"{role}: schemathesis run -n {args.examples} ... (log {log})", flush=True)
            with open(log, "w") as out:
                out.write(f"$ cd {role_dir} && " + " ".join(command).replace(cookie or "\0", "<session cookie>")
                          + f"\n(replay a failure: cd {role_dir} && {BIN / 'st'} replay CASE_ID, server running)\n\n")
                out.flush()
                code = subprocess.run(command, cwd=role_dir, stdout=out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL).returncode
            results.append((role, code, log, summarise(log.read_text(errors="replace"))))
    finally:
        if server is not None:
            stop_server(server)
            print("server stopped")
        signal.signal(signal.SIGTERM, previous_sigterm)
        if queue_url:
            try:
                print(f"removed {drop_queued_jobs(workdir, queue_url)} queued matching job(s) of this run from Redis")
            except Exception as exc:  # noqa: BLE001 - cleaning up must not hide the figures
                print(f"could not remove this run's queued matching jobs from {queue_url}: {exc}")

    print(f"\nAPI contract, --examples {args.examples}, logs in {workdir}")
    print(f"{'role':<12} {'tested':>6} {'failures':>8} {'errors':>6} {'exit':>4}")
    bad = False
    for role, code, log, figures in results:
        shown = lambda value: "?" if value is None else str(value)  # noqa: E731
        print(f"{role:<12} {shown(figures['tested']):>6} {shown(figures['failures']):>8} {figures['errors']:>6} "
              f"{code:>4}")
        if not figures["finished"]:
            print(f"{'':<12} schemathesis gave no summary; see {log}")
        lost_login = role != "anonymous" and "GET /api/me" in figures["only_401"]
        if lost_login:
            print(f"{'':<12} LOGIN DID NOT HOLD: schemathesis got only 401 from GET /api/me; see {log}")
        if figures["kinds"]:
            print(f"{'':<12} kinds: " + "; ".join(f"{kind} x{count}" for kind, count in figures["kinds"].items()))
        if figures["operations"]:
            print(f"{'':<12} in: " + ", ".join(dict.fromkeys(figures["operations"])))
        bad |= lost_login or not figures["finished"] or figures["failures"] != 0 or figures["errors"] != 0 or code != 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
