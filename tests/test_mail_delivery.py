"""The outbox under real conditions (PostgreSQL): two senders never send one mail at once, and a
sender killed between the mail server's "accepted" and its own commit loses nothing: the mail
is sent again, as the same message (same Message-ID). At least once, never lost."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.mail import claim_next, enqueue, send_due
from conciergerie.models import OutboxMail, utcnow
from tests.conftest import empty_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks (SKIP LOCKED) and a second process on one database: PostgreSQL",
)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def committed(app):
    """Rows committed for real (another session, another process must see them); removed after."""
    with app.app_context():
        yield _db.engine
        with _db.engine.begin() as connection:
            empty_database(connection)


@pytest.fixture
def sent(app):
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


def test_a_mail_one_sender_is_sending_is_passed_by_the_other(committed, sent):
    with Session(committed) as setup:
        enqueue(setup, "a@example.org", "s", "t", None)
        enqueue(setup, "b@example.org", "s", "t", None)
        setup.commit()
    now = utcnow()
    with Session(committed) as first, Session(committed) as second:
        second.execute(sa.text("SET lock_timeout = '5s'"))  # waiting would fail, not hang
        second.commit()
        in_flight = claim_next(first, now)  # the first sender is sending it, row-locked
        assert in_flight.recipient == "a@example.org"
        assert send_due(second, now=now).sent == 1  # did not wait for it, nor send it
        assert [mail.to for mail in sent] == [["b@example.org"]]
        first.rollback()  # the first sender died before sending: the row is free again
        assert send_due(second, now=now).sent == 1
        assert [mail.to for mail in sent] == [["b@example.org"], ["a@example.org"]]


class FakeSMTP(socketserver.ThreadingTCPServer):
    """A mail server on a free loopback port that keeps what it accepts. With `victim` set, it
    SIGKILLs that process when it says QUIT: the mail is accepted ("250") and the sender is
    still in the SMTP exchange, before it could mark the mail sent."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.accepted: list[email.message.Message] = []
        self.victim: int | None = None
        self.kill_next = False

    @property
    def port(self) -> int:
        return self.server_address[1]


class _Session(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server: FakeSMTP = self.server
        self._reply("220 fake ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                server.accepted.append(email.message_from_bytes(data, policy=email.policy.default))
                self._reply("250 accepted")
            elif verb == b"QUIT":
                if server.kill_next:
                    server.kill_next = False
                    os.kill(server.victim, signal.SIGKILL)
                    return  # the sender is dead: no goodbye
                self._reply("221 bye")
                return
            else:  # EHLO/HELO (no extension), MAIL, RCPT, RSET, NOOP
                self._reply("250 ok")


@pytest.fixture
def smtp():
    server = FakeSMTP()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _sender(database_url: str, port: int) -> subprocess.Popen:
    """`flask send-mails` as its own process, as the scheduler or cron would run it."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CONCIERGERIE_CONFIG": "development",
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_USE_TLS": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "conciergerie", "send-mails"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.real_clock
def test_a_sender_killed_after_sending_loses_nothing_and_resends_the_same_message(
    committed, database_url, smtp
):
    with Session(committed) as setup:
        mail = enqueue(setup, "lea@example.org", "Commande prête", "texte", "<p>html</p>")
        message_id = mail.message_id
        setup.commit()

    sender = _sender(database_url, smtp.port)
    smtp.victim, smtp.kill_next = sender.pid, True
    output, _ = sender.communicate(timeout=120)
    assert sender.returncode == -signal.SIGKILL, output
    [first] = smtp.accepted  # the server had the mail…
    assert first["Message-ID"] == message_id and first["To"] == "lea@example.org"
    with Session(committed) as check:  # …and the outbox still has it: nothing is lost
        [kept] = check.scalars(sa.select(OutboxMail)).all()
        assert kept.message_id == message_id and kept.attempts == 0

    again = _sender(database_url, smtp.port)
    output, _ = again.communicate(timeout=120)
    assert again.returncode == 0 and "1 e-mail envoyé," in output, output
    first_copy, second_copy = smtp.accepted
    assert second_copy["Message-ID"] == first_copy["Message-ID"] == message_id  # the same mail
    assert second_copy["Subject"] == first_copy["Subject"] == "Commande prête"
    with Session(committed) as check:
        assert check.scalars(sa.select(OutboxMail)).all() == []  # sent: deleted (RGPD)
