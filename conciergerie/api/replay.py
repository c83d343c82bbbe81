"""Idempotent order creation: answering again, as it answered, a request already served."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from conciergerie.api.errors import ApiError, error_response
from conciergerie.api.schemas import PLACED_ORDER
from conciergerie.extensions import db
from conciergerie.models import Order
from conciergerie.orders import service as orders


def idempotency_mismatch() -> ApiError:
    return ApiError(
        422,
        "idempotency_mismatch",
        _("Cette Idempotency-Key a déjà servi pour une autre commande."),
        "Idempotency-Key",
    )


def replay_response(order: Order):
    """The order an earlier request with the same Idempotency-Key placed, as it answered."""
    response = jsonify(PLACED_ORDER.dump(order))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/orders/{order.id}"
    response.headers["Idempotent-Replayed"] = "true"
    return response


def replayed(error: orders.RequestReplayed):
    """The same Idempotency-Key arrived twice at once: answer with what the other placed.

    Part of the error boundary (like errors.refused): nothing of this request is kept."""
    db.session.rollback()
    existing = orders.find_by_idempotency_key(db.session, error.customer, error.key)
    if existing is None:
        return error_response(error.status, error.code, str(error), "Idempotency-Key")
    if existing.idempotency_fingerprint != error.fingerprint:
        mismatch = idempotency_mismatch()
        return error_response(mismatch.status, mismatch.code, str(mismatch), mismatch.field)
    return replay_response(existing)
