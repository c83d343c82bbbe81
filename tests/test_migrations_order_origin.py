"""Orders placed before `customer_order.origin` existed are given who placed them; the cap of 50
per line does not come back over lines that hold more."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import flask_migrate
import pytest
import sqlalchemy as sa

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.extensions import db as _db
from conciergerie.models import OrderOrigin, PaymentMethod, Role
from conciergerie.orders import service as orders
from conciergerie.subscriptions import service as subscriptions
from tests.factories import NOW, SETTINGS, make_basket_offer, make_order, make_slot, make_user

BEFORE = "5f0e0153b275"  # the revision before the origin of orders
THURSDAY = date(2026, 12, 3)
DELIVERY = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 17:00 in Paris


def _place_one_of_each(session) -> dict[int, OrderOrigin]:
    customer = make_user(session, Role.RESIDENT)
    basket = make_basket_offer(session)
    make_slot(session, starts_at=DELIVERY, capacity=10)
    own = make_order(session, customer=customer)
    counter = orders.place_order(
        session,
        customer=customer,
        lines=[orders.RequestedLine(basket, 1)],
        dropoff_slot=None,
        pickup_slot=make_slot(session, starts_at=DELIVERY),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
        at_counter=make_user(session, Role.CONCIERGE),
    )
    subscription = subscriptions.subscribe(
        session,
        customer=customer,
        offer=basket,
        quantity=1,
        every_weeks=1,
        first_delivery=THURSDAY,
        pickup_from=time(16, 30),
        payment=PaymentMethod.DESK,
        now=NOW,
        lead=timedelta(days=3),
        settings=SETTINGS,
    )
    delivered = subscriptions.place_delivery(
        session, subscription, THURSDAY, now=NOW, settings=SETTINGS
    )
    return {
        own.id: OrderOrigin.CUSTOMER,
        counter.id: OrderOrigin.COUNTER,
        delivered.order.id: OrderOrigin.SUBSCRIPTION,
    }


def _origins(connection) -> dict[int, OrderOrigin]:
    rows = connection.execute(sa.text("SELECT id, origin FROM customer_order"))
    return {id_: OrderOrigin(origin) for id_, origin in rows}


def test_orders_from_before_are_given_who_placed_them(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'o.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        session = _db.session
        expected = _place_one_of_each(session)
        session.commit()
        session.remove()
        flask_migrate.downgrade(revision=BEFORE)
        with _db.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("customer_order")}
        assert "origin" not in columns
        flask_migrate.upgrade()
        with _db.engine.connect() as connection:
            assert _origins(connection) == expected
        _db.engine.dispose()


def test_the_cap_of_50_does_not_come_back_over_a_larger_line(tmp_path, capfd):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'q.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        session = _db.session
        make_order(session, quantity=1)
        session.execute(sa.text("UPDATE order_line SET quantity = 60"))  # as at the counter
        session.commit()
        session.remove()
        with pytest.raises(SystemExit):  # flask db downgrade fails, saying why
            flask_migrate.downgrade(revision=BEFORE)
        assert "1 order line(s) hold more than 50 items" in capfd.readouterr().err
        with _db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT quantity FROM order_line")).scalar() == 60
        _db.engine.dispose()
