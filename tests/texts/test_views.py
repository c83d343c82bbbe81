"""The STOP webhook (signed), "Mon compte"'s texts box, and the desk's word about texts."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from conciergerie.models import OutboxText, Role, TextOptOut
from conciergerie.texts import service as texts
from conciergerie.texts.views import signature
from tests import factories
from tests.conftest import submit
from tests.factories import NOW

INBOUND = "/sms/entrant"
PROFILE = "/compte/"


def post_reply(client, body: bytes, sig: str | None):
    headers = {"Content-Type": "application/json"}
    if sig is not None:
        headers["X-Signature"] = sig
    return client.post(INBOUND, data=body, headers=headers)


def reply(sender="+33612345678", text="STOP") -> bytes:
    return json.dumps({"from": sender, "text": text}).encode()


def opted_out(session) -> list[str]:
    return session.scalars(sa.select(TextOptOut.phone)).all()


# The webhook --------------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["STOP", "stop", "Stop", "ARRET", "Arrêt"])
def test_a_signed_stop_opts_the_number_out(client, session, webhook_secret, words):
    body = reply("33612345678", words)
    answer = post_reply(client, body, signature(body, webhook_secret))
    assert answer.status_code == 200 and answer.json == {"status": "opted_out"}
    assert opted_out(session) == ["+33612345678"]
    again = post_reply(client, body, signature(body, webhook_secret))  # a provider's retry
    assert again.status_code == 200 and opted_out(session) == ["+33612345678"]


def test_the_signature_may_come_without_its_prefix(client, session, webhook_secret):
    body = reply()
    bare = signature(body, webhook_secret).removeprefix("sha256=")
    assert post_reply(client, body, bare).status_code == 200
    assert opted_out(session) == ["+33612345678"]


def test_a_signed_start_lifts_the_number_s_stop(client, session, webhook_secret):
    texts.opt_out(session, "+33612345678", now=NOW)
    body = reply("33612345678", "START")
    answer = post_reply(client, body, signature(body, webhook_secret))
    assert answer.status_code == 200 and answer.json == {"status": "opted_in"}
    assert opted_out(session) == []


def test_another_reply_is_ignored(client, session, webhook_secret):
    body = reply(text="Merci, je passe demain")
    answer = post_reply(client, body, signature(body, webhook_secret))
    assert answer.status_code == 200 and answer.json == {"status": "ignored"}
    assert opted_out(session) == []


@pytest.mark.parametrize(
    "sig",
    [
        None,  # missing
        "",
        "sha256=" + "0" * 64,  # wrong
        "sha1=abc",  # malformed
        "signed",
    ],
)
def test_unsigned_or_badly_signed_is_refused(client, session, webhook_secret, sig):
    answer = post_reply(client, reply(), sig)
    assert answer.status_code == 403
    assert opted_out(session) == []


def test_signed_with_another_secret_is_refused(client, session, webhook_secret):
    body = reply()
    assert post_reply(client, body, signature(body, "another secret")).status_code == 403
    # The body changed after signing:
    changed = post_reply(client, reply(text="stop"), signature(body, webhook_secret))
    assert changed.status_code == 403
    assert opted_out(session) == []


def test_without_a_secret_configured_everything_is_refused(client, session):
    body = reply()
    assert post_reply(client, body, signature(body, "")).status_code == 403
    assert post_reply(client, body, None).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"",
        b"[]",
        b'"STOP"',
        b'{"from": 33612345678, "text": "STOP"}',
        b'{"from": "+33612345678"}',
        b'{"text": "STOP"}',
        json.dumps({"from": "+33" + "6" * 40, "text": "STOP"}).encode(),
        b"\xff\xfe",
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's parser goes
    ],
)
def test_a_signed_body_that_is_no_reply_is_a_400(client, session, webhook_secret, body):
    answer = post_reply(client, body, signature(body, webhook_secret))
    assert answer.status_code == 400
    assert opted_out(session) == []


def test_after_stop_nobody_texts_the_number(client, session, webhook_secret):
    customer = factories.make_user(session, phone="06 12 34 56 78", texts_opt_in=True)
    order = factories.make_order(session, customer=customer)
    texts.text_ready(order)  # written before the STOP: dropped
    session.flush()
    body = reply()
    assert post_reply(client, body, signature(body, webhook_secret)).status_code == 200
    texts.text_ready(order)
    assert session.scalars(sa.select(OutboxText)).all() == []


# "Mon compte" -------------------------------------------------------------------------------


def save_details(client, **data):
    form = {"full_name": "Nadia Benali", "phone": "06 12 34 56 78", **data}
    return submit(client, "/compte/coordonnees", form, form_url=PROFILE)


def test_texts_are_off_until_asked_for_on_mon_compte(client, session, login_as):
    user = login_as(full_name="Nadia Benali", phone="06 12 34 56 78")
    html = client.get(PROFILE).get_data(as_text=True)
    assert 'name="texts_opt_in"' in html and "checked" not in html
    assert "Répondez STOP" in html and 'id="texts_opt_in-hint"' in html
    assert save_details(client, texts_opt_in="y").status_code == 302
    session.refresh(user)
    assert user.texts_opt_in and texts.number_to_text(user) == "+33612345678"
    assert "Vos coordonnées sont enregistrées." in client.get(PROFILE).get_data(as_text=True)
    assert save_details(client).status_code == 302  # the box unticked: off
    session.refresh(user)
    assert not user.texts_opt_in and texts.number_to_text(user) is None


@pytest.mark.parametrize("phone", ["", "03 20 12 34 56"])
def test_texts_need_a_mobile_number(client, session, login_as, phone):
    user = login_as(full_name="Nadia Benali")
    answer = save_details(client, phone=phone, texts_opt_in="y")
    assert answer.status_code == 422
    assert "Pour recevoir des SMS, indiquez un numéro de mobile" in answer.get_data(as_text=True)
    session.refresh(user)
    assert not user.texts_opt_in


def test_a_stop_is_shown_and_saving_the_box_does_not_lift_it(client, session, login_as):
    # Anyone may type any number: only the number itself lifts its STOP (START, tests/texts).
    user = login_as(full_name="Nadia Benali", phone="06 12 34 56 78", texts_opt_in=True)
    texts.opt_out(session, "+33612345678", now=NOW)
    html = client.get(PROFILE).get_data(as_text=True)
    assert "Vous avez répondu STOP" in html and "répondez START depuis ce numéro" in html
    assert save_details(client, texts_opt_in="y").status_code == 302
    assert opted_out(session) == ["+33612345678"] and texts.number_to_text(user) is None


def test_the_desk_tells_a_walk_in_that_a_phone_alone_gets_texts(client, login_as):
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/nouvelle-commande").get_data(as_text=True)
    assert "Sans adresse e-mail, le client reçoit un SMS sur ce mobile" in html


def test_without_a_gateway_production_offers_no_texts(app, client, session, login_as, monkeypatch):
    # In production a text to the log would be a promise not kept: no box on "Mon compte", no
    # word of texts at the counter, and nobody is texted.
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", None)
    monkeypatch.setitem(app.config, "SMS_TO_LOG_WITHOUT_GATEWAY", False)
    user = login_as(full_name="Nadia Benali", phone="06 12 34 56 78", texts_opt_in=True)
    assert texts.number_to_text(user) is None
    html = client.get(PROFILE).get_data(as_text=True)
    assert "Recevoir un SMS" not in html
    assert save_details(client, texts_opt_in="y").status_code == 302
    login_as(Role.CONCIERGE)
    page = client.get("/comptoir/nouvelle-commande").get_data(as_text=True)
    assert "le client reçoit un SMS" not in page
