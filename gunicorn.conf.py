"""Production server for one process: `gunicorn -c gunicorn.conf.py wsgi:app`; docs/rooms.md says why and measures it.

One gevent worker: Socket.IO keeps each client's session in the process that accepted it, so a process has one
worker, and a machine runs one process per core on its own port (PORT=8001, 8002, ...) behind a proxy with sticky
sessions and Redis as the message queue (SOCKETIO_MESSAGE_QUEUE).
"""
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8001')}")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
workers = 1
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "4000"))  # a class of 500 and its reconnects, x8
keepalive = 75  # behind nginx's keepalive to the upstream
timeout = 60
graceful_timeout = 20



def post_worker_init(worker):
    """Move everything the app allocated at start (about 150,000 objects) out of the collector's sight.

    A full collection walked them all and stopped the worker for about 80 ms each time (docs/rooms.md measures
    it); they live as long as the process, so freezing them loses nothing.
    """
    import gc

    gc.collect()
    gc.freeze()
