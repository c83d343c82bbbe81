"""The texts' outbox under real conditions (PostgreSQL): two senders never send one text at once,
and a text whose sender died after the gateway's answer, before its commit, is sent again under
the same idempotency key. At least once, never lost."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.models import OutboxText, utcnow
from conciergerie.texts import service as texts
from conciergerie.texts.gateway import current_gateway
from tests.conftest import empty_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks (SKIP LOCKED) across sessions: PostgreSQL",
)


@pytest.fixture
def committed(app):
    """Rows committed for real (another session must see them); removed after."""
    with app.app_context():
        yield _db.engine
        with _db.engine.begin() as connection:
            empty_database(connection)


def test_a_text_one_sender_is_sending_is_passed_by_the_other(committed, fake_gateway):
    with Session(committed) as setup:
        texts.enqueue(setup, "+33612345678", "un")
        texts.enqueue(setup, "+33698765432", "deux")
        setup.commit()
    now, gateway = utcnow(), current_gateway()
    with Session(committed) as first, Session(committed) as second:
        second.execute(sa.text("SET lock_timeout = '5s'"))  # waiting would fail, not hang
        second.commit()
        in_flight = texts.claim_next(first, now)  # the first sender holds it, row-locked
        assert in_flight.recipient == "+33612345678"
        assert texts.send_due(second, gateway=gateway, now=now).sent == 1
        assert [r.json["recipient"] for r in fake_gateway.requests] == ["33698765432"]
        first.rollback()  # the first sender died: the row is free again
        assert texts.send_due(second, gateway=gateway, now=now).sent == 1
        assert [r.json["recipient"] for r in fake_gateway.requests] == [
            "33698765432",
            "33612345678",
        ]


def test_a_sender_dying_after_the_gateway_answered_sends_again_under_the_same_key(
    committed, fake_gateway
):
    with Session(committed) as setup:
        key = texts.enqueue(setup, "+33612345678", "prête").idempotency_key
        setup.commit()
    now, gateway = utcnow(), current_gateway()
    with Session(committed) as dying:
        text = texts.claim_next(dying, now)
        gateway.send(text.recipient, text.body, text.idempotency_key)  # the gateway has it…
        dying.rollback()  # …and the sender dies before its commit
    with Session(committed) as sender:
        assert texts.send_due(sender, gateway=gateway, now=now).sent == 1
        row = sender.scalar(sa.select(OutboxText))
        assert row.sent_at is not None and row.gateway_message_id == "1002"
    assert [r.headers["Idempotency-Key"] for r in fake_gateway.requests] == [key, key]
