"""A mail server for tests: speaks just enough SMTP to take messages, and keeps them (no mail leaves)."""
from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes, policy


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        sink.connections += 1
        sink.release.wait(30)  # a slow mail server: says nothing until the test lets it
        self.reply(b"220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply(b"250 sink")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply(b"250 ok")
            elif verb == b"DATA":
                self.reply(b"354 end with .")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                sink.messages.append(message_from_bytes(b"".join(lines), policy=policy.default))
                self.reply(b"250 queued")
            elif verb == b"QUIT":
                self.reply(b"221 bye")
                return
            else:
                self.reply(b"502 not here")

    def reply(self, text: bytes):
        self.wfile.write(text + b"\r\n")


class SmtpSink:
    def __init__(self, slow: bool = False):
        self.release = threading.Event()
        if not slow:
            self.release.set()
        self.messages = []
        self.connections = 0
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.sink = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
