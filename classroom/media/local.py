"""Janus and coturn for one machine: configuration written from the app's settings, and the two processes.

`flask --app wsgi media-servers` (scripts/media.sh) and the media tests use this. Everything listens on
127.0.0.1 unless the settings name another address; the production setup is in docs/rooms.md."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

JANUS_LIBRARIES = Path("/usr/lib/x86_64-linux-gnu/janus")


def janus_library_folder() -> Path:
    """Where Debian's janus package put its plugins (the folder has the machine's triplet in its name)."""
    for candidate in [JANUS_LIBRARIES, *Path("/usr/lib").glob("*/janus"), Path("/usr/lib/janus"),
                      Path("/opt/janus/lib/janus")]:
        if (candidate / "plugins" / "libjanus_videoroom.so").exists():
            return candidate
    raise FileNotFoundError("the Janus VideoRoom plugin is not installed (apt-get install janus)")


def machine_address() -> str:
    """This machine's first IPv4 address that is not loopback: Janus 1.1 never gathers ICE candidates on a
    loopback interface (src/ice.c skips IFF_LOOPBACK), so its media, and coturn's relays towards it, use this."""
    import fcntl
    import struct
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            if name == "lo":
                continue
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))  # SIOCGIFADDR
            except OSError:
                continue  # no IPv4 address on this one
            address = socket.inet_ntoa(packed[20:24])
            if not address.startswith("127."):
                return address
    raise RuntimeError("this machine has no IPv4 address besides loopback; Janus needs one for media")


def missing_programs() -> list[str]:
    """What of Janus, its recording tool and coturn this machine lacks (the media tests skip naming them)."""
    missing = [name for name in ("janus", "janus-pp-rec", "turnserver") if shutil.which(name) is None]
    if "janus" not in missing:
        try:
            janus_library_folder()
        except FileNotFoundError:
            missing.append("janus VideoRoom plugin")
    return missing


@dataclass
class MediaSettings:
    """What the generated configuration needs, read from the app's config (classroom/config.py)."""
    janus_host: str
    janus_port: int
    api_secret: str
    rtp_ports: str  # "40000-40199"
    public_ip: str  # the address Janus gathers candidates on (and coturn relays from); see machine_address()
    recordings: Path
    turn_host: str
    turn_port: int
    turn_secret: str
    turn_relay_ports: str  # "40200-40399"
    turn_max_bps: int = 0  # per TURN session; 0 is unlimited (the benchmark throttles a student with it)

    @classmethod
    def from_config(cls, config, **changes) -> "MediaSettings":
        janus = urlsplit(config["JANUS_URL"] or "ws://127.0.0.1:8188")
        turn_url = (config["TURN_URLS"] or ["turn:127.0.0.1:3478"])[0]
        turn_host, _, turn_port = turn_url.split(":", 1)[1].split("?")[0].rpartition(":")
        values = dict(janus_host=janus.hostname or "127.0.0.1", janus_port=janus.port or 8188,
                      api_secret=config["JANUS_API_SECRET"], rtp_ports=config["JANUS_RTP_PORTS"],
                      public_ip=config["JANUS_PUBLIC_IP"] or machine_address(),
                      recordings=Path(config["RECORDINGS_PATH"]), turn_host=turn_host or "127.0.0.1",
                      turn_port=int(turn_port or 3478), turn_secret=config["TURN_SECRET"] or "",
                      turn_relay_ports=config["TURN_RELAY_PORTS"])
        values.update(changes)
        return cls(**values)


