"""Scheduled sweep: keep the desk slots generated some weeks ahead (safe to run again)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from conciergerie.slots.service import GenerationReport, generate_slots


def generate_ahead(
    session: Session, *, now: datetime, weeks: int | None = None
) -> GenerationReport:
    config = current_app.config
    return generate_slots(
        session,
        now=now,
        weeks=weeks or config["SLOT_WEEKS_AHEAD"],
        minutes=config["SLOT_MINUTES"],
        capacity=config["SLOT_CAPACITY"],
    )
