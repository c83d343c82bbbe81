from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.api import service as tokens
from conciergerie.models import ApiToken, Order, OrderStatus, Role
from tests import factories
from tests.api.conftest import Api
from tests.factories import NOW, PASSWORD

SOON = (factories.NOW + timedelta(days=2)).replace(hour=7, minute=0)  # Friday, 8:00 in Paris


@pytest.fixture
def slots(session):
    return [factories.make_slot(session, starts_at=SOON + timedelta(days=n)) for n in range(21)]


@pytest.fixture
def offer(session):
    return factories.make_offer(session, name="Ressemelage", price_cents=1800, turnaround_days=3)


def order_body(offer, slots, **kw):
    body = {
        "lines": [{"offer_id": offer.id, "quantity": 2}],
        "dropoff_slot_id": slots[0].id,
        "pickup_slot_id": slots[10].id,
        "note": "talons usés côté gauche",
        "payment": "desk",
    }
    body.update(kw)
    return body


def test_the_document_is_valid_openapi(api):
    from openapi_spec_validator import validate

    response = api.get("/openapi.json")
    validate(response.get_json())


def test_every_operation_documents_what_it_may_answer(document):
    """Generated from the views' declarations: each operation lists its refusals, in the error
    format; those that need a token say so and document the 401."""
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer"}
    }
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # the path's own ids
                continue
            answers = operation["responses"]
            assert {"400", "413"} <= answers.keys(), (method, path)
            if path != "/api/v1/openapi.json":
                assert "503" in answers, (method, path)
            if "security" in operation:
                assert operation["security"] == [{"bearer": []}] and "401" in answers
            for status, answer in answers.items():
                if status >= "400":
                    assert answer["content"]["application/json"]["schema"] == error
    assert "429" in document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "503" in document["paths"]["/api/v1/orders"]["post"]["responses"]


# Tokens -----------------------------------------------------------------------------------------


def test_token_for_good_credentials_is_stored_hashed(api, session, make_user):
    user = make_user(email="lea@example.org")
    response = api.post("/auth/token", json={"email": "LEA@example.org", "password": PASSWORD})
    assert response.status_code == 200
    token = response.get_json()["token"]
    stored = session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert (
        stored.token_hash != token
        and token not in stored.token_hash
        and len(stored.token_hash) == 64
    )


@pytest.mark.parametrize(
    "body",
    [
        {"email": "lea@example.org", "password": "nope"},
        {"email": "x@example.org", "password": PASSWORD},
    ],
)
def test_bad_credentials_are_a_401(api, make_user, body):
    make_user(email="lea@example.org")
    response = api.post("/auth/token", json=body)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize("body", [None, [], "text", {"email": 3, "password": []}])
def test_malformed_token_requests_are_4xx_json(api, body):
    response = (
        api.post("/auth/token", json=body)
        if body is not None
        else api.post("/auth/token", data="{")
    )
    assert response.status_code in (400, 422)
    assert set(response.get_json()["error"]) == {"code", "message", "field"}


# Bodies a hostile client may send: each is a 400 saying why, never a 500 (a RecursionError while
# decoding, or a string that UTF-8 cannot encode further on).
HOSTILE_BODIES = {
    "nested-100000-deep": (b"[" * 100_000, "imbriqué trop profondément"),
    "nested-900-deep": (b'{"a":' * 900 + b"1" + b"}" * 900, "imbriqué trop profondément"),
    "lone-surrogate-value": (b'{"email": "\\ud800", "password": "x"}', "caractère invalide"),
    "lone-surrogate-key": (b'{"\\udfff": 1, "email": "a@example.org"}', "caractère invalide"),
    "not-json": (b'{"email": ', "pas du JSON valide"),
}


@pytest.mark.parametrize("body, reason", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES)
@pytest.mark.parametrize("path", ["/auth/token", "/orders"])
def test_hostile_json_bodies_are_a_400_that_says_why(customer_api, limits_on, path, body, reason):
    # With the limits on, as in production: the sign-in limits read the e-mail in the body first.
    token = None if path == "/auth/token" else ...  # signing in needs no token
    response = customer_api.post(path, data=body, content_type="application/json", token=token)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and reason in error["message"]


