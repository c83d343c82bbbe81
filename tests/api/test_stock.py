"""A basket with fewer left for its delivery than asked: 409 `sold_out` on the line (the rules:
tests/stock/test_service.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import make_basket_offer, make_order, make_slot

EVENING = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def test_the_api_answers_409_sold_out(customer_api, session):
    offer = make_basket_offer(session, name="Panier solo", stock_per_delivery=3)
    pickup = make_slot(session, starts_at=EVENING, capacity=10)
    make_order(session, offer=offer, quantity=3, pickup=pickup)
    response = customer_api.post(
        "/orders",
        json={
            "lines": [{"offer_id": offer.id, "quantity": 1}],
            "pickup_slot_id": pickup.id,
            "payment": "desk",
        },
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("sold_out", "lines[0].quantity")
    assert "Plus aucun « Panier solo »" in error["message"]
