"""A bare python-socketio server on aiohttp speaking the rooms contract's load-test subset (join, presence, chat),
with no database and no Flask: `rooms_load.py --server stub` runs it to measure what the benchmark's own
clients cost on this machine, apart from the app.

    .venv/bin/python benchmarks/stub_server.py 5610
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
from datetime import datetime, timezone

import socketio
from aiohttp import web

PRESENCE_SECONDS = float(os.environ.get("ROOM_PRESENCE_SECONDS", "0.25"))

sio = socketio.AsyncServer(async_mode="aiohttp")
app = web.Application()
sio.attach(app)
participant_ids = itertools.count(1)
members: dict[str, dict[int, dict]] = {}  # room -> participant id -> member
connections: dict[str, tuple[str, int]] = {}  # sid -> (room, participant id)
chat_ids: dict[str, itertools.count] = {}
changed: set[str] = set()


async def join(request: web.Request) -> web.Response:
    body = await request.json()
    token = json.dumps({"room": body["code"], "id": next(participant_ids), "name": body["name"]})
    return web.json_response({"token": token, "room": body["code"], "role": "student", "session": {}})


async def page(request: web.Request) -> web.Response:
    return web.Response(text="ok")


app.router.add_post("/api/rooms/join", join)
app.router.add_get("/join", page)


@sio.on("connect", namespace="/room")
async def connect(sid, environ, auth):
    claims = json.loads(auth["token"])
    room = claims["room"]
    members.setdefault(room, {})[claims["id"]] = {"id": claims["id"], "name": claims["name"], "role": "student"}
    connections[sid] = (room, claims["id"])
    await sio.enter_room(sid, room, namespace="/room")
    await sio.emit("presence", {"members": list(members[room].values())}, to=sid, namespace="/room")
    changed.add(room)


@sio.on("disconnect", namespace="/room")
async def disconnect(sid, reason=None):
    room, participant_id = connections.pop(sid, (None, None))
    if room is not None:
        members[room].pop(participant_id, None)
        changed.add(room)


@sio.on("chat", namespace="/room")
async def chat(sid, data):
    room, participant_id = connections[sid]
    message = {"id": next(chat_ids.setdefault(room, itertools.count(1))), "name": members[room][participant_id]["name"],
               "text": data["text"], "at": datetime.now(timezone.utc).isoformat()}
    await sio.emit("chat", message, to=room, namespace="/room")


async def presence_fanout(app):
    async def run():
        while True:
            await asyncio.sleep(PRESENCE_SECONDS)
            rooms = list(changed)
            changed.clear()
            for room in rooms:
                await sio.emit("presence", {"members": list(members[room].values())}, to=room, namespace="/room")
    app["presence"] = asyncio.create_task(run())


app.on_startup.append(presence_fanout)

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
