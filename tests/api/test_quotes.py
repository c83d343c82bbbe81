"""A line on quote through the API: the customer reads the price proposed and answers it."""

from __future__ import annotations

import pytest

from conciergerie.api import service as tokens
from conciergerie.models import OrderStatus, QuoteState, Role
from conciergerie.orders import quotes
from conciergerie.orders import service as orders
from conciergerie.payments.ledger import ledger
from tests.api.conftest import Api
from tests.factories import NOW, make_offer, make_order, make_provider, make_user


@pytest.fixture
def quoted(session):
    """A repair on quote at the cobbler, priced 22,50 € by the provider."""
    cobbler = make_provider(session, name="Cordonnerie Gambetta")
    staff = make_user(session, Role.PROVIDER, provider=cobbler)
    customer = make_user(session, Role.RESIDENT)
    offer = make_offer(session, provider=cobbler, name="Réparation", on_quote=True)
    order = make_order(session, customer=customer, offer=offer)
    concierge = make_user(session, Role.CONCIERGE)
    for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, step, actor=concierge, now=NOW)
    [line] = order.lines
    quotes.propose(session, line, unit_price_cents=2250, note="Talon refait", actor=staff, now=NOW)
    session.flush()
    return order, line, concierge


def _api(client, openapi, session, user):
    return Api(client, openapi, tokens.issue_token(session, user, now=NOW))


def _path(order, line):
    return f"/orders/{order.id}/lines/{line.id}/quote"


def test_the_customer_reads_the_price_and_accepts_it(client, openapi, session, quoted):
    order, line, _concierge = quoted
    api = _api(client, openapi, session, order.customer)
    body = api.get(f"/orders/{order.id}").get_json()
    [shown] = body["lines"]
    # While the price is proposed, the line has none: null, never 0 (quote.state says why).
    assert shown["id"] == line.id and shown["unit_price_cents"] is None
    assert shown["total_cents"] is None and shown["charge"] == "price_to_come"
    assert shown["quote"]["state"] == "proposed" and shown["quote"]["unit_price_cents"] == 2250
    assert shown["quote"]["note"] == "Talon refait" and shown["quote"]["answered_at"] is None
    answer = api.post(_path(order, line), json={"answer": "accept"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["lines"][0]["quote"]["state"] == "accepted"
    assert body["lines"][0]["total_cents"] == 2250
    assert body["total_cents"] == order.fee_cents + 2250
    assert body["balance_due_cents"] == body["total_cents"] - body["paid_cents"]
    assert body["paid_cents"] == ledger(order).paid_cents and body["refund_due_cents"] == 0
    session.expire_all()
    assert line.quote_state is QuoteState.ACCEPTED and line.unit_price_cents == 2250
    # Answered once: a second answer is a conflict, and changes nothing.
    again = api.post(_path(order, line), json={"answer": "decline"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"
    session.expire_all()
    assert line.quote_state is QuoteState.ACCEPTED


def test_the_customer_declines_and_the_item_comes_back_free(client, openapi, session, quoted):
    order, line, _concierge = quoted
    api = _api(client, openapi, session, order.customer)
    answer = api.post(_path(order, line), json={"answer": "decline"})
    assert answer.status_code == 200
    assert answer.get_json()["lines"][0]["quote"]["state"] == "declined"
    session.expire_all()
    assert line.quote_state is QuoteState.DECLINED and line.total_cents == 0


def test_only_the_customer_answers(client, openapi, session, quoted):
    order, line, concierge = quoted
    # The concierge may read the order, not answer for the customer.
    response = _api(client, openapi, session, concierge).post(
        _path(order, line), json={"answer": "accept"}
    )
    assert response.status_code == 403
    # Another resident does not even learn that the order exists.
    stranger = _api(client, openapi, session, make_user(session, Role.RESIDENT))
    assert stranger.post(_path(order, line), json={"answer": "accept"}).status_code == 404
    session.expire_all()
    assert line.quote_state is QuoteState.PROPOSED


@pytest.mark.parametrize(
    "body, status",
    [
        ({"answer": "yes"}, 422),
        ({}, 422),
        ({"answer": ["accept"]}, 422),
        ({"answer": {}}, 422),
        ({"answer": None}, 422),
        ([], 400),
    ],
)
def test_a_bad_answer_is_explained(client, openapi, session, quoted, body, status):
    order, line, _concierge = quoted
    api = _api(client, openapi, session, order.customer)
    response = api.post(_path(order, line), json=body)
    assert response.status_code == status and response.get_json()["error"]["message"]
    session.expire_all()
    assert line.quote_state is QuoteState.PROPOSED


def test_a_line_of_another_order_is_a_404(client, openapi, session, quoted):
    order, _line, _concierge = quoted
    other = make_order(session, customer=order.customer)
    api = _api(client, openapi, session, order.customer)
    response = api.post(_path(order, other.lines[0]), json={"answer": "accept"})
    assert response.status_code == 404


def test_a_line_with_no_price_yet_is_a_conflict(client, openapi, session):
    cobbler = make_provider(session)
    customer = make_user(session, Role.RESIDENT)
    offer = make_offer(session, provider=cobbler, on_quote=True)
    order = make_order(session, customer=customer, offer=offer)
    [line] = order.lines
    shown = _api(client, openapi, session, customer).get(f"/orders/{order.id}").get_json()
    assert shown["lines"][0]["quote"]["state"] == "awaiting_quote"
    response = _api(client, openapi, session, customer).post(
        _path(order, line), json={"answer": "accept"}
    )
    assert response.status_code == 409
