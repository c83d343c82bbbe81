"""Mails about closures: a closure over delivery days with baskets already ordered alerts the
concierges."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from conciergerie.accounts.service import active_concierges
from conciergerie.mail import external_url, send_templated
from conciergerie.models import Order, ProviderClosure


def orders_caught(session: Session, closure: ProviderClosure, orders: list[Order]) -> None:
    """Tell every concierge (in the closure's transaction) which orders hold baskets of a
    delivery the provider will not make: theirs to settle with the customers."""
    provider = closure.provider.name
    for concierge in active_concierges(session):
        send_templated(
            concierge,
            "closure_orders_caught",
            _l("%(provider)s sera fermé : des paniers sont déjà commandés", provider=provider),
            provider=provider,
            closure=closure,
            codes=[order.code for order in orders],
            desk_url=external_url("desk.index"),
        )
