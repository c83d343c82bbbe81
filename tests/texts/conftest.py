"""A fake SMS gateway: a tiny HTTP server on a free loopback port, in a thread, that answers as
Brevo's transactional SMS API does (`{"reference", "messageId"}`), records every request, and can
fail the next N requests (`fail(n, status)`) or refuse them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOKEN = "xkeysib-test"
WEBHOOK_SECRET = "sms-webhook-secret-for-tests"


@dataclass
class Received:
    path: str
    headers: Message  # case-insensitive, as HTTP names are
    json: dict


@dataclass
class FakeGateway:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses of the next answers
    next_id: int = 1000

    def fail(self, times: int, status: int = 503) -> None:
        self.failures.extend([status] * times)


class _Handler(BaseHTTPRequestHandler):
    gateway: FakeGateway

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        gateway = self.server.gateway
        gateway.requests.append(Received(self.path, self.headers, body))
        if gateway.failures:
            status = gateway.failures.pop(0)
            answer = {"code": "failure", "message": f"fake failure {status}"}
        else:
            status, gateway.next_id = 201, gateway.next_id + 1
            answer = {"reference": f"ref-{gateway.next_id}", "messageId": gateway.next_id}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def fake_gateway(app, monkeypatch) -> Iterator[FakeGateway]:
    """The fake gateway, and the app configured to send through it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    gateway = FakeGateway(url=f"http://127.0.0.1:{server.server_port}/v3/transactionalSMS/send")
    server.gateway = gateway
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", gateway.url)
    monkeypatch.setitem(app.config, "SMS_GATEWAY_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "SMS_SENDER", "EtVoila")
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def webhook_secret(app, monkeypatch) -> str:
    monkeypatch.setitem(app.config, "SMS_WEBHOOK_SECRET", WEBHOOK_SECRET)
    return WEBHOOK_SECRET
