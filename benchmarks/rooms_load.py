"""Load test of the live rooms: a class arriving at the bell, then chat fanned out to every member.

Starts the server the way docs/rooms.md runs it in production (gunicorn -c gunicorn.conf.py: one gevent worker
per process, PostgreSQL, Redis as the message queue when there are several processes), connects N python-socketio
clients to M rooms within a few seconds, sends chat at a set rate per room, and prints:
  * settle: from the first arrival until every member holds the room's final presence list,
  * p50/p95/p99 fan-out latency: from a message's send to each member's receipt,
  * lost messages: deliveries that never arrived (and sends the server refused).

    .venv/bin/python benchmarks/rooms_load.py --clients 1000 --rooms 20 --rate 1 --duration 30
    .venv/bin/python benchmarks/rooms_load.py --clients 500 --rooms 1 --rate 1 --duration 20
    .venv/bin/python benchmarks/rooms_load.py --clients 200 --rooms 1 --arrival 0 --duration 10
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=1)
    parser.add_argument("--rate", type=float, default=1.0, help="chat messages per second per room")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of chat")
    parser.add_argument("--arrival", type=float, default=3.0, help="seconds over which the class arrives (0: at once)")
    parser.add_argument("--chat-delay", type=float, default=1.0,
                        help="seconds after the last arrival before chat starts (0: chat during the storm)")
    parser.add_argument("--processes", type=int, default=1, help="server processes (more than 1 uses Redis)")
    parser.add_argument("--server", choices=["gevent", "threading", "stub"], default="gevent",
                        help="stub: benchmarks/stub_server.py, a bare python-socketio server, to measure the clients")
    parser.add_argument("--presence-seconds", type=float, default=0.25,
                        help="presence coalescing window; 0 sends the whole list on every join and leave")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--client-gc", type=int, default=0,
                        help="the clients' garbage-collector threshold (0: Python's default, 700)")
    parser.add_argument("--client-freeze", action=argparse.BooleanOptionalAction, default=True,
                        help="freeze each client process's heap once its clients are connected (gc.freeze)")
    parser.add_argument("--compress", action=argparse.BooleanOptionalAction, default=False,
                        help="offer per-message compression on the WebSocket, as browsers do")
    parser.add_argument("--transport", choices=["websocket", "polling"], default="websocket")
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/rooms_bench",
                        help="a PostgreSQL URL (the database is dropped and made again) or sqlite:///path")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--port", type=int, default=5610)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line too")
    return parser.parse_args()


# --- database and server ---------------------------------------------------------------------------

def prepare_database(url: str) -> None:
    if url.startswith("postgresql"):
        import psycopg
        base, name = url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    elif url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).unlink(missing_ok=True)
    env = server_env(url, None, 0.25)
    subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)


def server_env(database: str, redis: str | None, presence: float) -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": database, "SECRET_KEY": "rooms-load-benchmark", "ROOM_PRESENCE_SECONDS": str(presence),
                "INSTANCE_PATH": str(Path(tempfile.gettempdir()) / "rooms-bench-instance"), "PYTHONUNBUFFERED": "1",
                # Every simulated student joins from 127.0.0.1; the per-address join limit would stop the 21st.
                "RATELIMIT_ENABLED": "0"})
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    if redis:
        env["SOCKETIO_MESSAGE_QUEUE"] = redis
    return env


def seed(database: str, rooms: int) -> list[str]:
    """A teacher, a school and `rooms` live sessions open now, built with the app's own services."""
    os.environ.update(server_env(database, None, 0.25))
    from classroom import create_app
    from classroom.extensions import db
    from classroom.models import LiveSession, LiveStatus, Role
    from classroom.services import accounts, requests as request_service
    from classroom.services.join_codes import unique_code
    from classroom.timefmt import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": database})
    codes = []
    with app.app_context():
        admin = accounts.create_staff_account({"name": "Admin", "email": "admin@bench.id", "password": "x" * 12},
                                              Role.ADMIN)
        teacher = accounts.register_teacher({"name": "Guru Beban", "email": "guru@bench.id", "password": "x" * 12,
                                             "province": "11", "subjects": ["Matematika"], "grades": [8]})
        staff = accounts.register_school({"name": "Staf", "email": "sekolah@bench.id", "password": "x" * 12,
                                          "npsn": "69999999", "level": "SMP", "school_name": "SMP Beban",
                                          "province": "91", "district": "Jayapura"})
        accounts.approve(teacher, admin)
        accounts.approve(staff, admin)
        today = date.today()
        request = request_service.create_request(staff.school, {
            "class_name": "VIII-A", "subject": "Matematika", "grade": 8, "students": 30, "sessions_per_week": 1,
            "duration_minutes": 70, "priority": 3, "term_start": today.isoformat(),
            "term_end": (today + timedelta(days=60)).isoformat(),
            "windows": [{"day": "mon", "start": "07:30", "end": "12:00"}]})
        now = utcnow()
        for _ in range(rooms):
            live = LiveSession(request_id=request.id, teacher_id=teacher.teacher_profile.id, school_id=staff.school.id,
                               starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2),
                               join_code=unique_code(), status=LiveStatus.SCHEDULED)
            db.session.add(live)
            db.session.flush()
            codes.append(live.join_code)
        db.session.commit()
        db.engine.dispose()
    return codes


