"""`flask restore` and the restore drill: a desk is backed up, restored into a new database and
found back whole (same rows, same sums, same ledger per order), and the restored app carries on.

Runs on the suite's database kind: SQLite by default, PostgreSQL with DATABASE_URL (throw-away
databases are created on that server and dropped after)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

from conciergerie import create_app
from conciergerie.backup import BackupError, backup
from conciergerie.config import TestingConfig
from conciergerie.extensions import db as _db
from conciergerie.extensions import limiter
from conciergerie.invoices import service as invoices
from conciergerie.models import (
    Base,
    BasketSubscription,
    DeskSlot,
    Discount,
    Document,
    DocumentKind,
    Event,
    Order,
    OrderStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
    PickupRound,
    Refund,
    Role,
    User,
)
from conciergerie.orders import service as orders
from conciergerie.orders.jobs import mark_uncollected
from conciergerie.payments import service as payments
from conciergerie.payments.ledger import ledger
from conciergerie.restore import migration_scripts, restore
from tests import factories
from tests.conftest import _throwaway_postgres, sign_in
from tests.factories import NOW, SETTINGS

ONLINE = dataclasses.replace(SETTINGS, online_payment=True)

STEPS = (
    OrderStatus.DROPPED_OFF,
    OrderStatus.AT_PROVIDER,
    OrderStatus.READY_AT_PROVIDER,
    OrderStatus.BACK_AT_DESK,
)


@pytest.fixture
def new_app(database_url: str, tmp_path: Path):
    """`new_app()`: an app on a new, empty database of the suite's kind (dropped after)."""
    drops, apps = [], []

    def make() -> Flask:
        if database_url.startswith("postgresql"):
            url, drop = _throwaway_postgres(database_url)
            drops.append(drop)
        else:
            url = f"sqlite:///{tmp_path / f'db{len(apps)}.sqlite3'}"
        app = create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=url,
            UPLOAD_ROOT=str(tmp_path / "uploads"),
            BACKUP_DIR=str(tmp_path / "saves"),
            DEMO_DATA_ALLOWED=True,
        )
        limiter.enabled = False
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            _db.engine.dispose()
    for drop in drops:
        drop()


def _advance(session, order, concierge, steps, now=NOW):
    for step in steps:
        orders.advance_order(session, order, step, actor=concierge, now=now)
    return order


def _pay(session, order, concierge, amount=None):
    amount = ledger(order).balance_due_cents if amount is None else amount
    payments.record_desk_payment(
        session, order, amount_cents=amount, kind=PaymentKind.DESK_CARD, actor=concierge, now=NOW
    )


def _orders_in_every_state(session, concierge) -> None:
    """Orders in each state the rules reach, paid, refunded, invoiced and credited on the way."""
    session.execute(sa.update(DeskSlot).values(capacity=100))  # many orders on the same slots
    provider = factories.make_provider(session)
    offer = factories.make_offer(session, provider=provider, price_cents=1800, turnaround_days=1)

    def order(**kw):
        return factories.make_order(session, offer=offer, quantity=2, **kw)

    order(payment=PaymentMethod.ONLINE, settings=ONLINE)  # placed, its payment not started
    order(payment=PaymentMethod.ONLINE, settings=ONLINE).status = OrderStatus.AWAITING_PAYMENT
    order()  # confirmed
    for n in range(1, len(STEPS) + 1):
        _advance(session, order(), concierge, STEPS[:n])
    handed = _advance(session, order(), concierge, STEPS)
    _pay(session, handed, concierge)
    orders.advance_order(session, handed, OrderStatus.HANDED_OVER, actor=concierge, now=NOW)
    # Handed over, then 5 € given back at the desk as a gesture: a discount, a refund and a
    # credit note on its invoice.
    payments.manual_refund(
        session,
        handed,
        amount_cents=500,
        reason="Un bouton manquant",
        actor=concierge,
        gateway=None,
        now=NOW,
    )
    cancelled = order()
    _pay(session, cancelled, concierge)
    payments.cancel_and_refund(session, cancelled, actor=concierge, gateway=None, now=NOW)
    payments.refund_at_desk(session, cancelled, actor=concierge, now=NOW)
    _advance(session, order(), concierge, [OrderStatus.NO_SHOW], now=NOW + timedelta(days=3))
    _advance(session, order(), concierge, STEPS)
    session.flush()
    mark_uncollected(session, now=NOW + timedelta(days=60), after_days=30)
    _advance(session, order(), concierge, STEPS)  # back at the desk, not yet uncollected


def build_desk(app: Flask) -> None:
    """The demo desk (providers, accounts, events, slots, checked-in orders, a basket
    subscription), orders in every state with their money, and the next day's rounds."""
    from conciergerie.rounds.jobs import plan_tomorrow

    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = _db.session
        concierge = session.scalar(sa.select(User).where(User.role == Role.CONCIERGE))
        _orders_in_every_state(session, concierge)
        plan_tomorrow(session, now=NOW)
        session.commit()
        states = set(session.scalars(sa.select(Order.status).distinct()))
        assert states == set(OrderStatus)  # the drill holds every state
        for model in (Payment, Refund, Discount, BasketSubscription, Event, PickupRound):
            assert session.scalar(sa.select(sa.func.count()).select_from(model)), model
        assert set(session.scalars(sa.select(Document.kind).distinct())) == set(DocumentKind)


