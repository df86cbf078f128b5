"""Chat ordering: a room's messages are stored and sent on under one lock, in Redis too when several processes
share a message queue, so every member receives ids in increasing order."""
from __future__ import annotations

from contextlib import ExitStack, contextmanager, nullcontext

from flask import current_app
from flask_babel import gettext as _

from ...errors import AppError
from .registry import rooms


def chat_order_key(live_session_id: int) -> str:
    """The Redis lock every process takes around a room's store-then-send."""
    return f"kelas:chat-order:{live_session_id}"


@contextmanager
def chat_order(live_session_id: int):
    """Store-then-send under one lock per room, so members receive ids in increasing order. With several
    processes (a message queue) the lock is also taken in Redis, which every process shares."""
    registry = rooms()
    with registry.room_locks[live_session_id]:
        shared = registry.shared_redis()
        lock = nullcontext() if shared is None else \
            shared.lock(chat_order_key(live_session_id), timeout=10, blocking_timeout=10)
        held = ExitStack()
        try:
            held.enter_context(lock)
        except Exception as exc:  # the queue's Redis is down or restarting: nothing is stored, and the sender hears so
            current_app.logger.warning("chat order lock unavailable: %s", exc)
            raise AppError(503, "unavailable", _("Chat is briefly unavailable. Your message was not sent; "
                                                  "please try again in a moment."))
        with held:
            yield
