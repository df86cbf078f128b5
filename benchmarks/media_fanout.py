"""Media fan-out: the teacher's upload through Janus (SFU) against the mesh, and what weak students receive.

Starts Janus and coturn (classroom/media/local.py, as `flask media-servers` does), a second coturn limited to
300 kbit/s (coturn `max-bps`) for one throttled student, and two app servers (gunicorn, one gevent worker: one
with JANUS_URL, one a mesh) on one SQLite database. Subscribers are headless Debian Chromium pages with fake
camera and microphone, each in its own browser context, joining by code as a student does. Prints a table and,
as its last line, one JSON object:
  {"sfu": {"1": kbps, "5": kbps, "20": kbps}, "mesh": {"1": kbps, "5": kbps},
   "audio_only_video_bytes": n, "relay_ok": bool}
kbps is the teacher's outbound video bitrate (all simulcast layers, or all peer connections of the mesh).

    .venv/bin/python benchmarks/media_fanout.py            # about 4 minutes
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.rooms_load import prepare_database, process_cpu_seconds, seed, server_env, stop_servers  # noqa: E402
from classroom.media import local  # noqa: E402
from tests.waiting import wait_in_page  # noqa: E402  (not page.wait_for_function: it does not await a promise)

CHROMIUM = "/usr/bin/chromium"
TEACHER_EMAIL, PASSWORD = "guru@bench.id", "x" * 12

OUTBOUND_VIDEO = """async () => {
  const m = window.room.media, pcs = Object.values(m.peers).map(p => p.pc);
  if (m.pubs.camera) pcs.push(m.pubs.camera);
  let bytes = 0;
  for (const pc of pcs) (await pc.getStats()).forEach(r => { if (r.type === 'outbound-rtp' && r.kind === 'video') bytes += r.bytesSent; });
  return bytes;
}"""
INBOUND = """async () => {
  const m = window.room.media, pcs = Object.values(m.peers).map(p => p.pc);
  Object.values(m.subs).forEach(s => { if (s.pc) pcs.push(s.pc); });
  const out = {audio: 0, video: 0, frames: 0, width: 0, relay: false};
  for (const pc of pcs) {
    const stats = await pc.getStats(), byId = {};
    stats.forEach(r => { byId[r.id] = r; });
    stats.forEach(r => {
      if (r.type === 'inbound-rtp') { out[r.kind] += r.bytesReceived;
        if (r.kind === 'video') { out.frames += r.framesDecoded || 0; out.width = Math.max(out.width, r.frameWidth || 0); } }
      if (r.type === 'transport' && r.selectedCandidatePairId) {
        const pair = byId[r.selectedCandidatePairId], local = pair && byId[pair.localCandidateId];
        if (local && local.candidateType === 'relay') out.relay = true; }
    });
  }
  return out;
}"""
# Installed before the page's scripts: this student's peer connections use only the given TURN servers.
FORCE_RELAY = """(() => {
  const Native = window.RTCPeerConnection, servers = %s;
  window.RTCPeerConnection = function (config) {
    config = Object.assign({}, config || {}, {iceTransportPolicy: 'relay'});
    if (servers) config.iceServers = servers;
    return new Native(config);
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})();"""
# Audio arrival gaps: the longest time between two increases of the audio packets received.
AUDIO_GAPS = """() => { window.audioGap = {last: 0, longest: 0, packets: 0};
  setInterval(async () => {
    let packets = 0;
    for (const s of Object.values(window.room.media.subs)) if (s.pc)
      (await s.pc.getStats()).forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'audio') packets += r.packetsReceived; });
    const now = performance.now(), g = window.audioGap;
    if (packets > g.packets) { if (g.last) g.longest = Math.max(g.longest, now - g.last); g.last = now; g.packets = packets; }
  }, 50); }"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=5600, help="the SFU app server; the mesh one is port + 1")
    parser.add_argument("--janus-port", type=int, default=5650)
    parser.add_argument("--turn-port", type=int, default=5690, help="coturn; the throttled one is port + 1")
    parser.add_argument("--counts", default="1,5,20", help="subscriber counts through Janus")
    parser.add_argument("--mesh-counts", default="1,5")
    parser.add_argument("--weak-kbps", type=int, default=300, help="the throttled student's downlink (coturn max-bps)")
    parser.add_argument("--window", type=float, default=10.0, help="seconds each bitrate is measured over")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds after the last join before measuring")
    parser.add_argument("--watcher-layer", default="0", choices=["auto", "0", "1", "2"],
                        help="layer the fan-out watchers pick (0 keeps 20 decoders within this machine's 2 cores; "
                             "it does not change what the teacher sends)")
    return parser.parse_args()


def turn_credential(secret: str, name: str) -> tuple[str, str]:
    username = f"{int(time.time()) + 3600}:{name}"
    return username, base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()


