"""Scheduled sweeps (safe to re-run): unpaid online orders past their hold are cancelled, and what
is owed back on online payments goes back through Stripe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conciergerie.payments.gateway import get_gateway
from conciergerie.payments.service import expire_unpaid_orders, give_back_due_refunds


def expire_unpaid(session: Session, *, now: datetime) -> int:
    return expire_unpaid_orders(session, now=now)


def give_back_refunds(session: Session, *, now: datetime) -> int | None:
    """None when Stripe is not configured (nothing can be owed back online then)."""
    gateway = get_gateway()
    if gateway is None:
        return None
    return give_back_due_refunds(session, gateway=gateway, now=now)
