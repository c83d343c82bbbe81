"""The portal's side of a line on quote: the price typed the French way, the customer mailed, the
"ready" button hidden until the customer accepts, own lines only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conciergerie.models import OrderStatus, QuoteState, Role, User
from conciergerie.orders import service as orders
from tests.conftest import sign_in, submit
from tests.factories import NOW, make_offer, make_order, make_provider, make_user


@pytest.fixture
def at_cobbler(session):
    cobbler = make_provider(session, name="Cordonnerie Gambetta")
    staff = make_user(session, Role.PROVIDER, provider=cobbler)
    customer = make_user(session, full_name="Nadia Benali", email="nadia@example.org")
    offer = make_offer(session, provider=cobbler, name="Réparation", on_quote=True)
    order = make_order(session, customer=customer, offer=offer)
    concierge = make_user(session, Role.CONCIERGE)
    for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, step, actor=concierge, now=NOW)
    return staff, order


def test_the_provider_proposes_a_price_and_the_customer_is_mailed(
    client, session, at_cobbler, outbox
):
    staff, order = at_cobbler
    line = order.lines[0]
    sign_in(client, staff)
    page = client.get("/prestataire/").get_data(as_text=True)
    assert f"/prestataire/lignes/{line.id}/devis" in page
    assert f"/prestataire/lignes/{line.id}/prete" not in page  # nothing before the answer
    url = f"/prestataire/lignes/{line.id}/devis"
    answer = submit(
        client, url, {"price": "12,50", "note": "Talon refait"}, form_url="/prestataire/"
    )
    assert answer.status_code == 302
    session.expire_all()
    assert (line.quote_state, line.quoted_unit_price_cents, line.quote_note) == (
        QuoteState.PROPOSED,
        1250,
        "Talon refait",
    )
    [mail] = outbox
    assert mail.to == ["nadia@example.org"] and order.code in mail.subject
    assert "12,50" in mail.body and f"/commandes/{order.id}" in mail.body
    page = client.get("/prestataire/").get_data(as_text=True)
    assert "en attente de la réponse du client" in page and "/prete" not in page
    # No second proposal; a direct "ready" is refused with a message.
    again = submit(client, url, {"price": "10", "note": "x"}, form_url="/prestataire/")
    assert again.status_code == 409 and "déjà été proposé" in again.get_data(as_text=True)
    ready = submit(client, f"/prestataire/lignes/{line.id}/prete", {}, form_url="/prestataire/")
    assert ready.status_code == 403  # not before the customer's answer: the portal says so
    assert "pas encore accepté votre devis" in ready.get_data(as_text=True)
    session.expire_all()
    assert line.ready_at is None and line.quoted_unit_price_cents == 1250 and len(outbox) == 1


@pytest.mark.parametrize("price", ["", "abc", "-3", "12,505", "200000"])
def test_a_bad_price_is_explained(client, session, at_cobbler, price, outbox):
    staff, order = at_cobbler
    sign_in(client, staff)
    url = f"/prestataire/lignes/{order.lines[0].id}/devis"
    answer = submit(client, url, {"price": price, "note": "Talon"}, form_url="/prestataire/")
    assert answer.status_code == 422 and "flash-error" in answer.get_data(as_text=True)
    session.expire_all()
    assert order.lines[0].quote_state is QuoteState.AWAITING_QUOTE and outbox == []


def test_another_provider_cannot_quote(client, session, at_cobbler):
    _staff, order = at_cobbler
    sign_in(client, make_user(session, Role.PROVIDER))
    url = f"/prestataire/lignes/{order.lines[0].id}/devis"
    answer = submit(client, url, {"price": "5", "note": "x"}, form_url="/prestataire/")
    assert answer.status_code == 404
    session.expire_all()
    assert order.lines[0].quote_state is QuoteState.AWAITING_QUOTE


def test_once_accepted_the_line_can_be_ready(client, session, at_cobbler):
    from conciergerie.orders import quotes

    staff, order = at_cobbler
    line = order.lines[0]
    quotes.propose(session, line, unit_price_cents=900, note="Talon", actor=staff, now=NOW)
    quotes.accept(session, line, actor=order.customer, now=NOW)
    sign_in(client, staff)
    assert f"/prestataire/lignes/{line.id}/prete" in client.get("/prestataire/").get_data(
        as_text=True
    )
    submit(client, f"/prestataire/lignes/{line.id}/prete", {}, form_url="/prestataire/")
    session.expire_all()
    assert order.status is OrderStatus.READY_AT_PROVIDER


def test_an_item_on_quote_that_cannot_be_done_has_nothing_to_refund(
    client, session, at_cobbler, outbox
):
    staff, order = at_cobbler
    line = order.lines[0]
    sign_in(client, staff)
    url = f"/prestataire/lignes/{line.id}/impossible"
    assert (
        submit(client, url, {"reason": "Cuir fendu"}, form_url="/prestataire/").status_code == 302
    )
    [mail] = outbox
    assert "rien à rembourser" in mail.body and "Remboursé" not in mail.body
    concierge = session.scalar(sa.select(User).where(User.role == Role.CONCIERGE))
    sign_in(client, concierge)
    desk = client.get(f"/comptoir/?q={order.code}", follow_redirects=True).get_data(as_text=True)
    assert "Cuir fendu — non facturé." in desk and "À rembourser" not in desk