def wait_serving(url: str) -> None:
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/join", timeout=2).read()
            return
        except OSError:
            if time.time() > deadline:
                raise SystemExit(f"server {url} did not start")
            time.sleep(0.3)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Class:
    """A teacher and the students of one room, each student in a browser context of its own."""

    def __init__(self, browser, url: str, code: str):
        self.browser, self.url, self.code = browser, url, code
        self.students: list = []
        context = browser.new_context(bypass_csp=True)  # lets the benchmark evaluate its probes
        self.teacher = context.new_page()
        self.teacher.goto(f"{url}/auth/login")
        self.teacher.fill('input[name="email"]', TEACHER_EMAIL)
        self.teacher.fill('input[name="password"]', PASSWORD)
        self.teacher.click('main form button[type="submit"]')
        self.teacher.wait_for_load_state()
        self.teacher.goto(f"{self.url}/rooms/")
        href = self.teacher.evaluate("(code) => { for (const tr of document.querySelectorAll('tr')) "
                                     "if (tr.textContent.includes(code)) return tr.querySelector('a.button').getAttribute('href'); }",
                                     self.code)
        self.teacher.goto(self.url + href)
        self.teacher.wait_for_selector("#net.ok", timeout=20_000)
        self.teacher.click("#camera")
        self.teacher.wait_for_function("document.getElementById('teachervideo').srcObject !== null")

    def join(self, name: str, init_script: str | None = None, layer: str | None = None) -> tuple[object, float]:
        """A student joins; returns the page and the seconds from pressing Join to the first decoded frame."""
        context = self.browser.new_context(bypass_csp=True)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.goto(f"{self.url}/join?code={self.code}")
        page.fill("input[name=name]", name)
        started = time.monotonic()
        page.click("#joinform button[type=submit]")
        wait_in_page(page, f"(async () => (await ({INBOUND})()).frames > 0)()", timeout=90, interval=0.1)
        first_frame = time.monotonic() - started
        if layer not in (None, "auto"):
            page.select_option("#layer", layer)
        self.students.append(page)
        return page, first_frame

    def outbound_kbps(self, seconds: float) -> float:
        before, started = self.teacher.evaluate(OUTBOUND_VIDEO), time.monotonic()
        time.sleep(seconds)
        after = self.teacher.evaluate(OUTBOUND_VIDEO)
        return 8 * (after - before) / 1000 / (time.monotonic() - started)

    def close(self) -> None:
        for page in [self.teacher, *self.students]:
            page.context.close()


