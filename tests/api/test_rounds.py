"""The volunteers' rounds through the API: listing a day, tapping items as dropped or collected.

Every response goes through `Api`, which validates it against the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from conciergerie.api import service as tokens
from conciergerie.models import (
    OrderStatus,
    PickupRound,
    Role,
    RoundAction,
    RoundItem,
    VolunteerAbsence,
)
from conciergerie.orders import service as orders
from conciergerie.rounds import planner
from conciergerie.rounds import service as rounds
from tests import factories
from tests.api.conftest import Api
from tests.factories import NOW

DEPOT = planner.Place(50.62735, 3.05295)
THURSDAY = date(2026, 11, 26)  # the default drop-off slot: Thursday 8:00–8:30 (Paris)
# Thursday 26 Nov, 10:00 in Paris: after the drop-off slot, during the volunteers' rounds.
ON_THE_ROUND = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LATER_PICKUP = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # Wednesday 2 Dec, 18:00
# Monday 30 Nov, 18:00: Thursday's drop-off + the work + 1 day for the way back.
URGENT_PICKUP = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def on_the_round(monkeypatch):
    """The API's clock: Thursday morning, the day the rounds are planned for."""
    monkeypatch.setattr("conciergerie.api.views.utcnow", lambda: ON_THE_ROUND)


@pytest.fixture
def as_user(client, openapi, session):
    def api_for(user):
        api = Api(client, openapi, tokens.issue_token(session, user, now=NOW))
        api.user = user
        return api

    return api_for


def order_for(session, provider, *, pickup=LATER_PICKUP, turnaround=1, **kw):
    offer = factories.make_offer(
        session, provider=provider, name="Ressemelage", turnaround_days=turnaround
    )
    return factories.make_order(
        session, offer=offer, pickup=factories.make_slot(session, starts_at=pickup), **kw
    )


def dropped_off(session, concierge, *orders_):
    for order in orders_:
        orders.advance_order(
            session, order, OrderStatus.DROPPED_OFF, actor=concierge, now=ON_THE_ROUND
        )


@pytest.fixture
def day(session):
    """Thursday: Alice's round to the cobbler (kept), then Bob's to the ironing shop."""
    concierge = factories.make_user(session, Role.CONCIERGE)
    cobbler = factories.open_provider(
        factories.make_provider(
            session, name="Cordonnerie du Pont", address="12 rue Gambetta", latitude=50.6300
        )
    )
    ironing = factories.open_provider(
        factories.make_provider(session, name="Repassage", latitude=50.6200, longitude=3.0600)
    )
    alice = factories.make_volunteer(session, full_name="Alice Volontaire")
    customer = factories.make_user(
        session, email="cliente-secrete@example.org", phone="+33 6 12 34 56 78"
    )
    order_a = order_for(session, cobbler, customer=customer, note="Talons usés côté gauche")
    dropped_off(session, concierge, order_a)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [round_a] = rounds.rounds_of_day(session, THURSDAY)
    # Alice's round is kept (locked) and she is away for the rest of the day: the next order
    # goes to Bob.
    round_a.locked = True
    session.add(VolunteerAbsence(volunteer_id=alice.id, first_day=THURSDAY, last_day=THURSDAY))
    bob = factories.make_volunteer(session, full_name="Bob Volontaire")
    order_b = order_for(session, ironing)
    dropped_off(session, concierge, order_b)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [round_b] = [r for r in rounds.rounds_of_day(session, THURSDAY) if r.id != round_a.id]
    assert (round_a.volunteer_id, round_b.volunteer_id) == (alice.id, bob.id)
    return SimpleNamespace(
        concierge=concierge,
        cobbler=cobbler,
        alice=alice,
        bob=bob,
        customer=customer,
        order_a=order_a,
        order_b=order_b,
        round_a=round_a,
        round_b=round_b,
    )


def item_path(item: RoundItem) -> str:
    return f"/rounds/{item.stop.round_id}/stops/{item.stop_id}/items/{item.id}"


# Listing a day ----------------------------------------------------------------------------------