def write_janus_config(settings: MediaSettings, folder: Path) -> Path:
    """janus.jcfg with only the VideoRoom plugin and the WebSocket API (no admin API at all), on loopback
    unless the settings say otherwise; returns the main file."""
    folder.mkdir(parents=True, exist_ok=True)
    settings.recordings.mkdir(parents=True, exist_ok=True)
    libraries = janus_library_folder()
    plugins = sorted(p.name for p in (libraries / "plugins").glob("*.so") if p.name != "libjanus_videoroom.so")
    transports = sorted(p.name for p in (libraries / "transports").glob("*.so")
                        if p.name != "libjanus_websockets.so")
    events = sorted(p.name for p in (libraries / "events").glob("*.so"))
    loggers = sorted(p.name for p in (libraries / "loggers").glob("*.so"))
    (folder / "janus.jcfg").write_text(f"""# Written by Kelas Nusantara (classroom/media/local.py); edit the app's settings, not this file.
general: {{
  configs_folder = "{folder}"
  plugins_folder = "{libraries / 'plugins'}"
  transports_folder = "{libraries / 'transports'}"
  events_folder = "{libraries / 'events'}"
  loggers_folder = "{libraries / 'loggers'}"
  debug_level = 3
  api_secret = "{settings.api_secret}"
  session_timeout = 60
  protected_folders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/var/lib"]
}}
media: {{
  rtp_port_range = "{settings.rtp_ports}"
}}
nat: {{
  ice_enforce_list = "{settings.public_ip}"
  ignore_mdns = true
}}
plugins: {{ disable = "{','.join(plugins)}" }}
transports: {{ disable = "{','.join(transports)}" }}
events: {{ disable = "{','.join(events)}" }}
loggers: {{ disable = "{','.join(loggers)}" }}
""")
    (folder / "janus.transport.websockets.jcfg").write_text(f"""general: {{
  json = "plain"
  ws = true
  ws_port = {settings.janus_port}
  ws_ip = "{settings.janus_host}"
  wss = false
}}
admin: {{
  admin_ws = false
  admin_wss = false
}}
""")
    # No static rooms; only a client holding the admin key (the app) may create one.
    (folder / "janus.plugin.videoroom.jcfg").write_text(f"""general: {{
  admin_key = "{settings.api_secret}"
  lock_rtp_forward = true
}}
""")
    return folder / "janus.jcfg"


def write_coturn_config(settings: MediaSettings, folder: Path) -> Path:
    """turnserver.conf with the TURN REST API secret (use-auth-secret) the app signs credentials with."""
    folder.mkdir(parents=True, exist_ok=True)
    low, high = settings.turn_relay_ports.split("-")
    lines = [
        "# Written by Kelas Nusantara (classroom/media/local.py); edit the app's settings, not this file.",
        # Browsers reach the listener; the relays talk to Janus, which is on the machine's own address.
        f"listening-ip={settings.turn_host}", f"relay-ip={settings.public_ip}",
        f"listening-port={settings.turn_port}", f"min-port={low}", f"max-port={high}",
        "use-auth-secret", f"static-auth-secret={settings.turn_secret}", "realm=kelas-nusantara",
        "fingerprint", "no-cli", "no-tls", "no-dtls", "no-multicast-peers", "no-rfc5780",
        "no-stun-backward-compatibility", "simple-log", f"log-file={folder / 'turnserver.log'}",
        f"pidfile={folder / 'turnserver.pid'}",
    ]
    if settings.turn_max_bps:
        lines.append(f"max-bps={settings.turn_max_bps}")
    path = folder / "turnserver.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class MediaServers:
    janus: subprocess.Popen
    coturn: subprocess.Popen
    folder: Path

    def stop(self) -> None:
        for process in (self.janus, self.coturn):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.janus, self.coturn):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies, even by SIGKILL (a test run
    stopped by a timeout), so no Janus or coturn outlives it holding ports (Linux prctl PR_SET_PDEATHSIG)."""
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def wait_for_port(host: str, port: int, process: subprocess.Popen, name: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see its log")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not listen on {host}:{port} within {seconds:.0f} s")


def start(settings: MediaSettings, folder: Path, foreground_logs: bool = False) -> MediaServers:
    """Writes both configurations into `folder` and starts Janus and coturn, each in its own process group;
    returns once Janus's API and coturn's TCP port answer."""
    janus_config = write_janus_config(settings, folder / "janus")
    quiet = [] if foreground_logs else ["-N"]
    janus = subprocess.Popen(["janus", "-C", str(janus_config), "-F", str(janus_config.parent),
                              "-L", str(folder / "janus.log"), *quiet],
                             stdout=None if foreground_logs else subprocess.DEVNULL, start_new_session=True,
                             preexec_fn=die_with_parent)
    try:
        coturn = start_coturn(settings, folder / "coturn")
    except BaseException:
        os.killpg(janus.pid, signal.SIGTERM)
        raise
    servers = MediaServers(janus, coturn, folder)
    try:
        wait_for_port(settings.janus_host, settings.janus_port, janus, "janus")
    except BaseException:
        servers.stop()
        raise
    return servers


def start_coturn(settings: MediaSettings, folder: Path) -> subprocess.Popen:
    """coturn alone (the benchmark runs a second, throttled one beside the first); returns once it listens."""
    coturn = subprocess.Popen(["turnserver", "-c", str(write_coturn_config(settings, folder))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                              preexec_fn=die_with_parent)
    try:
        wait_for_port(settings.turn_host, settings.turn_port, coturn, "turnserver")
    except BaseException:
        os.killpg(coturn.pid, signal.SIGKILL)
        raise
    return coturn