def main() -> None:
    args = parse_args()
    missing = local.missing_programs()
    if missing or not Path(CHROMIUM).exists():
        raise SystemExit("needs janus, janus-tools, coturn and /usr/bin/chromium; missing: " + ", ".join(
            missing + ([] if Path(CHROMIUM).exists() else ["chromium"])))
    work = Path(tempfile.mkdtemp(prefix="media-fanout-"))
    database = f"sqlite:///{work / 'bench.sqlite3'}"
    secret, api_secret = secrets.token_hex(16), secrets.token_hex(16)
    turn = f"turn:127.0.0.1:{args.turn_port}"
    media_env = {"JANUS_URL": f"ws://127.0.0.1:{args.janus_port}", "JANUS_API_SECRET": api_secret,
                 "TURN_URLS": f"{turn}?transport=udp,{turn}?transport=tcp", "TURN_SECRET": secret,
                 "RECORDINGS_PATH": str(work / "recordings")}
    config = {"JANUS_URL": media_env["JANUS_URL"], "JANUS_API_SECRET": api_secret, "JANUS_RTP_PORTS": "40000-40199",
              "JANUS_PUBLIC_IP": None, "RECORDINGS_PATH": media_env["RECORDINGS_PATH"],
              "TURN_URLS": media_env["TURN_URLS"].split(","), "TURN_SECRET": secret, "TURN_RELAY_PORTS": "40200-40299"}
    settings = local.MediaSettings.from_config(config)
    media = local.start(settings, work / "media")
    throttled_settings = local.MediaSettings.from_config(config, turn_port=args.turn_port + 1,
                                                         turn_relay_ports="40300-40399",
                                                         turn_max_bps=args.weak_kbps * 1000 // 8)
    throttled_turn, servers = None, []
    sfu_url, mesh_url = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.port + 1}"
    rows, result = [], {"sfu": {}, "mesh": {}, "audio_only_video_bytes": None, "relay_ok": False}
    try:
        throttled_turn = local.start_coturn(throttled_settings, work / "media" / "coturn-300k")
        prepare_database(database)
        sfu_code, mesh_code = seed(database, 2)
        for port, extra in ((args.port, media_env), (args.port + 1, {})):
            env = dict(server_env(database, None, 0.25), INSTANCE_PATH=str(work / "instance"), **extra)
            servers.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b",
                                             f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                                            cwd=ROOT, env=env, start_new_session=True))
        for url in (sfu_url, mesh_url):
            wait_serving(url)
        from playwright.sync_api import sync_playwright
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
            # --- through Janus: 1, 5, 20 watchers --------------------------------------------------
            lesson = Class(browser, sfu_url, sfu_code)
            first_frames, janus_cpu = [], []
            for count in [int(c) for c in args.counts.split(",")]:
                while len(lesson.students) < count:
                    _, seconds = lesson.join(f"Siswa {len(lesson.students) + 1}", layer=args.watcher_layer)
                    first_frames.append(seconds)
                time.sleep(args.settle)
                cpu_before, rss = process_cpu_seconds(media.janus.pid), rss_kb(media.janus.pid)
                kbps = lesson.outbound_kbps(args.window)
                cpu = (process_cpu_seconds(media.janus.pid) - cpu_before) / args.window
                result["sfu"][str(count)] = round(kbps)
                janus_cpu.append((count, cpu, rss))
                rows.append(("sfu", count, round(kbps), f"{100 * cpu:.1f}%", f"{rss / 1024:.0f} MB"))

            # --- the weak: audio only, relay only, 300 kbit/s down -----------------------------------
            audio_page, _ = lesson.join("Audio saja")
            audio_page.click("[data-mode=audio]")
            audio_page.wait_for_function("Object.values(window.room.media.subs).every(s => s.want === 'audio' && s.pc)")
            time.sleep(args.window)
            audio_stats = audio_page.evaluate(INBOUND)
            result["audio_only_video_bytes"] = audio_stats["video"]

            relay_page, _ = lesson.join("Lewat TURN", init_script=FORCE_RELAY % "null")
            try:  # on a loaded machine the page may reconnect once: wait for the relayed pair to carry media
                wait_in_page(relay_page, f"(async () => {{ const r = await ({INBOUND})(); "
                                         "return r.relay && r.frames > 0 && r.audio > 0; })()", timeout=60, interval=1.0)
            except AssertionError:
                pass
            relay_stats = relay_page.evaluate(INBOUND)
            result["relay_ok"] = bool(relay_stats["relay"] and relay_stats["frames"] > 0 and relay_stats["audio"] > 0)

            username, credential = turn_credential(secret, "throttled")
            servers_js = json.dumps([{"urls": [f"turn:127.0.0.1:{args.turn_port + 1}?transport=udp"],
                                      "username": username, "credential": credential}])
            weak_page, weak_first = lesson.join(f"{args.weak_kbps} kbit/s", init_script=FORCE_RELAY % servers_js)
            weak_page.evaluate(AUDIO_GAPS)
            time.sleep(25)
            weak = weak_page.evaluate(INBOUND)
            weak_layer = weak_page.evaluate("window.room.media.layer.current")
            weak_gap = weak_page.evaluate("window.audioGap.longest")
            lesson.close()

            # --- the mesh: 1 and 5 -------------------------------------------------------------------
            mesh = Class(browser, mesh_url, mesh_code)
            for count in [int(c) for c in args.mesh_counts.split(",")]:
                while len(mesh.students) < count:
                    mesh.join(f"Siswa {len(mesh.students) + 1}")
                time.sleep(args.settle)
                kbps = mesh.outbound_kbps(args.window)
                result["mesh"][str(count)] = round(kbps)
                rows.append(("mesh", count, round(kbps), "-", "-"))
            mesh.close()
            browser.close()
    finally:
        stop_servers(servers)
        media.stop()
        if throttled_turn is not None:
            throttled_turn.terminate()
            throttled_turn.wait(timeout=10)

    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2-core machine shared with other work)")
    print(f"{'path':6} {'watchers':>8} {'teacher video out (kbit/s)':>27} {'Janus CPU':>10} {'Janus RSS':>10}")
    for row in rows:
        print(f"{row[0]:6} {row[1]:>8} {row[2]:>27} {row[3]:>10} {row[4]:>10}")
    (low_count, low_cpu, low_rss), (high_count, high_cpu, high_rss) = janus_cpu[0], janus_cpu[-1]
    per_watcher_cpu = (high_cpu - low_cpu) / max(1, high_count - low_count)
    per_watcher_rss = (high_rss - low_rss) / max(1, high_count - low_count)
    print(f"Janus per 100 subscribed students (from {low_count} to {high_count}): {100 * 100 * per_watcher_cpu:.0f}% "
          f"of a core, {100 * per_watcher_rss / 1024:.0f} MB")
    print(f"join to first frame through Janus: median {statistics.median(first_frames):.2f} s, "
          f"max {max(first_frames):.2f} s over {len(first_frames)} joins")
    print(f"audio only: {audio_stats['video']} video bytes, {audio_stats['audio']} audio bytes in {args.window:.0f} s")
    print(f"relay only through coturn: relay pair {relay_stats['relay']}, {relay_stats['frames']} frames")
    print(f"{args.weak_kbps} kbit/s down through coturn max-bps: layer {weak_layer}, frame width {weak['width']} px, "
          f"longest audio gap {weak_gap / 1000:.2f} s, first frame {weak_first:.1f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
