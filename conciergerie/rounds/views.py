"""Pickup rounds: the volunteer's phone view, and the concierge's plan of the day."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, request
from flask_babel import gettext as _

from conciergerie.models import utcnow
from conciergerie.timeutils import local_date

bp = Blueprint("rounds", __name__, url_prefix="/tournees")


def day_arg() -> date:
    """`?day=YYYY-MM-DD`, today (Paris) by default; a malformed day is a 400 with a reason."""
    raw = request.args.get("day")
    if not raw:
        return local_date(utcnow())
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, description=_("Date invalide : attendu AAAA-MM-JJ."))
