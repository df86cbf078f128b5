"""The app in Flask-SocketIO's threading mode, for `rooms_load.py --server threading` (gunicorn gthread)."""
from classroom import create_app

app = create_app({"SOCKETIO_ASYNC_MODE": "threading"})
