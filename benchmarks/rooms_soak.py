"""Soak run of the live rooms: a steady class load for many minutes, watching the server for leaks.

Starts the server the production way (gunicorn, one gevent worker, PostgreSQL; see docs/rooms.md) through
benchmarks/rooms_load.py, keeps N clients in M rooms chatting at a set rate, and makes some clients drop and
come back (reconnect with the same token, then `sync`) all along, as weak connections do. Every 10 s it samples
the server worker's resident memory (RSS) and open file descriptors; per minute it reports chat fan-out latency
percentiles, and at the end the messages a member never got (by live delivery or by `sync` after a reconnect).

    .venv/bin/python benchmarks/rooms_soak.py --minutes 10 --clients 200 --rooms 10 --rate 1 --churn 0.2
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.rooms_load import (ROOT, join_tokens, percentile, prepare_database, seed, start_servers,  # noqa: E402
                                   stop_servers)

SAMPLE_SECONDS = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--rate", type=float, default=1.0, help="chat messages per second per room")
    parser.add_argument("--churn", type=float, default=0.2,
                        help="share of clients that drop and reconnect once a minute")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/rooms_soak")
    parser.add_argument("--port", type=int, default=5640)
    return parser.parse_args()


# --- the server, seen from /proc -------------------------------------------------------------------

def worker_pids(server: subprocess.Popen) -> list[int]:
    """gunicorn's master and its worker (the process that holds the connections)."""
    found = subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True, text=True).stdout.split()
    return sorted(int(p) for p in found)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# --- clients ---------------------------------------------------------------------------------------

def client_process(members, plan, out) -> None:
    asyncio.run(run_clients(members, plan, out))


async def run_clients(members, plan, out):
    import socketio

    # receipts: (room, seq, sent_at, received_at, member) for live chat; seen: what each member ended up holding
    results = {"receipts": [], "seen": {}, "sent": [], "first_connect": {}, "reconnects": 0, "connect_failed": 0,
               "refused": 0}
    rng = random.Random(plan["seed"])

    async def one(member):
        seen = results["seen"].setdefault(member["index"], set())
        last_id = 0
        client = socketio.AsyncClient(reconnection=False)

        def note(body, live: bool):
            nonlocal last_id
            last_id = max(last_id, body["id"])
            parts = body["text"].split(":")
            if parts[0] == "s":
                seen.add((int(parts[1]), int(parts[2])))
                if live:
                    now = time.time()
                    results["receipts"].append((int(parts[1]), int(parts[2]), float(parts[3]), now, member["index"]))

        @client.on("chat", namespace="/room")
        async def chat(body):
            note(body, True)

        @client.on("history", namespace="/room")
        async def history(body):
            for message in body["messages"]:
                note(message, False)

        @client.on("error", namespace="/room")
        async def error(body):
            results["refused"] += 1

        async def connect() -> bool:
            try:
                await client.connect(member["url"], namespaces=["/room"], auth={"token": member["token"]},
                                     transports=["websocket"], wait_timeout=30)
            except Exception:  # noqa: BLE001 - counted, not fatal
                results["connect_failed"] += 1
                return False
            await client.emit("sync", {"after": last_id}, namespace="/room")
            return True

        await asyncio.sleep(max(0.0, plan["start"] + member["arrive"] - time.time()))
        if not await connect():
            return
        results["first_connect"][member["index"]] = time.time()
        sends = list(member["sends"])
        # A weak connection drops now and then: at a random moment each minute, for a few seconds.
        drops = []
        minute = plan["chat_start"]
        while minute < plan["chat_end"]:
            if rng.random() < plan["churn"]:
                drops.append(minute + rng.uniform(0, 55))
            minute += 60
        while sends or drops:
            next_send = sends[0][1] if sends else float("inf")
            next_drop = drops[0] if drops else float("inf")
            await asyncio.sleep(max(0.0, min(next_send, next_drop) - time.time()))
            if next_drop < next_send:
                drops.pop(0)
                await client.disconnect()
                await asyncio.sleep(rng.uniform(1, 4))
                results["reconnects"] += 1
                for _ in range(5):
                    if await connect():
                        break
                    await asyncio.sleep(1)
                continue
            seq, _at = sends.pop(0)
            if not client.connected:
                continue
            sent_at = time.time()
            await client.emit("chat", {"text": f"s:{member['room']}:{seq}:{sent_at:.6f}"}, namespace="/room")
            results["sent"].append((member["room"], seq, sent_at))
        await asyncio.sleep(max(0.0, plan["end"] - time.time()))
        if client.connected:
            await client.emit("sync", {"after": last_id}, namespace="/room")  # the final catch-up
            await asyncio.sleep(3)
            await client.disconnect()

    await asyncio.gather(*(one(m) for m in members))
    results["seen"] = {k: sorted(v) for k, v in results["seen"].items()}
    out.put(results)


