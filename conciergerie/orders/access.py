"""Loading an order for the signed-in person."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from conciergerie import policy
from conciergerie.extensions import db
from conciergerie.models import Order


def own_order_or_404(order_id: int) -> Order:
    """The order, if the current user may see it; a 404 otherwise (its existence is not told)."""
    order = db.session.get(Order, order_id)
    if order is None or not policy.can_view_order(current_user, order):
        abort(404)
    return order
