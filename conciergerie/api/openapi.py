"""The OpenAPI 3.1 document of /api/v1. The tests validate every response against it."""

from __future__ import annotations

from typing import Any

from conciergerie.models import OrderStatus, QuoteState


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


ORDER_ID = _path_id("order_id")
LINE_ID = _path_id("line_id")
BEARER = [{"bearer": []}]
TS = {"type": "string", "format": "date-time"}
CLOCK = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "examples": ["09:00"]}

ROUND_ITEM_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"},
    "action": {
        "enum": ["drop", "collect"],
        "description": "drop: from the desk to the provider; collect: from the provider back.",
    },
    "order_code": {"type": "string", "pattern": "^EVG-[2-9A-Z]{5}$"},
    "offer": {"type": "string", "description": "The name of the order line."},
    "quantity": {"type": "integer", "minimum": 1},
    "note": {"type": "string", "description": "The customer's note on the order."},
    "done_at": {
        "oneOf": [TS, {"type": "null"}],
        "description": "When the volunteer tapped it; null while still to do.",
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "field"],
                "properties": {
                    "code": {"type": "string", "examples": ["slot_full"]},
                    "message": {"type": "string"},
                    "field": {"type": ["string", "null"], "examples": ["lines[0].quantity"]},
                },
            }
        },
    },
    "Credentials": {
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    },
    "Token": {
        "type": "object",
        "required": ["token", "token_type"],
        "properties": {"token": {"type": "string"}, "token_type": {"const": "Bearer"}},
    },
    "Offer": {
        "type": "object",
        "required": ["id", "name", "kind", "price_cents", "unit", "turnaround_days"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"enum": ["service", "basket"]},
            "price_cents": {"type": "integer", "minimum": 0},
            "unit": {"type": "string"},
            "turnaround_days": {"type": "integer", "minimum": 0},
        },
    },
    "Provider": {
        "type": "object",
        "required": ["id", "slug", "name", "category", "address", "offers"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "category": {"type": "string"},
            "address": {"type": "string"},
            "offers": {"type": "array", "items": {"$ref": "#/components/schemas/Offer"}},
        },
    },
    "Slot": {
        "type": "object",
        "required": ["id", "starts_at", "ends_at", "capacity", "remaining"],
        "properties": {
            "id": {"type": "integer"},
            "starts_at": TS,
            "ends_at": TS,
            "capacity": {"type": "integer", "minimum": 0},
            "remaining": {"type": "integer", "minimum": 0},
        },
    },
    "SlotRef": {
        "type": "object",
        "required": ["id", "starts_at", "ends_at"],
        "properties": {"id": {"type": "integer"}, "starts_at": TS, "ends_at": TS},
    },
    "OrderRequest": {
        "type": "object",
        "required": ["lines", "pickup_slot_id"],
        "properties": {
            "lines": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["offer_id", "quantity"],
                    "properties": {
                        "offer_id": {"type": "integer"},
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 50},
                    },
                },
            },
            "dropoff_slot_id": {
                "type": ["integer", "null"],
                "description": "Required when a line is a service; null for baskets only.",
            },
            "pickup_slot_id": {"type": "integer"},
            "note": {"type": "string", "maxLength": 500},
            "payment": {
                "enum": ["desk", "online"],
                "default": "desk",
                "description": "online (with Stripe configured): the answer has checkout_url",
            },
        },
    },
    "Quote": {
        "type": "object",
        "description": "A line on quote (sur devis): the provider inspects the item and names a "
        "price; nothing is done before the customer accepts it.",
        "required": ["state", "unit_price_cents", "note", "proposed_at", "answered_at"],
        "properties": {
            "state": {"enum": [state.value for state in QuoteState]},
            "unit_price_cents": {
                "type": ["integer", "null"],
                "description": "The price proposed, per unit (null until proposed).",
            },
            "note": {"type": "string", "description": "What the work is, by the provider."},
            "proposed_at": {"oneOf": [TS, {"type": "null"}]},
            "answered_at": {"oneOf": [TS, {"type": "null"}]},
        },
    },
    "QuoteAnswer": {
        "type": "object",
        "required": ["answer"],
        "properties": {"answer": {"enum": ["accept", "decline"]}},
    },
    "Order": {
        "type": "object",
        "required": [
            "id",
            "code",
            "status",
            "payment",
            "lines",
            "subtotal_cents",
            "fee_cents",
            "total_cents",
            "balance_due_cents",
            "dropoff_slot",
            "pickup_slot",
            "note",
            "placed_at",
            "cancellable_until",
        ],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string", "pattern": "^EVG-[2-9A-Z]{5}$"},
            "status": {"enum": [status.value for status in OrderStatus]},
            "payment": {"enum": ["desk", "online"]},
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "id",
                        "offer_id",
                        "name",
                        "unit",
                        "unit_price_cents",
                        "quantity",
                        "total_cents",
                        "quote",
                    ],
                    "properties": {
                        "id": {"type": "integer"},
                        "offer_id": {"type": "integer"},
                        "name": {"type": "string"},
                        "unit": {"type": "string"},
                        "unit_price_cents": {
                            "type": "integer",
                            "description": "0 on a line on quote until its price is accepted",
                        },
                        "quantity": {"type": "integer"},
                        "total_cents": {"type": "integer"},
                        "quote": {
                            "oneOf": [{"$ref": "#/components/schemas/Quote"}, {"type": "null"}]
                        },
                    },
                },
            },
            "subtotal_cents": {"type": "integer"},
            "fee_cents": {"type": "integer"},
            "total_cents": {"type": "integer"},
            "balance_due_cents": {
                "type": "integer",
                "minimum": 0,
                "description": "What is still to pay (online or at the desk).",
            },
            "dropoff_slot": {"oneOf": [{"$ref": "#/components/schemas/SlotRef"}, {"type": "null"}]},
            "pickup_slot": {"$ref": "#/components/schemas/SlotRef"},
            "note": {"type": "string"},
            "placed_at": TS,
            "cancellable_until": TS,
            "checkout_url": {
                "type": "string",
                "description": "Only when placing an order paid online: where to pay (Stripe).",
            },
        },
    },
    "RoundItem": {
        "type": "object",
        "description": "An order line to drop at the stop's provider or to collect from it. "
        "Customers' e-mails and phone numbers are never shown.",
        "required": list(ROUND_ITEM_PROPERTIES),
        "properties": ROUND_ITEM_PROPERTIES,
    },
    "RoundItemTapped": {
        "type": "object",
        "required": [*ROUND_ITEM_PROPERTIES, "repeated"],
        "properties": {
            **ROUND_ITEM_PROPERTIES,
            "repeated": {
                "type": "boolean",
                "description": "true when the tap had already been recorded: nothing changed.",
            },
        },
    },
    "RoundStop": {
        "type": "object",
        "required": [
            "id",
            "position",
            "provider",
            "arrive_at",
            "leave_at",
            "opening_hours",
            "items",
        ],
        "properties": {
            "id": {"type": "integer"},
            "position": {"type": "integer", "minimum": 0},
            "provider": {
                "type": "object",
                "required": ["id", "name", "address", "latitude", "longitude"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "address": {"type": "string"},
                    "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                    "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                },
            },
            "arrive_at": TS,
            "leave_at": TS,
            "opening_hours": {
                "type": "array",
                "description": "The provider's opening ranges that day, local time, as "
                '[opens, closes] pairs: [["09:00", "12:30"], ["14:00", "19:00"]]. Empty when '
                "closed (public holidays included).",
                "items": {"type": "array", "items": CLOCK, "minItems": 2, "maxItems": 2},
            },
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/RoundItem"}},
        },
    },
    "PickupRound": {
        "type": "object",
        "required": [
            "id",
            "day",
            "volunteer",
            "starts_at",
            "ends_at",
            "distance_m",
            "locked",
            "stops",
        ],
        "properties": {
            "id": {"type": "integer"},
            "day": {"type": "string", "format": "date"},
            "volunteer": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "starts_at": TS,
            "ends_at": TS,
            "distance_m": {"type": "integer", "minimum": 0},
            "locked": {
                "type": "boolean",
                "description": "Moved by hand: kept as it is when the day is planned again.",
            },
            "stops": {"type": "array", "items": {"$ref": "#/components/schemas/RoundStop"}},
        },
    },
    "RoundTap": {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {
                "enum": ["dropped", "collected"],
                "description": "dropped for a drop item, collected for a collect item.",
            }
        },
    },
}


