"""Scheduled sweeps (safe to re-run): each year of a company's subscription is invoiced when it
begins; each booking of a room once it took place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conciergerie.invoices.service import invoice_past_bookings, invoice_renewals


def invoice_subscription_years(session: Session, *, now: datetime) -> int:
    return invoice_renewals(session, now=now)


def invoice_room_bookings(session: Session, *, now: datetime) -> int:
    return invoice_past_bookings(session, now=now)