def test_a_volunteer_sees_only_their_own_rounds(as_user, day):
    response = as_user(day.alice).get("/rounds?date=2026-11-26")
    assert response.status_code == 200
    [found] = response.get_json()["rounds"]
    assert found["id"] == day.round_a.id and found["day"] == "2026-11-26"
    assert found["volunteer"] == {"id": day.alice.id, "name": "Alice Volontaire"}
    assert found["locked"] is True and found["distance_m"] > 0
    assert found["starts_at"].endswith("+01:00") and found["ends_at"] > found["starts_at"]
    [stop] = found["stops"]
    assert stop["position"] == 0
    assert stop["provider"] == {
        "id": day.cobbler.id,
        "name": "Cordonnerie du Pont",
        "address": "12 rue Gambetta",
        "latitude": 50.63,
        "longitude": 3.052,
    }
    assert stop["opening_hours"] == [["09:00", "12:30"], ["14:00", "19:00"]]
    assert stop["arrive_at"].endswith("+01:00")
    [item] = stop["items"]
    assert item == {
        "id": day.round_a.items[0].id,
        "action": "drop",
        "order_code": day.order_a.code,
        "offer": "Ressemelage",
        "quantity": 1,
        "note": "Talons usés côté gauche",
        "done_at": None,
    }
    # Never the customer's contact.
    text = response.get_data(as_text=True)
    assert "cliente-secrete" not in text and "12 34 56 78" not in text


def test_the_concierge_sees_every_round_of_the_day(as_user, day):
    found = as_user(day.concierge).get("/rounds?date=2026-11-26").get_json()["rounds"]
    assert [r["id"] for r in found] == [
        r.id for r in sorted([day.round_a, day.round_b], key=lambda r: (r.starts_at, r.id))
    ]
    assert {r["volunteer"]["id"] for r in found} == {day.alice.id, day.bob.id}


def test_the_day_defaults_to_today_in_paris(as_user, day):
    found = as_user(day.bob).get("/rounds").get_json()["rounds"]
    assert [r["id"] for r in found] == [day.round_b.id]


def test_another_day_has_no_rounds(as_user, day):
    assert as_user(day.concierge).get("/rounds?date=2026-11-27").get_json() == {"rounds": []}


