"""POST /api/v1/orders/<id>/slots: moving an order's drop-off and/or pickup."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conciergerie.api import service as tokens
from conciergerie.models import Role
from tests import factories
from tests.api.conftest import Api
from tests.factories import NOW


def slot(session, month, day, hour, **kw):
    return factories.make_slot(
        session, starts_at=datetime(2026, month, day, hour - 1, tzinfo=UTC), **kw
    )


@pytest.fixture
def order(session):
    """Dropped off Thursday 26 November 8:00, collected Wednesday 2 December 18:00 (ready from
    Monday 30 November)."""
    return factories.make_order(session, offer=factories.make_offer(session, turnaround_days=1))


def api_of(client, openapi, session, user) -> Api:
    return Api(client, openapi, tokens.issue_token(session, user, now=NOW))


def test_the_customer_moves_both_slots(client, openapi, session, order, outbox):
    api = api_of(client, openapi, session, order.customer)
    dropoff, pickup = slot(session, 11, 28, 10), slot(session, 12, 4, 17)
    response = api.post(
        f"/orders/{order.id}/slots",
        json={"dropoff_slot_id": dropoff.id, "pickup_slot_id": pickup.id},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body == api.get(f"/orders/{order.id}").get_json()  # the same order as GET
    assert body["dropoff_slot"]["id"] == dropoff.id and body["pickup_slot"]["id"] == pickup.id
    assert body["cancellable_until"] == "2026-11-28T10:00:00+01:00"
    assert len(outbox) == 1


def test_only_the_pickup(client, openapi, session, order):
    api = api_of(client, openapi, session, order.customer)
    pickup = slot(session, 12, 4, 17)
    body = api.post(f"/orders/{order.id}/slots", json={"pickup_slot_id": pickup.id}).get_json()
    assert body["pickup_slot"]["id"] == pickup.id
    assert body["dropoff_slot"]["id"] == order.dropoff_slot_id


def test_a_full_slot_is_a_409(client, openapi, session, order):
    api = api_of(client, openapi, session, order.customer)
    full = slot(session, 12, 4, 17, capacity=0)
    response = api.post(f"/orders/{order.id}/slots", json={"pickup_slot_id": full.id})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "slot_full"
    assert response.get_json()["error"]["field"] == "pickup_slot_id"


def test_too_late_is_a_409(client, openapi, session, order):
    order.cancellable_until = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    session.flush()
    api = api_of(client, openapi, session, order.customer)
    response = api.post(
        f"/orders/{order.id}/slots", json={"pickup_slot_id": slot(session, 12, 4, 17).id}
    )
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "too_late"


def test_a_pickup_before_the_work_is_done_is_a_422(client, openapi, session, order):
    api = api_of(client, openapi, session, order.customer)
    response = api.post(
        f"/orders/{order.id}/slots", json={"pickup_slot_id": slot(session, 11, 27, 17).id}
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "pickup_slot_id" and "Trop tôt" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "pickup_slot_id"),
        ({"dropoff_slot_id": None, "pickup_slot_id": None}, "pickup_slot_id"),
        ({"pickup_slot_id": 2_000_000}, "pickup_slot_id"),  # no such slot
        ({"dropoff_slot_id": "3"}, "dropoff_slot_id"),
    ],
)
def test_invalid_bodies_are_422(client, openapi, session, order, body, field):
    api = api_of(client, openapi, session, order.customer)
    response = api.post(f"/orders/{order.id}/slots", json=body)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


def test_another_customers_order_is_a_404_and_staff_get_a_403(client, openapi, session, order):
    pickup = slot(session, 12, 4, 17)
    stranger = api_of(client, openapi, session, factories.make_user(session, Role.RESIDENT))
    response = stranger.post(f"/orders/{order.id}/slots", json={"pickup_slot_id": pickup.id})
    assert response.status_code == 404
    volunteer = api_of(client, openapi, session, factories.make_user(session, Role.VOLUNTEER))
    response = volunteer.post(f"/orders/{order.id}/slots", json={"pickup_slot_id": pickup.id})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    session.refresh(order)
    assert order.pickup_slot_id != pickup.id


def test_the_concierge_moves_any_order(client, openapi, session, order):
    concierge = api_of(client, openapi, session, factories.make_user(session, Role.CONCIERGE))
    pickup = slot(session, 12, 4, 17)
    response = concierge.post(f"/orders/{order.id}/slots", json={"pickup_slot_id": pickup.id})
    assert response.status_code == 200 and response.get_json()["pickup_slot"]["id"] == pickup.id


def test_the_operation_is_documented(document):
    operation = document["paths"]["/api/v1/orders/{order_id}/slots"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "SlotsMove" in schema["$ref"]