def _figures(value):
    """A ledger as plain values: its dataclasses unfolded, rows replaced by their ids."""
    if isinstance(value, Base):
        return (type(value).__name__, value.id)
    if dataclasses.is_dataclass(value):
        return {f.name: _figures(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_figures(v) for v in value]
    return value


def snapshot(app: Flask) -> dict:
    """Every row of every table, the money's sums and every order's ledger."""
    with app.app_context():
        session = _db.session
        tables = {
            table.name: session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            for table in Base.metadata.sorted_tables
        }
        sums = {
            "paid": session.scalar(sa.select(sa.func.sum(Payment.amount_cents))),
            "refunded": session.scalar(sa.select(sa.func.sum(Refund.amount_cents))),
            "orders": session.scalar(sa.select(sa.func.sum(Order.total_cents))),
            "documents": session.scalar(sa.select(sa.func.sum(Document.total_cents))),
        }
        ledgers = {
            order.id: _figures(ledger(order))
            for order in session.scalars(sa.select(Order).order_by(Order.id))
        }
        _db.session.remove()
    return {"tables": tables, "sums": sums, "ledgers": ledgers}


def carry_on(app: Flask, restored: dict) -> None:
    """The restored app serves the desk page and takes a new order, paid and handed over: its
    id and its invoice number follow on from the restored ones, its code is a new one."""
    with app.app_context():
        session = _db.session
        concierge = session.scalar(sa.select(User).where(User.role == Role.CONCIERGE))
        client = app.test_client()
        sign_in(client, concierge)
        page = client.get("/comptoir/")
        assert page.status_code == 200, page.status_code
        order = factories.make_order(session, quantity=1)
        _advance(session, order, concierge, STEPS)
        _pay(session, order, concierge)
        orders.advance_order(session, order, OrderStatus.HANDED_OVER, actor=concierge, now=NOW)
        session.commit()
        orders_rows = restored["tables"]["customer_order"]
        assert order.id == max(row.id for row in orders_rows) + 1
        assert order.code not in {row.code for row in orders_rows}
        invoice = invoices.invoice_of(order)
        sequences = [
            row.sequence
            for row in restored["tables"]["billing_document"]
            if row.kind == DocumentKind.INVOICE and row.year == invoice.year
        ]
        assert invoice.sequence == max(sequences) + 1
        # Documents stay immutable: the trigger came back with the schema.
        with pytest.raises(sa.exc.DBAPIError), _db.engine.begin() as conn:
            conn.execute(sa.update(Document.__table__).values(total_cents=0))
        _db.session.remove()


def test_the_restore_drill(new_app, tmp_path):
    source = new_app()
    with source.app_context():
        flask_migrate.upgrade()
    build_desk(source)
    before = snapshot(source)
    with source.app_context():
        path = backup(_db.engine.url, tmp_path / "saves", now=NOW)
    target = new_app()
    result = target.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{len(before['tables']['customer_order'])} commandes" in result.output
    after = snapshot(target)
    assert after["sums"] == before["sums"] and all(before["sums"].values())
    assert after["ledgers"] == before["ledgers"]
    for name, rows in before["tables"].items():
        assert after["tables"][name] == rows, name
    carry_on(target, after)


@pytest.fixture
def saved(new_app, tmp_path):
    """A migrated database with one order, backed up; `saved(revision=...)` marks it as taken
    at another revision first."""

    def make(revision: str | None = None) -> Path:
        app = new_app()
        with app.app_context():
            flask_migrate.upgrade()
            factories.make_order(_db.session)
            if revision:
                _db.session.execute(sa.text(f"UPDATE alembic_version SET version_num='{revision}'"))
            _db.session.commit()
            path = backup(_db.engine.url, tmp_path / "saves", now=NOW)
            _db.session.remove()
            _db.engine.dispose()
        return path

    return make


def _scripts() -> object:
    return migration_scripts(str(Path(__file__).resolve().parent.parent / "migrations"))


def test_a_database_holding_data_is_refused_unless_forced(new_app, saved):
    path = saved()
    app = new_app()
    with app.app_context():
        flask_migrate.upgrade()
        factories.make_user(_db.session, email="deja-la@example.org")
        _db.session.commit()
        _db.session.remove()
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code != 0 and "holds data" in result.output and "--force" in result.output
    result = app.test_cli_runner().invoke(args=["restore", "--force", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 commandes" in result.output and "0 paiements" in result.output
    with app.app_context():
        emails = _db.session.scalars(sa.select(User.email)).all()
        assert "deja-la@example.org" not in emails  # emptied first


def test_a_backup_from_a_newer_version_of_the_app_is_refused(new_app, saved):
    path = saved(revision="ffffffffffff")
    app = new_app()
    with app.app_context(), pytest.raises(BackupError, match="newer version"):
        restore(_db.engine, path, scripts=_scripts(), force=False)
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code != 0 and "ffffffffffff" in result.output


def test_a_backup_from_an_older_revision_is_upgraded_after_its_restore(new_app, tmp_path):
    older = new_app()
    with older.app_context():
        flask_migrate.upgrade(revision="e2a9d4c1b7f3")  # before the invoices
        path = backup(_db.engine.url, tmp_path / "saves", now=NOW)
        _db.engine.dispose()
    app = new_app()
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert "factures" in result.output  # the invoices' tables exist now
    with app.app_context():
        head = _scripts().get_current_head()
        assert _db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == head


def test_a_file_that_is_no_backup_is_refused(new_app, tmp_path):
    app = new_app()
    junk = tmp_path / "conciergerie-2026-11-25T010000.sqlite3"
    junk.write_text("not a database")
    result = app.test_cli_runner().invoke(args=["restore", str(junk)])
    assert result.exit_code != 0
