"""The basket, kept in the signed session cookie (so it survives signing in).

It never holds more items than a customer's order may (`OrderSettings.max_items_per_order`): what
would pass that is refused with the words the order itself would be refused with."""

from __future__ import annotations

from collections.abc import MutableMapping

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from conciergerie.models import Offer, Provider
from conciergerie.models.orders import MAX_LINE_QUANTITY
from conciergerie.orders.service import (
    OrderSettings,
    RequestedLine,
    TooManyItems,
    too_many_items_message,
)

KEY = "basket"
MAX_LINES = 30  # keeps the cookie small


def read(http_session: MutableMapping) -> dict[int, int]:
    """{offer id: quantity}, ignoring anything malformed a client could have sent back."""
    raw = http_session.get(KEY)
    if not isinstance(raw, dict):
        return {}
    basket = {}
    for key, value in raw.items():
        if str(key).isdigit() and isinstance(value, int) and 1 <= value <= MAX_LINE_QUANTITY:
            basket[int(key)] = value
    return basket


def _write(http_session: MutableMapping, basket: dict[int, int]) -> None:
    http_session[KEY] = {str(offer_id): qty for offer_id, qty in basket.items()}


def _check_size(basket: dict[int, int], settings: OrderSettings) -> None:
    """Raises TooManyItems (field "quantity") when `basket` holds more items than an order may."""
    count = sum(basket.values())
    if count > settings.max_items_per_order:
        raise TooManyItems(too_many_items_message(count, settings), field="quantity")


def add(
    http_session: MutableMapping, offer_id: int, quantity: int, *, settings: OrderSettings
) -> None:
    """Add `quantity` of an offer; raises TooManyItems, the basket unchanged, when it would then
    hold more items than an order may."""
    basket = read(http_session)
    if offer_id not in basket and len(basket) >= MAX_LINES:
        return
    basket[offer_id] = basket.get(offer_id, 0) + quantity
    _check_size(basket, settings)
    _write(http_session, basket)


def set_quantity(
    http_session: MutableMapping, offer_id: int, quantity: int, *, settings: OrderSettings
) -> None:
    """Change an offer's quantity (0 takes it out); raises TooManyItems, the basket unchanged,
    when it would then hold more items than an order may."""
    basket = read(http_session)
    if quantity <= 0:
        basket.pop(offer_id, None)
    elif offer_id in basket:
        basket[offer_id] = quantity
        _check_size(basket, settings)
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
