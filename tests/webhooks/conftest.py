"""A real HTTP receiver on 127.0.0.1, in a thread, that answers as a test scripts it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next status of ``script`` (then 200) and keeps what came."""

    url: str
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def answer(self) -> int:
        return self.script.pop(0) if self.script else 200


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (so private addresses are allowed while it runs)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            this = state["receiver"]
            this.received.append(Received(self.path, dict(self.headers.items()), body))
            status = this.answer()
            payload = b'{"ok": true}' if status < 300 else b"receiver is down"
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    state["receiver"] = Receiver(url=f"http://{host}:{port}/hooks/archive")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