# --- the run -----------------------------------------------------------------------------------------

def main() -> None:
    args = parse_args()
    args.processes, args.server, args.redis, args.presence_seconds = 1, "gevent", None, 0.25
    prepare_database(args.database)
    codes = seed(args.database, args.rooms)
    servers, urls = start_servers(args)
    samples = []
    try:
        pids = worker_pids(servers[0])
        worker = pids[-1]  # the worker is forked after the master, so its pid is the larger
        members = join_tokens(urls, codes, args.clients)
        start = time.time() + 2.0
        chat_start = start + 10.0
        chat_end = chat_start + args.minutes * 60
        per_room = max(1, args.clients // args.rooms)
        by_room: dict[int, list[dict]] = {}
        for m in members:
            m["arrive"] = 8.0 * (m["index"] // args.rooms) / per_room
            m["sends"] = []
            by_room.setdefault(m["room"], []).append(m)
        for room, room_members in by_room.items():
            phase = room / args.rooms / args.rate
            for seq in range(int(args.minutes * 60 * args.rate)):
                room_members[seq % len(room_members)]["sends"].append((seq, chat_start + phase + seq / args.rate))
        end = chat_end + 5.0
        plan = {"start": start, "chat_start": chat_start, "chat_end": chat_end, "end": end, "churn": args.churn}
        queue = multiprocessing.Queue()
        workers = []
        for k in range(args.client_processes):
            process = multiprocessing.Process(target=client_process,
                                              args=(members[k::args.client_processes], dict(plan, seed=k), queue))
            process.start()
            workers.append(process)
        next_sample = start
        while time.time() < end + 5:  # bounded: the run's own length
            time.sleep(max(0.0, next_sample - time.time()))
            samples.append((time.time() - chat_start, rss_mb(worker), open_fds(worker)))
            print(f"  t={samples[-1][0]:7.0f} s  RSS {samples[-1][1]:7.1f} MB  fds {samples[-1][2]}", flush=True)
            next_sample += SAMPLE_SECONDS
        parts = [queue.get(timeout=120) for _ in workers]
        for process in workers:
            process.join(timeout=30)
        samples.append((time.time() - chat_start, rss_mb(worker), open_fds(worker)))
    finally:
        stop_servers(servers)

    receipts, sent, seen, first = [], [], {}, {}
    reconnects = failed = refused = 0
    for part in parts:
        receipts += part["receipts"]
        sent += part["sent"]
        seen.update({k: set(map(tuple, v)) for k, v in part["seen"].items()})
        first.update(part["first_connect"])
        reconnects += part["reconnects"]
        failed += part["connect_failed"]
        refused += part["refused"]
    expected = missing = 0
    for room, seq, at in sent:
        for m in by_room[room]:
            if first.get(m["index"], float("inf")) <= at:
                expected += 1
                missing += (room, seq) not in seen.get(m["index"], set())

    print(f"\nsoak: {args.clients} clients in {args.rooms} rooms, {args.rate} msg/s/room, {args.minutes:g} min, "
          f"churn {args.churn:.0%} of clients a minute; one gunicorn gevent worker (pid {worker})")
    print("\n| minute | messages | deliveries | p50 ms | p95 ms | p99 ms | RSS MB (end) | fds (end) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for minute in range(int(args.minutes + 0.999)):
        lo, hi = minute * 60, (minute + 1) * 60
        latencies = [(r[3] - r[2]) * 1000 for r in receipts if lo <= r[2] - chat_start < hi]
        messages = sum(1 for s in sent if lo <= s[2] - chat_start < hi)
        in_minute = [s for s in samples if s[0] < hi]
        rss, fds = (in_minute[-1][1], in_minute[-1][2]) if in_minute else (float("nan"), 0)
        print(f"| {minute + 1} | {messages} | {len(latencies)} | {percentile(latencies, 50):.0f} | "
              f"{percentile(latencies, 95):.0f} | {percentile(latencies, 99):.0f} | {rss:.1f} | {fds} |")
    rss_values = [s[1] for s in samples]
    fd_values = [s[2] for s in samples]
    settled = [s for s in samples if s[0] >= 60]  # after the first minute: the class is in, caches are warm
    print(f"\nRSS MB: first {rss_values[0]:.1f}, after minute 1 {settled[0][1] if settled else float('nan'):.1f}, "
          f"max {max(rss_values):.1f}, last {rss_values[-1]:.1f}")
    print(f"open fds: first {fd_values[0]}, max {max(fd_values)}, last {fd_values[-1]} (after every client left)")
    print(f"chat: {len(sent)} sent, {reconnects} reconnects ({failed} failed), refused {refused}; "
          f"owed {expected} deliveries, missing after sync {missing}")


if __name__ == "__main__":
    main()
