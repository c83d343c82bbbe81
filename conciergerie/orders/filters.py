"""The templates' filters for orders: their states, their lines' and items' stages, and the
notes of their history, in the reader's language.

Registered by the app factory, apart from conciergerie.i18n: i18n formats money and dates for
every module (the history's notes included), so it imports nothing of the orders."""

from __future__ import annotations

from flask import Flask

from conciergerie.orders.items import next_step
from conciergerie.orders.notes import shown
from conciergerie.orders.progress import line_state_label
from conciergerie.orders.stages import stage_label
from conciergerie.orders.states import order_state_label, status_label


def init_app(app: Flask) -> None:
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["order_state"] = order_state_label
    app.jinja_env.filters["line_state"] = line_state_label
    app.jinja_env.filters["item_next_step"] = next_step
    app.jinja_env.filters["item_stage"] = stage_label
    app.jinja_env.filters["history_note"] = shown
