"""Scheduled sweep: unpaid online orders past their hold are cancelled (safe to re-run)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conciergerie.payments.service import expire_unpaid_orders


def expire_unpaid(session: Session, *, now: datetime) -> int:
    return expire_unpaid_orders(session, now=now)
