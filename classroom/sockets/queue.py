"""The Redis message queue between server processes, with one addition: Redis pub/sub keeps nothing for a
subscriber that was away, so after this process lost its subscription and got it back it asks its own clients to
`sync` (event `resync`), and chat stored meanwhile reaches them after all; the page asks for the room's state
with it, since hands, floor, polls, board and slides changed on other processes did not reach it either."""
from __future__ import annotations

import hashlib
import time

import socketio

from ..services.rooms.roles import NAMESPACE


class ResyncingRedisManager(socketio.RedisManager):
    # When this process last got its subscription back (time.monotonic()): room snapshots loaded before it may
    # have missed changes made on other processes meanwhile, so a client's `sync {"state": true}` does not use them.
    subscribed_at = 0.0

    def _redis_listen_with_retries(self):  # python-socketio's loop, plus the resync after a loss
        retry_sleep = 1
        subscribed = False
        lost = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    retry_sleep = 1
                    if lost:
                        lost = False
                        self.subscribed_at = time.monotonic()
                        self._get_logger().warning("message queue subscription is back; clients resync")
                        # To this process's clients only: the other processes did not lose anything.
                        self.emit("resync", {}, namespace=NAMESPACE, ignore_queue=True)
                yield from self.pubsub.listen()
            except Exception as exc:  # noqa: BLE001 - as the library does: log, wait, try again
                self._get_logger().error(f"Cannot receive from redis... retrying in {retry_sleep} secs",
                                         extra={"redis_exception": str(exc)})
                subscribed = False
                lost = True
                time.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, 8)  # the library waits up to 60 s; a class cannot


def resubscribed_at(manager) -> float:
    """When the process's message queue last got its subscription back; 0 if it never lost it, or has none."""
    return getattr(manager, "subscribed_at", 0.0)


def default_channel(secret_key: str, database_url: str) -> str:
    """The pub/sub channel of one deployment. Redis pub/sub ignores the database number in the queue's URL, so
    two deployments on one Redis with the library's fixed `flask-socketio` heard each other's rooms. Every process
    of one deployment shares its secret key and database (tokens and rows need them), and two deployments do not:
    a digest of both names the deployment without revealing either."""
    digest = hashlib.sha256(f"{secret_key}\0{database_url}".encode()).hexdigest()[:16]
    return f"kelas-{digest}"


def client_manager(url: str | None, channel: str) -> dict:
    """Keyword arguments for `socketio.init_app`: the resyncing manager for a Redis queue, else the default."""
    if url and url.startswith(("redis://", "rediss://")):
        return {"client_manager": ResyncingRedisManager(url, channel=channel)}
    return {}