def test_revoked_token_no_longer_works(customer_api):
    assert customer_api.delete("/auth/token").status_code == 204
    response = customer_api.get("/orders/1")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["", "Bearer ", "Bearer evg_forged", "Basic abc", "Bearer " + "x" * 500]
)
def test_orders_need_a_valid_token(api, client, header, offer, slots):
    response = client.post(
        "/api/v1/orders", json=order_body(offer, slots), headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


# Catalogue and slots ----------------------------------------------------------------------------


def test_providers_with_offers(api, offer):
    providers = api.get("/providers").get_json()["providers"]
    found = next(p for p in providers if p["id"] == offer.provider_id)
    assert found["offers"][0] == {
        "id": offer.id,
        "name": "Ressemelage",
        "kind": "service",
        "price_cents": 1800,
        "unit": "la pièce",
        "turnaround_days": 3,
    }


def test_slots_are_listed_with_offset_and_remaining(api, session, slots):
    slots[1].booked = 1
    slots[2].booked = slots[2].capacity
    session.flush()
    start = SOON.date()
    body = api.get(f"/slots?kind=pickup&from={start}&to={start + timedelta(days=3)}").get_json()
    ids = [s["id"] for s in body["slots"]]
    assert slots[0].id in ids and slots[2].id not in ids  # full slots are not open
    second = next(s for s in body["slots"] if s["id"] == slots[1].id)
    assert second["remaining"] == second["capacity"] - 1
    assert second["starts_at"].endswith(("+01:00", "+02:00"))


@pytest.mark.parametrize(
    "query, field",
    [
        ("kind=both", "kind"),
        ("from=demain", "from"),
        ("from=2026-12-10&to=2026-12-01", "to"),
        ("from=2026-12-01&to=2027-06-01", "to"),
    ],
)
def test_bad_slot_queries_name_the_field(api, query, field):
    response = api.get(f"/slots?{query}")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


# Orders -----------------------------------------------------------------------------------------


def test_place_an_order(customer_api, session, offer, slots, outbox):
    response = customer_api.post("/orders", json=order_body(offer, slots))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "confirmed" and body["code"].startswith("EVG-")
    assert body["total_cents"] == 2 * 1800 + 150 and body["fee_cents"] == 150
    assert body["lines"][0]["unit_price_cents"] == 1800
    assert response.headers["Location"] == f"/api/v1/orders/{body['id']}"
    assert len(outbox) == 1  # the same confirmation mail as the HTML flow


def test_idempotency_key_returns_the_same_order(customer_api, session, offer, slots):
    headers = {"Idempotency-Key": "retry-42"}
    first = customer_api.post("/orders", json=order_body(offer, slots), headers=headers)
    again = customer_api.post("/orders", json=order_body(offer, slots), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
    session.refresh(slots[0])
    assert slots[0].booked == 1
    other = customer_api.post(
        "/orders", json=order_body(offer, slots, note="autre"), headers=headers
    )
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "idempotency_mismatch"


def test_full_slot_is_a_409(customer_api, session, offer, slots):
    slots[0].booked = slots[0].capacity
    session.flush()
    response = customer_api.post("/orders", json=order_body(offer, slots))
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "slot_full",
        "message": "Ce créneau est complet : choisissez-en un autre.",
        "field": "dropoff_slot_id",
    }


@pytest.mark.parametrize(
    "change, field",
    [
        ({"lines": [{"offer_id": 999999, "quantity": 1}]}, "lines[0].offer_id"),
        ({"lines": [{"offer_id": "12", "quantity": 1}]}, "lines[0].offer_id"),
        ({"lines": [{"offer_id": "$offer", "quantity": 0}]}, "lines[0].quantity"),
        ({"lines": [{"offer_id": "$offer", "quantity": 1000}]}, "lines[0].quantity"),
        ({"lines": [{"offer_id": "$offer", "quantity": True}]}, "lines[0].quantity"),
        ({"lines": [{"offer_id": "$offer", "quantity": 1}, "x"]}, "lines[1]"),
        ({"lines": []}, "lines"),
        ({"pickup_slot_id": "$slot1"}, "pickup_slot_id"),  # too early for the work
        ({"pickup_slot_id": 999999}, "pickup_slot_id"),
        ({"dropoff_slot_id": "$past"}, "dropoff_slot_id"),
        ({"dropoff_slot_id": None}, "dropoff_slot_id"),
        ({"note": "x" * 501}, "note"),
        ({"note": 42}, "note"),
        ({"payment": "bitcoin"}, "payment"),
    ],
)
def test_bad_orders_are_422_naming_the_field(customer_api, session, offer, slots, change, field):
    past = factories.make_slot(session, starts_at=datetime.now(UTC) - timedelta(days=1))
    values = {"$offer": offer.id, "$slot1": slots[1].id, "$past": past.id}

    def resolve(value):
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return values.get(value, value) if isinstance(value, str) else value

    response = customer_api.post("/orders", json=order_body(offer, slots, **resolve(change)))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_staff_cannot_order_through_the_api(client, openapi, session, make_user, offer, slots):
    volunteer = Api(
        client, openapi, tokens.issue_token(session, make_user(Role.VOLUNTEER), now=NOW)
    )
    assert volunteer.post("/orders", json=order_body(offer, slots)).status_code == 403


def test_someone_elses_order_is_a_404(customer_api, session, make_user):
    other = factories.make_order(session, customer=make_user())
    assert customer_api.get(f"/orders/{other.id}").status_code == 404
    assert customer_api.post(f"/orders/{other.id}/cancel").status_code == 404
    assert other.status is OrderStatus.CONFIRMED


def test_get_and_cancel_my_order(customer_api, session, offer, slots):
    order_id = customer_api.post("/orders", json=order_body(offer, slots)).get_json()["id"]
    assert customer_api.get(f"/orders/{order_id}").get_json()["status"] == "confirmed"
    cancelled = customer_api.post(f"/orders/{order_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    session.refresh(slots[0])
    assert slots[0].booked == 0


def test_cancel_too_late_is_a_409(customer_api, session):
    order = factories.make_order(session, customer=customer_api.user)
    order.cancellable_until = datetime.now(UTC) - timedelta(seconds=1)
    session.flush()
    response = customer_api.post(f"/orders/{order.id}/cancel")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "too_late"


@pytest.mark.parametrize(
    "method, path", [("get", "/nope"), ("delete", "/orders"), ("get", "/orders/abc")]
)
def test_unknown_routes_answer_json(client, method, path):
    response = getattr(client, method)(f"/api/v1{path}")
    assert response.status_code in (404, 405)
    assert response.is_json and "error" in response.get_json()


@pytest.mark.parametrize(
    "path", ["/orders/2147483648", "/orders/99999999999999999999", "/orders/0"]
)
def test_ids_no_row_can_have_are_404_not_500(customer_api, client, path):
    response = client.get(
        f"/api/v1{path}", headers={"Authorization": f"Bearer {customer_api.token}"}
    )
    assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize(
    "change, field",
    [
        ({"lines": [{"offer_id": 2**31, "quantity": 1}]}, "lines[0].offer_id"),
        ({"lines": [{"offer_id": 10**30, "quantity": 1}]}, "lines[0].offer_id"),
        ({"pickup_slot_id": 2**63}, "pickup_slot_id"),
        ({"dropoff_slot_id": -5}, "dropoff_slot_id"),
        ({"payment": []}, "payment"),
        ({"payment": {}}, "payment"),
    ],
)
def test_out_of_range_values_are_422(customer_api, session, offer, slots, change, field):
    response = customer_api.post("/orders", json=order_body(offer, slots, **change))
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


@pytest.mark.parametrize("note", ["\u0000", "a\ud800b"])
def test_unstorable_text_is_refused(customer_api, client, offer, slots, note):
    import json

    body = json.dumps(
        order_body(offer, slots, note=note)
    )  # \ud800 cannot go through the json= helper
    response = client.post(
        "/api/v1/orders",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {customer_api.token}"},
    )
    assert response.status_code == 400 and response.is_json


def test_an_integer_may_be_written_2_0(customer_api, offer, slots):
    body = order_body(offer, slots)
    body["lines"][0]["quantity"] = 2.0  # an integer, as JSON Schema counts it
    response = customer_api.post("/orders", json=body)
    assert response.status_code == 201 and response.get_json()["lines"][0]["quantity"] == 2


def test_unknown_fields_are_ignored_whatever_they_hold(customer_api, offer, slots):
    response = customer_api.post("/orders", json=order_body(offer, slots, extra={"x": "\u0000"}))
    assert response.status_code == 201


@pytest.mark.parametrize(
    "query", ["from=9999-12-31", "from=0001-01-01", "from=9999-12-01&to=9999-12-31"]
)
def test_dates_out_of_range_are_422(api, query):
    response = api.get(f"/slots?{query}")
    assert response.status_code == 422


def test_tokens_stop_working_after_a_password_change(customer_api, session):
    from conciergerie.accounts import service as accounts

    accounts.set_password(customer_api.user, "un-tout-nouveau-secret")
    session.flush()
    assert customer_api.get("/orders/1").status_code == 401


def test_oversized_requests_get_the_documented_error_shape(api, client):
    # The document's `default` response covers it (and validation runs in api.post).
    assert (
        api.post(
            "/auth/token", data="x" * (7 * 1024 * 1024), content_type="application/json"
        ).status_code
        == 413
    )
    # An undocumented method has no operation to validate against: check the shape by hand.
    response = client.delete("/api/v1/providers")
    assert response.status_code == 405 and set(response.get_json()["error"]) == {
        "code",
        "message",
        "field",
    }


def test_a_tokens_last_use_is_written_at_most_once_a_minute(session, make_user):
    """Each request of one token must not wait on that token's row: "last used" is kept to the
    minute, not written on every call."""
    user = make_user(Role.RESIDENT)
    token = tokens.issue_token(session, user, now=NOW)
    _user, found = tokens.user_for_token(session, token, now=NOW)
    assert found.last_used_at == NOW
    tokens.user_for_token(session, token, now=NOW + timedelta(seconds=59))
    assert found.last_used_at == NOW and found not in session.dirty
    tokens.user_for_token(session, token, now=NOW + timedelta(minutes=1))
    assert found.last_used_at == NOW + timedelta(minutes=1)