def build_spec() -> dict[str, Any]:
    spec = _spec()
    # Every operation may also answer 400 (malformed request), 405, 413 (too large) or 503
    # (database unavailable), always in the same error shape.
    for operations in spec["paths"].values():
        for operation in operations.values():
            operation["responses"].setdefault(
                "default", _error_response("Any other error, in the same shape.")
            )
    return spec


def _spec() -> dict[str, Any]:
    unauthorized = _error_response("No token, or an invalid or revoked one.")
    invalid = _error_response("Invalid input; `field` names the input at fault.")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Et voilà Gambetta API",
            "version": "1.0.0",
            "description": "The neighbourhood concierge of La Grappe, Lille. Amounts are integer "
            "euro cents; times are ISO 8601 with the Paris offset. Errors are "
            '`{"error": {"code", "message", "field"}}`.',
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/api/v1/auth/token": {
                "post": {
                    "summary": "Exchange an e-mail and password for a bearer token",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Credentials"}
                            }
                        },
                    },
                    "responses": {
                        "200": _json("Token", "A new token, shown once."),
                        "400": _error_response("The body is not a JSON object."),
                        "401": _error_response("Wrong e-mail or password."),
                        "422": invalid,
                    },
                },
                "delete": {
                    "summary": "Revoke the token used for this call",
                    "security": BEARER,
                    "responses": {"204": {"description": "Revoked."}, "401": unauthorized},
                },
            },
            "/api/v1/providers": {
                "get": {
                    "summary": "The catalogue: active providers with their active offers",
                    "responses": {
                        "200": {
                            "description": "The providers.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["providers"],
                                        "properties": {
                                            "providers": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Provider"},
                                            }
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            },
            "/api/v1/slots": {
                "get": {
                    "summary": "Desk slots with a place left, for a drop-off or a pickup",
                    "description": "Drop-offs and pickups take places in the same slots, so both "
                    "kinds list the same open slots. Whether a pickup leaves time for the work "
                    "(turnaround, transport margin, basket delivery day) is checked when the order "
                    "is placed: a 422 on pickup_slot_id says from when.",
                    "parameters": [
                        {
                            "name": "kind",
                            "in": "query",
                            "schema": {"enum": ["dropoff", "pickup"], "default": "dropoff"},
                        },
                        {
                            "name": "from",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                        },
                        {
                            "name": "to",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Open slots, earliest first.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["slots"],
                                        "properties": {
                                            "slots": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Slot"},
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "422": invalid,
                    },
                }
            },
            "/api/v1/orders": {
                "post": {
                    "summary": "Place an order (paid at the desk)",
                    "security": BEARER,
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "schema": {"type": "string", "maxLength": 100},
                            "description": "A retry with the same key returns the same order.",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/OrderRequest"}
                            }
                        },
                    },
                    "responses": {
                        "201": _json(
                            "Order", "The order (also on a replay of the same Idempotency-Key)."
                        ),
                        "400": _error_response("The body is not a JSON object."),
                        "401": unauthorized,
                        "403": _error_response("This account may not order (staff)."),
                        "409": _error_response("A slot is full (`slot_full`)."),
                        "422": invalid,
                        "503": _error_response(
                            "Online payment is unavailable (Stripe unreachable)."
                        ),
                    },
                }
            },
            "/api/v1/orders/{order_id}": {
                "get": {
                    "summary": "One of the caller's orders",
                    "security": BEARER,
                    "parameters": [ORDER_ID],
                    "responses": {
                        "200": _json("Order", "The order."),
                        "401": unauthorized,
                        "404": _error_response("No such order of the caller's."),
                    },
                }
            },
            "/api/v1/orders/{order_id}/cancel": {
                "post": {
                    "summary": "Cancel an order before its drop-off slot starts",
                    "security": BEARER,
                    "parameters": [ORDER_ID],
                    "responses": {
                        "200": _json("Order", "The cancelled order."),
                        "401": unauthorized,
                        "404": _error_response("No such order of the caller's."),
                        "409": _error_response(
                            "Too late to cancel (`too_late`), or the order is past the point "
                            "where it can be (`invalid_transition`)."
                        ),
                        "502": _error_response(
                            "The refund was refused by Stripe; nothing changed."
                        ),
                    },
                }
            },
            "/api/v1/orders/{order_id}/lines/{line_id}/quote": {
                "post": {
                    "summary": "Accept or decline the price proposed for a line on quote",
                    "description": "Accepted, the price becomes the line's and the totals "
                    "follow (balance_due_cents: pay at the desk, or online on the website); "
                    "declined, the item comes back free. Only the customer answers.",
                    "security": BEARER,
                    "parameters": [ORDER_ID, LINE_ID],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/QuoteAnswer"}
                            }
                        },
                    },
                    "responses": {
                        "200": _json("Order", "The order, with the answer recorded."),
                        "400": _error_response("The body is not a JSON object."),
                        "401": unauthorized,
                        "403": _error_response("Not the customer of this order."),
                        "404": _error_response("No such order of the caller's, or line."),
                        "409": _error_response(
                            "No price to answer yet, or already answered (`invalid_transition`)."
                        ),
                        "422": _error_response("`answer` is neither accept nor decline."),
                    },
                }
            },
            "/api/v1/rounds": {
                "get": {
                    "summary": "The pickup rounds of a day",
                    "description": "A volunteer sees their own rounds; the concierge sees all of "
                    "them. Other accounts get a 403.",
                    "security": BEARER,
                    "parameters": [
                        {
                            "name": "date",
                            "in": "query",
                            "description": "YYYY-MM-DD; today in Europe/Paris by default.",
                            "schema": {"type": "string", "format": "date"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The rounds, earliest first, with their stops in order.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["rounds"],
                                        "properties": {
                                            "rounds": {
                                                "type": "array",
                                                "items": {
                                                    "$ref": "#/components/schemas/PickupRound"
                                                },
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "400": _error_response("The date is not YYYY-MM-DD (`field`: date)."),
                        "401": unauthorized,
                        "403": _error_response("Not a volunteer nor the concierge."),
                    },
                }
            },
            "/api/v1/rounds/{round_id}/stops/{stop_id}/items/{item_id}": {
                "post": {
                    "summary": "Record that an item was dropped at its provider or collected",
                    "description": "The order moves on (a drop puts the line at the provider, a "
                    "collect brings it back to the desk and, with its last line, mails the "
                    "customer). A repeated tap, such as a retry after a lost connection, changes "
                    "nothing and answers `repeated: true`.",
                    "security": BEARER,
                    "parameters": [_path_id("round_id"), _path_id("stop_id"), _path_id("item_id")],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/RoundTap"}
                            }
                        },
                    },
                    "responses": {
                        "200": _json("RoundItemTapped", "The item, as recorded."),
                        "400": _error_response("The body is not a JSON object."),
                        "401": unauthorized,
                        "403": _error_response(
                            "Not the round's volunteer nor the concierge (`forbidden`)."
                        ),
                        "404": _error_response(
                            "No such item in that stop, or no such stop in that round."
                        ),
                        "409": _error_response(
                            "The order is not ready for it, e.g. not dropped off at the desk yet "
                            "(`invalid_transition`)."
                        ),
                        "422": _error_response(
                            "`action` is neither dropped nor collected (`invalid`), or does not "
                            "match the item (`action_mismatch`)."
                        ),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {}},
                        }
                    },
                }
            },
        },
    }