def start_servers(args) -> tuple[list[subprocess.Popen], list[str]]:
    redis = args.redis if args.processes > 1 else None
    env = server_env(args.database, redis, args.presence_seconds)
    servers, urls = [], []
    for index in range(args.processes):
        port = args.port + index
        if args.server == "stub":
            command = [PYTHON, "benchmarks/stub_server.py", str(port)]
        elif args.server == "gevent":
            # The production command of docs/rooms.md, with the repository's gunicorn.conf.py.
            command = [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                       "--log-level", "warning", "wsgi:app"]
        else:
            command = [PYTHON, "-m", "gunicorn", "-k", "gthread", "--threads", "1000", "-w", "1",
                       "-b", f"127.0.0.1:{port}", "--log-level", "warning", "benchmarks.threading_wsgi:app"]
        servers.append(subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True))
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/join", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit(f"server at {url} did not start")
                time.sleep(0.2)
    return servers, urls


def stop_servers(servers) -> None:
    for server in servers:
        try:
            os.killpg(server.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for server in servers:
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def process_cpu_seconds(pid: int | str) -> float:
    """User + system CPU of one process, from /proc; 0 for one that has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


def server_cpu_seconds(servers) -> float:
    """User + system CPU of every server process and its workers."""
    total = 0.0
    for server in servers:
        pids = [server.pid] + [int(p) for p in subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True,
                                                              text=True).stdout.split() if int(p) != server.pid]
        total += sum(process_cpu_seconds(pid) for pid in pids)
    return total


def database_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL process on the machine (others' tests included: a rough figure)."""
    pids = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    return sum(process_cpu_seconds(pid) for pid in pids)


def join_tokens(urls: list[str], codes: list[str], clients: int) -> list[dict]:
    def join(index: int) -> dict:
        room = index % len(codes)
        # A sticky proxy (ip_hash) keeps each client on one process; a class's students come from many
        # addresses, so one room's members are spread over the processes.
        # (By place in the room: `index % len(urls)` kept every room of an even count on one process.)
        url = urls[(index // len(codes)) % len(urls)]
        body = json.dumps({"code": codes[room], "name": f"Siswa {index}"}).encode()
        request = urllib.request.Request(url + "/api/rooms/join", data=body,
                                         headers={"Content-Type": "application/json"})
        token = json.loads(urllib.request.urlopen(request, timeout=30).read())["token"]
        return {"index": index, "room": room, "url": url, "token": token}

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(join, range(clients)))


# --- clients ---------------------------------------------------------------------------------------

def client_process(members: list[dict], room_sizes: dict, plan: dict, out) -> None:
    if plan["client_gc"] > 0:
        # A full collection in a process of hundreds of clients stalls all of them at once, which would read as
        # the server's latency; docs/rooms.md measured no clear effect here, so the default stays off.
        gc.set_threshold(plan["client_gc"], 50, 1000)
    asyncio.run(run_clients(members, room_sizes, plan, out))


async def run_clients(members, room_sizes, plan, out):
    import socketio

    results = {"settled": {}, "connected": {}, "receipts": [], "sent": [], "refused": 0, "connect_failed": 0,
               "stalls": [], "frozen_at": None}

    def freeze_once_all_are_in():
        if plan["client_freeze"] and len(results["connected"]) + results["connect_failed"] == len(members):
            # Hundreds of clients share this process's heap, so one full collection would stall all of them at
            # once and read as the server's latency; a real class is hundreds of browsers, each with its own.
            gc.freeze()
            results["frozen_at"] = time.time()

    async def watch_loop():
        # How late this process's event loop wakes from a 10 ms sleep: while it is late, every client in the
        # process is late too, whatever the server did.
        loop = asyncio.get_running_loop()
        while time.time() < plan["end"]:
            before = loop.time()
            await asyncio.sleep(0.01)
            lag = loop.time() - before - 0.01
            if lag > 0.02:
                results["stalls"].append((time.time() - lag, lag))

    async def one(member):
        # compress=15 offers permessage-deflate as every browser does; the server then compresses each message
        # once per member.
        options = {"websocket_extra_options": {"compress": 15}} if plan["compress"] else {}
        client = socketio.AsyncClient(reconnection=False, **options)
        full = room_sizes[member["room"]]

        @client.on("presence", namespace="/room")
        async def presence(body):
            if len(body["members"]) == full and member["index"] not in results["settled"]:
                results["settled"][member["index"]] = time.time()

        @client.on("chat", namespace="/room")
        async def chat(body):
            now = time.time()
            parts = body["text"].split(":")
            if parts[0] == "b":
                results["receipts"].append((int(parts[1]), int(parts[2]), now - float(parts[3]), member["index"]))

        @client.on("error", namespace="/room")
        async def error(body):
            results["refused"] += 1

        await asyncio.sleep(max(0.0, plan["start"] + member["arrive"] - time.time()))
        try:
            await client.connect(member["url"], namespaces=["/room"], auth={"token": member["token"]},
                                 transports=[plan["transport"]], wait_timeout=60)
        except Exception:  # noqa: BLE001 - counted, not fatal
            results["connect_failed"] += 1
            freeze_once_all_are_in()  # a failure may be the last one in: the heap is frozen all the same
            return
        results["connected"][member["index"]] = time.time()
        freeze_once_all_are_in()
        for seq, at in member["sends"]:
            await asyncio.sleep(max(0.0, at - time.time()))
            sent_at = time.time()
            await client.emit("chat", {"text": f"b:{member['room']}:{seq}:{sent_at:.6f}"}, namespace="/room")
            results["sent"].append((member["room"], seq, sent_at))
        await asyncio.sleep(max(0.0, plan["end"] - time.time()))
        await client.disconnect()

    watcher = asyncio.create_task(watch_loop())
    await asyncio.gather(*(one(m) for m in members))
    watcher.cancel()
    out.put(results)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def blame(receipts, stalls, frozen, client_processes) -> dict:
    """Which side made the tail: each receipt's latency is the message's first receipt anywhere (the server had
    sent it by then) plus how much later this client got it (its own process's delay). Prints the split at the
    p99 and the client processes' event-loop stalls, then a verdict."""
    first: dict[tuple[int, int], float] = {}
    for room, seq, latency, _member in receipts:
        first[(room, seq)] = min(first.get((room, seq), latency), latency)
    server_ms = [first[(r[0], r[1])] * 1000 for r in receipts]
    client_ms = [(r[2] - first[(r[0], r[1])]) * 1000 for r in receipts]
    total_ms = [r[2] * 1000 for r in receipts]
    if not receipts:
        return {}
    p99 = percentile(total_ms, 99)
    tail = [k for k, ms in enumerate(total_ms) if ms >= p99]
    tail_server = statistics.fmean(server_ms[k] for k in tail)
    tail_client = statistics.fmean(client_ms[k] for k in tail)
    print(f"  server side (a message's first receipt anywhere) ms: p50 {percentile(server_ms, 50):.0f}  "
          f"p99 {percentile(server_ms, 99):.0f}; client side (this receipt after the first) ms: "
          f"p50 {percentile(client_ms, 50):.0f}  p99 {percentile(client_ms, 99):.0f}")
    print(f"  receipts at or over the p99 ({p99:.0f} ms): on average {tail_server:.0f} ms server side, "
          f"{tail_client:.0f} ms client side")
    for k in range(client_processes):
        mine = stalls.get(k, [])
        longest = max((lag for _, lag in mine), default=0.0) * 1000
        froze = f"heap frozen after {frozen[k]:.2f} s" if frozen.get(k) else "heap never frozen"
        print(f"  client process {k}: event loop late by more than 20 ms {len(mine)} times, longest {longest:.0f} ms;"
              f" {froze}")
    slow_side = "the clients" if tail_client > tail_server else "the server"
    print(f"  verdict: the slowest 1% of receipts were slow on {slow_side}'s side")
    return {"tail_server_ms": round(tail_server, 1), "tail_client_ms": round(tail_client, 1),
            "server_p99_ms": round(percentile(server_ms, 99), 1), "client_p99_ms": round(percentile(client_ms, 99), 1),
            "client_stalls": {k: len(v) for k, v in stalls.items()},
            "client_longest_stall_ms": {k: round(max((lag for _, lag in v), default=0.0) * 1000, 1)
                                        for k, v in stalls.items()},
            "slow_side": "clients" if tail_client > tail_server else "server"}


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    if args.server == "stub":
        codes = [f"ROOM-{room}" for room in range(args.rooms)]
    else:
        prepare_database(args.database)
        codes = seed(args.database, args.rooms)
    servers, urls = start_servers(args)
    try:
        members = join_tokens(urls, codes, args.clients)
        room_sizes = {room: sum(1 for m in members if m["room"] == room) for room in range(args.rooms)}
        start = time.time() + 2.0
        chat_start = start + args.arrival + args.chat_delay
        messages = int(args.duration * args.rate)
        by_room: dict[int, list[dict]] = {}
        for m in members:
            m["arrive"] = args.arrival * (m["index"] // args.rooms) / max(1, args.clients // args.rooms)
            # Each room's members are dealt over the client processes: with members[k::processes] and an even
            # number of rooms, every room lived in one client process, so a message late "in one process only"
            # could not tell a stalled client process from a stalled server.
            m["process"] = (m["index"] // args.rooms) % args.client_processes
            m["sends"] = []
            by_room.setdefault(m["room"], []).append(m)
        for room, room_members in by_room.items():
            phase = room / max(1, args.rooms) / args.rate  # rooms do not all send on the same tick
            for seq in range(messages):
                # Senders take turns, so no one member trips the per-connection chat limit.
                room_members[seq % len(room_members)]["sends"].append((seq, chat_start + phase + seq / args.rate))
        end = chat_start + args.duration + 5.0
        plan = {"start": start, "end": end, "transport": args.transport, "client_gc": args.client_gc,
                "client_freeze": args.client_freeze, "compress": args.compress}
        cpu_before = server_cpu_seconds(servers)
        database_before = database_cpu_seconds()
        queue = multiprocessing.Queue()
        workers = []
        for k in range(args.client_processes):
            share = [m for m in members if m["process"] == k]
            process = multiprocessing.Process(target=client_process, args=(share, room_sizes, plan, queue))
            process.start()
            workers.append(process)
        parts = [queue.get(timeout=end - time.time() + 120) for _ in workers]
        for process in workers:
            process.join(timeout=30)
        cpu = server_cpu_seconds(servers) - cpu_before
        database_cpu = database_cpu_seconds() - database_before
    finally:
        stop_servers(servers)

    settled, connected = {}, {}
    receipts, sent = [], []
    refused = failed = 0
    stalls = {k: part["stalls"] for k, part in enumerate(parts)}
    frozen = {k: part["frozen_at"] and part["frozen_at"] - start for k, part in enumerate(parts)}
    for part in parts:
        settled.update(part["settled"])
        connected.update(part["connected"])
        receipts += part["receipts"]
        sent += part["sent"]
        refused += part["refused"]
        failed += part["connect_failed"]
    unsettled = args.clients - len(settled)
    settle_seconds = (max(settled.values()) - start) if settled else float("nan")
    latencies = [r[2] * 1000 for r in receipts]
    # A message is owed to every member connected before it was sent (not to one still arriving).
    got = {(r[0], r[1], r[3]) for r in receipts}
    expected = lost = 0
    for room, seq, at in sent:
        for m in by_room[room]:
            if connected.get(m["index"], float("inf")) <= at:
                expected += 1
                lost += (room, seq, m["index"]) not in got
    figures = {
        "clients": args.clients, "rooms": args.rooms, "processes": args.processes, "server": args.server,
        "presence_seconds": args.presence_seconds, "arrival_seconds": args.arrival, "transport": args.transport,
        "settle_seconds": round(settle_seconds, 2), "unsettled_clients": unsettled, "connect_failed": failed,
        "messages_sent": len(sent), "deliveries_expected": expected, "deliveries": len(receipts), "lost": lost,
        "refused": refused, "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1), "max_ms": round(max(latencies), 1) if latencies else None,
        "server_cpu_seconds": round(cpu, 1), "database_cpu_seconds": round(database_cpu, 1),
    }
    print(f"{args.clients} clients in {args.rooms} room(s), {args.processes} {args.server} process(es), "
          f"presence every {args.presence_seconds}s, arrival over {args.arrival}s, {args.transport}")
    connect_seconds = (max(connected.values()) - start) if connected else float("nan")
    figures["all_connected_seconds"] = round(connect_seconds, 2)
    print(f"  every client connected after {connect_seconds:.2f} s")
    print(f"  join storm settled in {settle_seconds:.2f} s ({unsettled} clients never saw the full list, "
          f"{failed} failed to connect)")
    print(f"  chat: {len(sent)} messages, {len(receipts)}/{expected} deliveries, lost {lost}, refused {refused}")
    print(f"  fan-out latency ms: p50 {figures['p50_ms']}  p95 {figures['p95_ms']}  p99 {figures['p99_ms']}  "
          f"max {figures['max_ms']}")
    slowest: dict[tuple[int, int], float] = {}
    for room, seq, latency, _member in receipts:
        slowest[(room, seq)] = max(slowest.get((room, seq), 0.0), latency * 1000)
    worst = sorted(slowest.items(), key=lambda item: -item[1])[:3]
    if worst:
        # Late everywhere: the server stalled; late in one client process only: that process stalled.
        (wroom, wseq), _ms = worst[0]
        spread = []
        for k in range(args.client_processes):
            mine = sorted(r[2] * 1000 for r in receipts if (r[0], r[1]) == (wroom, wseq)
                          and members[r[3]]["process"] == k)
            if mine:
                spread.append(f"process {k} {mine[0]:.0f}/{mine[len(mine) // 2]:.0f}/{mine[-1]:.0f}")
        print(f"  slowest message's receipts by client process (min/median/max ms): {', '.join(spread)}")
    figures["slowest_messages"] = [{"room": room, "seq": seq, "max_ms": round(ms, 1)} for (room, seq), ms in worst]
    figures.update(blame(receipts, stalls, frozen, args.client_processes))
    print("  slowest messages (room, seq: last receipt ms): "
          + ", ".join(f"{room}, {seq}: {ms:.0f}" for (room, seq), ms in worst))
    print(f"  server CPU {cpu:.1f} s, PostgreSQL CPU {database_cpu:.1f} s; mean latency {statistics.fmean(latencies) if latencies else float('nan'):.1f} ms")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
