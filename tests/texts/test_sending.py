"""Sending the texts: through the log without a provider, through Brevo's API (a fake gateway on
loopback) with the mails' back-off, the same idempotency key on every attempt; by the mails' job."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import sqlalchemy as sa

from conciergerie.jobs.registry import BY_ID
from conciergerie.mail import GIVE_UP_AFTER
from conciergerie.models import OutboxText
from conciergerie.texts import service as texts
from conciergerie.texts.gateway import BrevoGateway, LogGateway, current_gateway
from tests.factories import NOW
from tests.texts.conftest import TOKEN


def write(session, recipient="+33612345678", body="Votre commande est prête."):
    text = texts.enqueue(session, recipient, body)
    text.created_at = text.next_attempt_at = NOW
    session.flush()
    return text


def send(session, gateway, now=NOW):
    return texts.send_due(session, gateway=gateway, now=now)


def test_without_a_provider_texts_go_to_the_log(app, session, caplog):
    assert isinstance(current_gateway(), LogGateway)
    text = write(session)
    with caplog.at_level(logging.INFO, logger="conciergerie.texts.gateway"):
        done = send(session, current_gateway())
    assert done.figures() == {"sent": 1, "failed": 0, "given_up": 0}
    assert f"SMS to …5678 [{text.idempotency_key}]: Votre commande est prete." in caplog.text
    assert "612345678" not in caplog.text  # the number is masked in the log
    assert text.sent_at == NOW and text.gateway_message_id == f"log-{text.idempotency_key}"
    assert not send(session, current_gateway())  # sent once


def test_brevos_api_is_called_as_documented(session, fake_gateway):
    gateway = current_gateway()
    assert isinstance(gateway, BrevoGateway)
    text = write(session)
    assert send(session, gateway).sent == 1
    [request] = fake_gateway.requests
    assert request.path == "/v3/transactionalSMS/send"
    assert request.headers["api-key"] == TOKEN
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == text.idempotency_key
    assert request.json == {
        "sender": "EtVoila",
        "recipient": "33612345678",
        "content": "Votre commande est prete.",
        "type": "transactional",
        "tag": text.idempotency_key,
        "unicodeEnabled": False,
    }
    assert text.sent_at == NOW and text.gateway_message_id == "1001"


def test_failures_are_tried_again_later_and_later_under_the_same_key(session, fake_gateway):
    gateway = current_gateway()
    text = write(session)
    fake_gateway.fail(2)
    assert send(session, gateway).failed == 1
    assert text.attempts == 1 and text.next_attempt_at == NOW + timedelta(minutes=5)
    assert "HTTP 503" in text.last_error and text.sent_at is None
    assert not send(session, gateway, NOW + timedelta(minutes=4))  # not due yet
    assert send(session, gateway, NOW + timedelta(minutes=5)).failed == 1
    assert text.attempts == 2
    assert text.next_attempt_at == NOW + timedelta(minutes=5) + timedelta(minutes=10)
    assert send(session, gateway, NOW + timedelta(minutes=15)).sent == 1
    keys = {r.headers["Idempotency-Key"] for r in fake_gateway.requests}
    assert len(fake_gateway.requests) == 3 and keys == {text.idempotency_key}
    assert {r.json["tag"] for r in fake_gateway.requests} == keys


def test_a_gateway_down_stops_the_run_a_refused_text_does_not(session, fake_gateway):
    gateway = current_gateway()
    first, second = write(session), write(session, "+33698765432")
    fake_gateway.fail(1, status=503)
    assert send(session, gateway).figures() == {"sent": 0, "failed": 1, "given_up": 0}
    assert len(fake_gateway.requests) == 1 and second.attempts == 0  # waits for the next run
    first.next_attempt_at = NOW
    fake_gateway.fail(1, status=400)  # this number: refused
    assert send(session, gateway).figures() == {"sent": 1, "failed": 1, "given_up": 0}
    assert first.attempts == 2 and "HTTP 400" in first.last_error and second.sent_at == NOW


def test_an_unreachable_gateway_is_a_failure(app, session, monkeypatch):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", f"http://127.0.0.1:{port}/sms")
    text = write(session)
    assert send(session, current_gateway()).failed == 1
    assert "GatewayDown" in text.last_error


def test_a_text_failing_for_two_days_is_given_up(session, fake_gateway):
    write(session)
    fake_gateway.fail(1)
    assert send(session, current_gateway(), NOW + GIVE_UP_AFTER).given_up == 1
    assert session.scalars(sa.select(OutboxText)).all() == []


def test_a_number_that_said_stop_since_is_not_sent_to(session, fake_gateway):
    text = write(session)
    session.add(texts.TextOptOut(phone="+33612345678", created_at=NOW))
    assert not send(session, current_gateway())
    assert fake_gateway.requests == [] and session.get(OutboxText, text.id) is None


def test_sent_texts_are_forgotten_after_a_week(session):
    text = write(session)
    send(session, LogGateway())
    send(session, LogGateway(), NOW + texts.KEEP_SENT - timedelta(minutes=1))
    assert session.get(OutboxText, text.id) is not None
    send(session, LogGateway(), NOW + texts.KEEP_SENT + timedelta(minutes=1))
    assert session.get(OutboxText, text.id) is None


def test_the_mails_job_sends_the_texts_too(app, session, fake_gateway):
    write(session)
    job = BY_ID["send-mails"]
    figures = job.sweep(session, NOW)
    assert figures["texts_sent"] == 1 and figures["sent"] == 0
    assert job.say(figures) == (
        "0 e-mails envoyés, 0 en échec, 0 abandonnés ; 1 SMS envoyé, 0 en échec, 0 abandonnés"
    )
    assert job.sweep(session, NOW) is None  # nothing more: no line in the history


def test_the_jobs_page_shows_the_texts_waiting_and_the_last_error(
    client, session, login_as, fake_gateway
):
    from conciergerie.models import Role

    login_as(Role.CONCIERGE)
    assert "Aucun SMS en attente" in client.get("/comptoir/taches/").get_data(as_text=True)
    write(session), write(session, "+33698765432")
    fake_gateway.fail(1, status=400)
    send(session, current_gateway())  # one refused, one sent
    write(session, "+33781234567")
    session.flush()
    html = client.get("/comptoir/taches/").get_data(as_text=True)
    assert "2 SMS en attente" in html and "1 en échec, réessayé plus tard." in html
    assert "TextRefused: HTTP 400" in html
