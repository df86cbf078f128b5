"""Audio and video of live sessions: a mesh between browsers by default, Janus (an SFU) when JANUS_URL is
set, TURN credentials for coturn when TURN_SECRET is; see docs/rooms.md."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

from flask import Flask, current_app

MESH, SFU_MODE = "mesh", "sfu"


def init_app(app: Flask) -> None:
    if not app.config.get("JANUS_URL"):
        return
    from ..extensions import socketio
    from .janus import JanusGateway
    from .sfu import SFU

    def announce(live_session_id: int) -> None:
        from ..sockets.media import announce_feeds
        with app.app_context():
            announce_feeds(live_session_id)

    gateway = JanusGateway(app.config["JANUS_URL"], app.config["JANUS_API_SECRET"],
                           socketio.start_background_task, app.logger)
    app.extensions["sfu"] = SFU(gateway, app.config["JANUS_API_SECRET"], app.config["RECORDINGS_PATH"], announce)


def sfu_gateway():
    """This process's SFU, or None when the room is a mesh."""
    return current_app.extensions.get("sfu")


def media_mode() -> str:
    return SFU_MODE if current_app.config.get("JANUS_URL") else MESH


def turn_credentials(participant_id: int, now: float | None = None) -> dict | None:
    """TURN REST API credentials (what coturn's use-auth-secret checks): the username is `expiry:participant`,
    the credential base64(HMAC-SHA1(TURN_SECRET, username)); valid TURN_CREDENTIAL_SECONDS."""
    config = current_app.config
    if not config.get("TURN_URLS") or not config.get("TURN_SECRET"):
        return None
    expiry = int(now if now is not None else time.time()) + int(config["TURN_CREDENTIAL_SECONDS"])
    username = f"{expiry}:{participant_id}"
    digest = hmac.new(config["TURN_SECRET"].encode(), username.encode(), hashlib.sha1).digest()
    return {"urls": list(config["TURN_URLS"]), "username": username,
            "credential": base64.b64encode(digest).decode()}


def ice_servers(participant_id: int) -> list[dict]:
    """The RTCPeerConnection iceServers for one participant: ROOM_ICE_SERVERS (e.g. STUN) and its own TURN."""
    servers = [dict(server) for server in current_app.config.get("ROOM_ICE_SERVERS") or []]
    turn = turn_credentials(participant_id)
    if turn:
        servers.append(turn)
    return servers


def media_state(participant_id: int, live_session_id: int) -> dict:
    """What the page needs to set up media after every (re)connect."""
    state = {"mode": media_mode(), "ice_servers": ice_servers(participant_id),
             "ice_policy": current_app.config.get("ROOM_ICE_POLICY", "all")}
    if state["mode"] == SFU_MODE:
        from ..services.recordings import active
        state["recording"] = active(live_session_id) is not None  # everyone sees that the lesson is recorded
    return state
