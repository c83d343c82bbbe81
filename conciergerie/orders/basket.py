"""The basket, kept in the signed session cookie (so it survives signing in)."""

from __future__ import annotations

from collections.abc import MutableMapping

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from conciergerie.models import Offer, Provider
from conciergerie.orders.service import MAX_QUANTITY, RequestedLine

KEY = "basket"
MAX_LINES = 30  # keeps the cookie small


def read(http_session: MutableMapping) -> dict[int, int]:
    """{offer id: quantity}, ignoring anything malformed a client could have sent back."""
    raw = http_session.get(KEY)
    if not isinstance(raw, dict):
        return {}
    basket = {}
    for key, value in raw.items():
        if str(key).isdigit() and isinstance(value, int) and 1 <= value <= MAX_QUANTITY:
            basket[int(key)] = value
    return basket


def _write(http_session: MutableMapping, basket: dict[int, int]) -> None:
    http_session[KEY] = {str(offer_id): qty for offer_id, qty in basket.items()}


def add(http_session: MutableMapping, offer_id: int, quantity: int) -> None:
    basket = read(http_session)
    if offer_id not in basket and len(basket) >= MAX_LINES:
        return
    basket[offer_id] = min(basket.get(offer_id, 0) + quantity, MAX_QUANTITY)
    _write(http_session, basket)


def set_quantity(http_session: MutableMapping, offer_id: int, quantity: int) -> None:
    basket = read(http_session)
    if quantity <= 0:
        basket.pop(offer_id, None)
    elif offer_id in basket:
        basket[offer_id] = min(quantity, MAX_QUANTITY)
    _write(http_session, basket)


def clear(http_session: MutableMapping) -> None:
    http_session.pop(KEY, None)


def lines(session: Session, basket: dict[int, int]) -> list[RequestedLine]:
    """The basket's lines with their offers; offers no longer sold are left out."""
    if not basket:
        return []
    offers = session.scalars(
        sa.select(Offer)
        .join(Offer.provider)
        .where(Offer.id.in_(basket), Offer.is_active, Provider.is_active)
        .options(selectinload(Offer.provider))
        .order_by(Provider.name, Offer.position)
    )
    return [RequestedLine(offer, basket[offer.id]) for offer in offers]
