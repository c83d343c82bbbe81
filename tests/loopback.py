"""A fake HTTP server on loopback, in a thread, for the clients of outside services (a routing
server, the national address API): each test says what it answers and reads what it was asked."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Asked:
    method: str
    path: str
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class FakeServer:
    url: str
    asked: list[Asked] = field(default_factory=list)


# What the fake answers to a request: (status, body) or (status, body, content type); a dict or
# list body is sent as JSON.
Answer = Callable[[Asked], tuple]


@contextmanager
def fake_server(answer: Answer) -> Iterator[FakeServer]:
    """Serve `answer` on 127.0.0.1 on a free port until the block ends."""
    fake = FakeServer("")

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            asked = Asked(self.command, self.path, self.rfile.read(length))
            fake.asked.append(asked)
            status, body, *kind = answer(asked)
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind[0] if kind else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _reply

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
