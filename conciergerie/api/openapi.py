"""The OpenAPI 3.1 document of /api/v1. The tests validate every response against it."""

from __future__ import annotations

from typing import Any


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


ORDER_ID = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}
BEARER = [{"bearer": []}]
TS = {"type": "string", "format": "date-time"}

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
            "dropoff_slot",
            "pickup_slot",
            "note",
            "placed_at",
            "cancellable_until",
        ],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string", "pattern": "^EVG-[2-9A-Z]{5}$"},
            "status": {
                "enum": [
                    "placed",
                    "confirmed",
                    "dropped_off",
                    "at_provider",
                    "ready_at_provider",
                    "back_at_desk",
                    "handed_over",
                    "cancelled",
                    "no_show",
                ]
            },
            "payment": {"enum": ["desk", "online"]},
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "offer_id",
                        "name",
                        "unit",
                        "unit_price_cents",
                        "quantity",
                        "total_cents",
                    ],
                    "properties": {
                        "offer_id": {"type": "integer"},
                        "name": {"type": "string"},
                        "unit": {"type": "string"},
                        "unit_price_cents": {"type": "integer"},
                        "quantity": {"type": "integer"},
                        "total_cents": {"type": "integer"},
                    },
                },
            },
            "subtotal_cents": {"type": "integer"},
            "fee_cents": {"type": "integer"},
            "total_cents": {"type": "integer"},
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
                        "409": _error_response("Too late to cancel (`too_late`)."),
                        "502": _error_response(
                            "The refund was refused by Stripe; nothing changed."
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