def test_the_number_of_queries_does_not_grow_with_the_rounds(as_user, day):
    """Alice sees one round, the concierge two (each with its stops and items): same queries."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        as_user(day.alice).get("/rounds?date=2026-11-26")
        alone = len(statements)
        statements.clear()
        everything = as_user(day.concierge).get("/rounds?date=2026-11-26")
        assert len(everything.get_json()["rounds"]) == 2
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    assert alone > 0 and len(statements) == alone


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EMPLOYEE, Role.PROVIDER])
def test_other_accounts_may_not_see_nor_tap_rounds(as_user, make_user, day, role):
    api = as_user(make_user(role))
    response = api.get("/rounds?date=2026-11-26")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    item = day.round_a.items[0]
    assert api.post(item_path(item), json={"action": "dropped"}).status_code == 403
    assert item.done_at is None


def test_rounds_need_a_token(api, day):
    response = api.get("/rounds?date=2026-11-26")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    item = day.round_a.items[0]
    assert api.post(item_path(item), json={"action": "dropped"}).status_code == 401


@pytest.mark.parametrize(
    "raw", ["demain", "2026-13-01", "2026-02-30", "20261126", "2026-W48-4", ""]
)
def test_a_malformed_date_is_a_400(as_user, day, raw):
    response = as_user(day.alice).get(f"/rounds?date={raw}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and error["field"] == "date" and error["message"]


# Tapping items ----------------------------------------------------------------------------------


def test_dropping_moves_the_order_and_a_repeated_tap_changes_nothing(as_user, session, day):
    alice = as_user(day.alice)
    item = day.round_a.items[0]
    response = alice.post(item_path(item), json={"action": "dropped"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["repeated"] is False and body["id"] == item.id and body["action"] == "drop"
    assert body["done_at"] == "2026-11-26T10:00:00+01:00"
    session.expire_all()
    order = day.order_a
    assert order.status is OrderStatus.AT_PROVIDER
    assert order.lines[0].at_provider_at == ON_THE_ROUND
    last = order.events[-1]
    assert (last.to_status, last.actor_id) == (OrderStatus.AT_PROVIDER, day.alice.id)
    assert "Tournée" in last.note
    events = len(order.events)

    again = alice.post(item_path(item), json={"action": "dropped"})
    assert again.status_code == 200
    assert again.get_json() == {**body, "repeated": True}
    session.expire_all()
    assert len(order.events) == events and order.status is OrderStatus.AT_PROVIDER
    assert item.done_at == ON_THE_ROUND and item.done_by_id == day.alice.id
    # The round now shows the item as done.
    listed = alice.get("/rounds?date=2026-11-26").get_json()["rounds"][0]
    assert listed["stops"][0]["items"][0]["done_at"] == body["done_at"]


def test_collecting_brings_the_work_back_and_mails_the_customer(as_user, session, outbox):
    concierge = factories.make_user(session, Role.CONCIERGE)
    cobbler = factories.open_provider(factories.make_provider(session, latitude=50.6300))
    volunteer = as_user(factories.make_volunteer(session))
    # Same-day work: dropped this morning, collected on a later round of the same day.
    order = order_for(session, cobbler, turnaround=0, pickup=URGENT_PICKUP)
    dropped_off(session, concierge, order)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [drop] = rounds.rounds_of_day(session, THURSDAY)[0].items
    assert volunteer.post(item_path(drop), json={"action": "dropped"}).status_code == 200
    session.expire_all()
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [collect] = [
        i
        for r in rounds.rounds_of_day(session, THURSDAY)
        for i in r.items
        if i.action is RoundAction.COLLECT
    ]
    assert volunteer.post(item_path(collect), json={"action": "dropped"}).status_code == 422
    response = volunteer.post(item_path(collect), json={"action": "collected"})
    assert response.status_code == 200 and response.get_json()["repeated"] is False
    session.expire_all()
    assert order.status is OrderStatus.BACK_AT_DESK
    assert [m.to for m in outbox] == [[order.customer.email]]  # sent once committed


def test_the_action_must_match_the_item(as_user, session, day):
    alice = as_user(day.alice)
    item = day.round_a.items[0]  # a drop
    response = alice.post(item_path(item), json={"action": "collected"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "action_mismatch" and error["field"] == "action" and error["message"]
    session.expire_all()
    assert item.done_at is None and day.order_a.status is OrderStatus.DROPPED_OFF


@pytest.mark.parametrize("body", [{}, {"action": "drop"}, {"action": ["dropped"]}, {"action": 1}])
def test_an_unknown_action_is_a_422(as_user, day, body):
    response = as_user(day.alice).post(item_path(day.round_a.items[0]), json=body)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "action"


def test_a_body_that_is_not_an_object_is_a_400(as_user, day):
    response = as_user(day.alice).post(item_path(day.round_a.items[0]), json=["dropped"])
    assert response.status_code == 400


def test_ids_that_do_not_belong_together_are_404(as_user, session, day):
    concierge = as_user(day.concierge)  # may tap any round: only the ids are at fault
    mine, other = day.round_a.items[0], day.round_b.items[0]
    paths = [
        # Bob's item under Alice's stop.
        f"/rounds/{mine.stop.round_id}/stops/{mine.stop_id}/items/{other.id}",
        # Alice's stop under Bob's round.
        f"/rounds/{other.stop.round_id}/stops/{mine.stop_id}/items/{mine.id}",
        f"/rounds/{mine.stop.round_id}/stops/{mine.stop_id}/items/2147483647",
    ]
    for path in paths:
        response = concierge.post(path, json={"action": "dropped"})
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
    session.expire_all()
    assert mine.done_at is None and other.done_at is None


def test_another_volunteers_round_is_a_403(as_user, session, day):
    item = day.round_a.items[0]
    response = as_user(day.bob).post(item_path(item), json={"action": "dropped"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    session.expire_all()
    assert item.done_at is None and day.order_a.status is OrderStatus.DROPPED_OFF


def test_the_concierge_may_tap_any_round(as_user, session, day):
    item = day.round_b.items[0]
    response = as_user(day.concierge).post(item_path(item), json={"action": "dropped"})
    assert response.status_code == 200
    session.expire_all()
    assert day.order_b.status is OrderStatus.AT_PROVIDER and item.done_by_id == day.concierge.id


def test_an_order_not_yet_at_the_desk_is_a_409(as_user, session):
    cobbler = factories.open_provider(factories.make_provider(session))
    volunteer = as_user(factories.make_volunteer(session))
    order = order_for(session, cobbler)  # confirmed: expected at the 8:00 slot, never brought
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [item] = session.scalar(sa.select(PickupRound)).items
    response = volunteer.post(item_path(item), json={"action": "dropped"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "invalid_transition" and order.code in error["message"]
    session.expire_all()
    assert item.done_at is None and order.status is OrderStatus.CONFIRMED
