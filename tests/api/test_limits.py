"""The limits of a customer's own orders through the API: 422 `too_many_items` and
`too_many_open_orders`, documented (the rules: tests/orders/test_limits.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conciergerie.models import Order
from tests import factories

SOON = (factories.NOW + timedelta(days=2)).replace(hour=7, minute=0)  # Friday, 8:00 in Paris


@pytest.fixture
def slots(session):
    return [
        factories.make_slot(session, starts_at=SOON + timedelta(days=n), capacity=10)
        for n in range(14)
    ]


@pytest.fixture
def offer(session):
    return factories.make_offer(session, name="Repassage", unit="le lot de 5", turnaround_days=3)


def order_body(lines, slots):
    return {
        "lines": lines,
        "dropoff_slot_id": slots[0].id,
        "pickup_slot_id": slots[10].id,
        "payment": "desk",
    }


def orders_count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Order))


def test_thirty_lines_of_one_offer_are_too_many_items(customer_api, session, offer, slots):
    """The bug of the issue: 30 lines of 50 of one offer, 1,500 items, were taken."""
    lines = [{"offer_id": offer.id, "quantity": 50}] * 30
    response = customer_api.post("/orders", json=order_body(lines, slots))
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "too_many_items",
        "message": "Une commande passée en ligne compte au plus 20 articles (ici 1500) : "
        "retirez-en, ou venez au comptoir pour en confier davantage.",
        "field": "lines",
    }
    assert orders_count(session) == 0


def test_a_21st_item_is_refused_and_20_are_taken(customer_api, session, offer, slots):
    other = factories.make_offer(session, turnaround_days=3)
    too_many = [{"offer_id": offer.id, "quantity": 20}, {"offer_id": other.id, "quantity": 1}]
    response = customer_api.post("/orders", json=order_body(too_many, slots))
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "too_many_items")
    enough = [{"offer_id": offer.id, "quantity": 19}, {"offer_id": other.id, "quantity": 1}]
    assert customer_api.post("/orders", json=order_body(enough, slots)).status_code == 201


def test_lines_of_one_offer_are_one_line_of_the_order(customer_api, offer, slots):
    lines = [{"offer_id": offer.id, "quantity": 2}, {"offer_id": offer.id, "quantity": 3}]
    response = customer_api.post("/orders", json=order_body(lines, slots))
    assert response.status_code == 201
    assert [(line["offer_id"], line["quantity"]) for line in response.get_json()["lines"]] == [
        (offer.id, 5)
    ]


def test_a_fourth_order_paid_at_the_desk_is_refused(customer_api, session, offer, slots):
    for _ in range(3):
        factories.make_order(
            session, customer=customer_api.user, offer=offer, dropoff=slots[0], pickup=slots[10]
        )
    lines = [{"offer_id": offer.id, "quantity": 1}]
    response = customer_api.post("/orders", json=order_body(lines, slots))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("too_many_open_orders", "payment")
    assert error["message"].startswith(
        "Vous avez déjà 3 commandes à régler au comptoir qui attendent leur dépôt (3 au plus)"
    )
    assert orders_count(session) == 3


def test_the_document_names_both_codes(document):
    refusal = document["paths"]["/api/v1/orders"]["post"]["responses"]["422"]["description"]
    assert "`too_many_items`" in refusal and "`too_many_open_orders`" in refusal
    line = document["components"]["schemas"]["RequestedLine"]["properties"]["quantity"]
    assert (line["minimum"], line["maximum"]) == (1, 999)
    assert "too_many_items" in line["description"]
