"""Scheduled sweep: place the basket orders of the subscriptions whose cut-off is near (safe to
run again: each delivery day is recorded once)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from conciergerie.orders.service import OrderSettings
from conciergerie.subscriptions.service import figures, place_subscription_orders


def place_orders(session: Session, *, now: datetime) -> dict[str, int]:
    config = current_app.config
    counts = place_subscription_orders(
        session,
        now=now,
        lead=timedelta(days=config["SUBSCRIPTION_LEAD_DAYS"]),
        settings=OrderSettings.from_config(config),  # orders paid at the desk: no Stripe needed
    )
    return figures(counts)
