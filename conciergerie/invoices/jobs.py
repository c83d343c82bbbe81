"""Scheduled sweep (safe to re-run): each year of a company's subscription is invoiced when it
begins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conciergerie.invoices.service import invoice_renewals


def invoice_subscription_years(session: Session, *, now: datetime) -> int:
    return invoice_renewals(session, now=now)
