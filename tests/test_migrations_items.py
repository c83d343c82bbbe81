"""Lines recorded before items existed are given theirs, one per thing, at the stage the line's
stamps and its order's state say, coded as new ones are."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.extensions import db as _db
from conciergerie.models import OrderStatus, Role
from conciergerie.orders import service as orders
from tests.factories import NOW, make_order, make_user

BEFORE = "b8109744f7e9"  # the revision before items


def test_existing_lines_are_given_their_items(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'i.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        session = _db.session
        concierge = make_user(session, Role.CONCIERGE)
        travelling = make_order(session, quantity=3)
        for status in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
            orders.advance_order(session, travelling, status, actor=concierge, now=NOW)
        waiting = make_order(session, quantity=1)
        session.flush()
        codes = {travelling.id: travelling.code, waiting.id: waiting.code}
        ids = travelling.id, waiting.id
        session.commit()
        session.remove()
        flask_migrate.downgrade(revision=BEFORE)
        with _db.engine.connect() as connection:
            assert "order_item" not in sa.inspect(connection).get_table_names()
        flask_migrate.upgrade()
        with _db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT l.order_id, i.number, i.code, i.stage FROM order_item i"
                    " JOIN order_line l ON l.id = i.line_id ORDER BY l.order_id, i.number"
                )
            ).all()
            events = connection.execute(sa.text("SELECT count(*) FROM order_item_event")).scalar()
    first, second = ids
    assert rows == [
        (first, 1, f"{codes[first]}-1", "at_provider"),
        (first, 2, f"{codes[first]}-2", "at_provider"),
        (first, 3, f"{codes[first]}-3", "at_provider"),
        (second, 1, f"{codes[second]}-1", "expected"),
    ]
    assert events == 0  # their past steps stay in the orders' history
