"""Entry point: `app` for WSGI servers; `python wsgi.py` serves the app with Socket.IO on 127.0.0.1:5000."""
import os

from classroom import create_app
from classroom.extensions import socketio

app = create_app()

if __name__ == "__main__":
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                 allow_unsafe_werkzeug=True)
