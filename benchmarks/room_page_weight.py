"""What a student's phone downloads to enter a live room: the first visit, and a repeat visit on the same browser.

Starts the app as production does (gunicorn -c gunicorn.conf.py) on a fresh SQLite database with the demo data,
then drives Debian's Chromium (Playwright) through /join?code=...: type a name, join, wait until the room is
drawn and online, then a few seconds more. Bytes are Chromium's own count from the DevTools protocol: each
HTTP response's `encodedDataLength` (headers and body as sent over the wire, compressed if it was) and every
WebSocket frame's payload both ways. The repeat visit is a new tab in the same browser profile (a student
coming back next week: the HTTP cache is kept, the tab's sessionStorage is not, so she joins again).

    .venv/bin/python benchmarks/room_page_weight.py            # prints every request, then the two totals
    .venv/bin/python benchmarks/room_page_weight.py --port 5101 --settle 3
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def start_server(port: int, instance: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, INSTANCE_PATH=str(instance), DATABASE_URL=f"sqlite:///{instance / 'weight.sqlite3'}",
               SECRET_KEY="page-weight-benchmark", PORT=str(port), PUBLIC_URL=f"http://127.0.0.1:{port}")
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    seeded = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "seed-demo"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    code = re.search(r"^demo room: \S+ code (\S+)$", seeded.stdout, re.M).group(1)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--log-level", "warning",
                               "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/join", timeout=2).read()
            return server, code
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)


class Traffic:
    """Chromium's own byte counts for one tab, from the DevTools protocol's Network events."""

    def __init__(self, page):
        self.requests: dict[str, dict] = {}
        self.ws_bytes = 0
        self.ws_frames = 0
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", self._memory_cache)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.on("Network.webSocketFrameSent", self._frame)

    def _sent(self, event):
        self.requests.setdefault(event["requestId"], {"url": event["request"]["url"], "bytes": 0, "status": None,
                                                      "cache": "", "encoding": ""})

    def _response(self, event):
        entry = self.requests.setdefault(event["requestId"], {"url": event["response"]["url"], "bytes": 0,
                                                              "cache": "", "encoding": ""})
        response = event["response"]
        entry["status"] = response["status"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        entry["encoding"] = headers.get("content-encoding", "")
        if response.get("fromDiskCache"):
            entry["cache"] = "disk cache"
        elif response.get("fromMemoryCache"):  # not always sent: see requestServedFromCache
            entry["cache"] = "memory cache"

    def _memory_cache(self, event):
        self.requests.get(event["requestId"], {})["cache"] = "memory cache"

    def _finished(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = event["encodedDataLength"]

    def _frame(self, event):
        self.ws_frames += 1
        self.ws_bytes += len(event["response"]["payloadData"].encode())

    def report(self, title: str, base: str) -> int:
        http = sum(r["bytes"] for r in self.requests.values())
        print(f"\n{title}")
        for r in self.requests.values():
            url = r["url"].replace(base, "")
            url = url if len(url) <= 70 else url[:67] + "..."
            print(f"  {r['bytes']:>7} B  {r['status'] or '':>3}  {r['encoding'] or '-':<5} {r['cache'] or 'network':<12} {url}")
        static = [r for r in self.requests.values() if "/static/" in r["url"]]
        fetched = [r for r in static if not r["cache"]]
        print(f"  HTTP {http} B in {len(self.requests)} requests; WebSocket {self.ws_bytes} B in {self.ws_frames} frames")
        print(f"  static files: {len(static)}, {len(fetched)} of them from the network")
        total = http + self.ws_bytes
        print(f"  TOTAL {total} B = {total / 1024:.1f} KB")
        return total


def visit(context, base: str, code: str, name: str, settle: float) -> Traffic:
    page = context.new_page()
    traffic = Traffic(page)
    page.goto(f"{base}/join?code={code}")
    page.fill("input[name=name]", name)
    page.click("#joinform button[type=submit]")
    page.wait_for_selector("#net.ok", timeout=20_000)
    page.wait_for_function("document.querySelectorAll('#people li').length > 0", timeout=20_000)
    time.sleep(settle)  # the upgrade to WebSocket and the first presence fan-out
    page.close()
    return traffic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=5101)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to stay in the room after it is drawn")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="kelas-weight-") as tmp:
        server, code = start_server(args.port, Path(tmp))
        base = f"http://127.0.0.1:{args.port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                context = browser.new_context()
                first = visit(context, base, code, "Yohana Wenda", args.settle).report("first visit", base)
                repeat = visit(context, base, code, "Yohana Wenda", args.settle).report(
                    "repeat visit (same browser, a new tab)", base)
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
    print(f"\nfirst visit {first / 1024:.1f} KB, repeat visit {repeat / 1024:.1f} KB "
          f"(targets: under 60 KB and under 8 KB)")


if __name__ == "__main__":
    main()
