"""The migrations and the models describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from conciergerie.extensions import db as _db


def test_migrations_match_the_models(app):
    # The test database was built by `flask db upgrade` (see conftest), not by create_all.
    with app.app_context(), _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_migrations_create_every_check_constraint_of_the_models(app):
    # compare_metadata does not look at CHECK constraints: compare their names table by table.
    import sqlalchemy as sa

    with app.app_context(), _db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table in _db.metadata.sorted_tables:
            expected = set()
            for constraint in table.constraints:
                if isinstance(constraint, sa.CheckConstraint):
                    expected.add(str(constraint.name))
            for column in table.columns:  # enums add their own CHECK (named by the convention)
                if isinstance(column.type, sa.Enum) and column.type.create_constraint:
                    expected.add(f"ck_{table.name}_{column.type.name}")
            found = {c["name"] for c in inspector.get_check_constraints(table.name)}
            assert found == expected, table.name


def test_the_rounds_migration_places_lines_of_orders_already_on_their_way(tmp_path):
    """Orders at a provider before the rounds existed: their lines get the time they got there."""
    import flask_migrate

    from conciergerie import create_app
    from conciergerie.config import TestingConfig
    from conciergerie.models import OrderLine, OrderStatus, Role
    from conciergerie.orders import service as orders
    from tests.factories import NOW, make_order, make_user

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        session = _db.session
        concierge = make_user(session, Role.CONCIERGE)
        at_provider, waiting = make_order(session), make_order(session)
        for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
            orders.advance_order(session, at_provider, step, actor=concierge, now=NOW)
        session.commit()
        line_ids = (at_provider.lines[0].id, waiting.lines[0].id)
        session.remove()
        flask_migrate.downgrade(revision="970d91d457d3")  # before the rounds: no such columns
        flask_migrate.upgrade()
        moved, still = (session.get(OrderLine, i) for i in line_ids)
        assert moved.at_provider_at == NOW and moved.ready_at is None
        assert still.at_provider_at is None
        session.remove()
        _db.engine.dispose()


def test_every_catalogue_table_draws_a_new_version_on_any_change(db):
    """The triggers (also after a batch migration rebuilt a table on SQLite)."""
    import sqlalchemy as sa

    from conciergerie.catalogue.versions import CATALOGUE_TABLES, current_version
    from tests.factories import make_offer, make_provider, open_provider

    session = db.session
    provider = open_provider(make_provider(session))
    make_offer(session, provider=provider)  # SQLite's triggers run per row: one in each table
    from datetime import date

    from conciergerie.models import ProviderClosure

    provider.closures.append(
        ProviderClosure(first_day=date(2026, 12, 7), last_day=date(2026, 12, 7), reason="Congés")
    )
    session.flush()
    for table in CATALOGUE_TABLES:
        before = current_version(session)
        session.execute(sa.text(f"UPDATE {table} SET id = id"))
        assert current_version(session) != before, table
    before = current_version(session)
    session.execute(
        sa.text("DELETE FROM provider_opening_range WHERE provider_id = :id"), {"id": provider.id}
    )
    assert current_version(session) != before


def test_going_back_and_forth_keeps_the_catalogue_triggers(tmp_path):
    """SQLite drops a table's triggers when a batch migration rebuilds it, both ways."""
    import flask_migrate
    import sqlalchemy as sa

    from conciergerie import create_app
    from conciergerie.config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 't.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="c4d5e6f7a8b9")  # before the provider's new columns
        with _db.engine.connect() as conn:
            triggers = conn.scalars(
                sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
        assert {f"catalogue_changed_provider_{a}" for a in ("insert", "update", "delete")} <= set(
            triggers
        )
        flask_migrate.upgrade()


def test_going_back_turns_withdrawn_basket_weeks_into_not_placed(tmp_path):
    """Before 3f40a43cd883 a withdrawn basket's week was recorded as not placed."""
    from datetime import date, time

    import flask_migrate
    import pytest
    import sqlalchemy as sa

    from conciergerie import create_app
    from conciergerie.config import TestingConfig
    from conciergerie.models import (
        BasketDelivery,
        BasketSubscription,
        DeliveryOutcome,
        PaymentMethod,
        Role,
        SubscriptionStatus,
    )
    from tests.factories import make_basket_offer, make_user

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'w.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        session = _db.session
        subscription = BasketSubscription(
            customer=make_user(session, Role.RESIDENT),
            offer=make_basket_offer(session),
            first_delivery=date(2026, 12, 3),
            pickup_from=time(17, 0),
            payment_method=PaymentMethod.DESK,
            status=SubscriptionStatus.ACTIVE,
        )
        session.add_all(
            [
                BasketDelivery(
                    subscription=subscription,
                    day=date(2026, 12, 3),
                    outcome=DeliveryOutcome.WITHDRAWN,
                ),
                BasketDelivery(
                    subscription=subscription,
                    day=date(2026, 12, 10),
                    outcome=DeliveryOutcome.SKIPPED,
                ),
            ]
        )
        session.commit()
        session.remove()
        outcomes = sa.text("SELECT outcome FROM basket_delivery ORDER BY day")
        insert = sa.text(
            "INSERT INTO basket_delivery (subscription_id, day, outcome, at) "
            "SELECT subscription_id, '2026-12-24', 'withdrawn', at FROM basket_delivery LIMIT 1"
        )

        flask_migrate.downgrade(revision="68c04b156952")
        with _db.engine.connect() as conn:
            assert conn.scalars(outcomes).all() == ["not_placed", "skipped"]
            with pytest.raises(sa.exc.IntegrityError):  # the CHECK knows no 'withdrawn'
                conn.execute(insert)
        flask_migrate.upgrade()
        with _db.engine.begin() as conn:
            conn.execute(insert)
            assert conn.scalars(outcomes).all() == ["not_placed", "skipped", "withdrawn"]
        _db.engine.dispose()


def test_stock_and_closures_go_back_and_forth_and_old_baskets_get_their_delivery_day(tmp_path):
    """5b5bb59e52fb: a short week goes back to not placed; an old basket line gets the day of
    its pickup slot as its delivery day; a stock on a service is refused by the CHECK."""
    from datetime import UTC, date, datetime, time

    import flask_migrate
    import pytest
    import sqlalchemy as sa

    from conciergerie import create_app
    from conciergerie.config import TestingConfig
    from conciergerie.models import (
        BasketDelivery,
        BasketSubscription,
        DeliveryOutcome,
        PaymentMethod,
        Role,
        SubscriptionStatus,
    )
    from tests.factories import make_basket_offer, make_order, make_slot, make_user

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 's.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        session = _db.session
        offer = make_basket_offer(session)
        subscription = BasketSubscription(
            customer=make_user(session, Role.RESIDENT),
            offer=offer,
            first_delivery=date(2026, 12, 3),
            pickup_from=time(17, 0),
            payment_method=PaymentMethod.DESK,
            status=SubscriptionStatus.ACTIVE,
        )
        session.add(
            BasketDelivery(
                subscription=subscription, day=date(2026, 12, 3), outcome=DeliveryOutcome.SHORT
            )
        )
        evening = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
        order = make_order(session, offer=offer, pickup=make_slot(session, starts_at=evening))
        line_id = order.lines[0].id
        session.commit()
        session.remove()

        flask_migrate.downgrade(revision="a1c3e5f7b9d2")
        with _db.engine.connect() as conn:
            assert conn.scalars(sa.text("SELECT outcome FROM basket_delivery")).all() == [
                "not_placed"
            ]
        flask_migrate.upgrade()
        with _db.engine.begin() as conn:
            day = conn.scalar(
                sa.text("SELECT delivery_day FROM order_line WHERE id = :id"), {"id": line_id}
            )
            assert str(day) == "2026-12-03"
            with pytest.raises(sa.exc.IntegrityError):  # a service has no stock
                conn.execute(
                    sa.text(
                        "UPDATE offer SET stock_per_delivery = 3, kind = 'service', "
                        "delivery_weekday = NULL, order_cutoff_weekday = NULL, "
                        "order_cutoff_time = NULL"
                    )
                )
        _db.engine.dispose()
