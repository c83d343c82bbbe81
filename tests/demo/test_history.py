"""The demo's thirteen weeks (demo/history.py), loaded once at the suite's frozen now into a
database of their own: the reports have figures computed by their own services, no order
stands where its slots say it cannot be, the money of every order handed over is settled, and
the rounds done were tapped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import flask_migrate
import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.demo.service import load_demo_data
from conciergerie.extensions import db as _db
from conciergerie.invoices import service as invoices
from conciergerie.models import (
    BasketDelivery,
    DeliveryOutcome,
    Discount,
    Event,
    Item,
    ItemStage,
    OfferKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderOrigin,
    OrderStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
    PickupRound,
    ProviderPayout,
    QuoteState,
    Refund,
    Registration,
    RoundItem,
    RoundStop,
)
from conciergerie.payments.ledger import ledger
from conciergerie.payouts import service as payouts
from conciergerie.reports import dashboard, impact
from conciergerie.reports import service as reports
from conciergerie.timeutils import local_date
from tests.conftest import _throwaway_postgres
from tests.factories import NOW

NOVEMBER, OCTOBER = date(2026, 11, 1), date(2026, 10, 1)  # NOW is Wednesday 25 November 2026
DEFAULT_RATE = 1000


@pytest.fixture(scope="module")
def demo(database_url: str, tmp_path_factory) -> Iterator[Flask]:
    """An app whose database holds the demo data loaded at NOW (the suite's clock), once for
    the module; the tests only read it."""
    drop = None
    if database_url.startswith("postgresql"):
        url, drop = _throwaway_postgres(database_url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with time_machine.travel(NOW, tick=True), app.app_context():
        flask_migrate.upgrade()
        app.config["DEMO_CREATED"] = load_demo_data(_db.session, now=NOW)
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()
    if drop is not None:
        drop()


@pytest.fixture
def session(demo: Flask):
    with demo.app_context():
        yield _db.session
        _db.session.rollback()
        _db.session.remove()


def _orders(session, *where) -> list[Order]:
    return list(session.scalars(sa.select(Order).where(*where).order_by(Order.id)))


def _first(order: Order, status: OrderStatus):
    return min((e.at for e in order.events if e.to_status is status), default=None)


def test_the_months_accounts_and_the_impact_report_have_figures(session):
    for month in (OCTOBER, NOVEMBER):
        report = reports.month_report(
            session, month, default_rate_bp=DEFAULT_RATE, cost_cents=260_000
        )
        assert report.orders > 10, month
        assert len(report.providers) >= 5, month
        assert report.gross_cents > 0 and report.commissions_cents > 0, month
        assert report.fees_cents > 0 and report.subscriptions_cents > 0, month
    october = impact.impact(
        session, OCTOBER, date(2026, 10, 31), default_rate_bp=DEFAULT_RATE, now=NOW
    )
    assert october.orders > 10 and october.to_providers_cents > 0
    assert october.to_integration_cents > 0 and october.items_repaired > 0
    assert october.produce_grams > 0 and october.off_peak_orders > 0
    assert october.resident_customers > 0 and october.employee_customers > 0
    assert october.rounds > 5 and october.distance_by_bike_m > 0
    labels = {key: key for key in ("off_peak", "office_hours", "residents", "employees")}
    board = dashboard.dashboard(session, now=NOW, money=str, distance=str, labels=labels)
    assert sum(bar.value > 0 for bar in board.orders_per_week) >= 11  # of twelve weeks
    assert sum(bar.value > 0 for bar in board.rounds_per_week) >= 10
    assert len(board.sales_per_provider) >= 6


def test_no_order_stands_where_its_slots_say_it_cannot(session):
    for order in _orders(session):
        dropoff, pickup = order.dropoff_slot, order.pickup_slot
        assert all(event.at <= NOW for event in order.events), order.code
        if order.origin is OrderOrigin.CUSTOMER and dropoff is not None:
            assert order.placed_at < dropoff.starts_at, order.code
        received = _first(order, OrderStatus.DROPPED_OFF)
        if received is not None and dropoff is not None:
            assert received >= dropoff.starts_at, order.code  # never before its slot
        handed = _first(order, OrderStatus.HANDED_OVER)
        if handed is not None:
            assert handed >= pickup.starts_at, order.code
        back = _first(order, OrderStatus.BACK_AT_DESK)
        if back is not None and not order.has_dropoff:  # a basket: on its delivery day
            assert local_date(back) == local_date(pickup.starts_at), order.code
        if order.status is OrderStatus.NO_SHOW:
            assert _first(order, OrderStatus.NO_SHOW) >= dropoff.ends_at, order.code
        if order.status in (OrderStatus.PLACED, OrderStatus.CONFIRMED):
            # Still expected: its drop-off (or its basket's delivery) is not long past.
            expected = dropoff or pickup
            assert expected.ends_at > NOW - timedelta(hours=2), order.code
    # The coming days hold orders where their slots put them.
    coming = Counter(
        o.status for o in _orders(session, Order.status.not_in([OrderStatus.HANDED_OVER]))
    )
    assert coming[OrderStatus.CONFIRMED] >= 3
    assert coming[OrderStatus.BACK_AT_DESK] >= 1


def test_every_order_handed_over_is_settled_invoiced_and_its_items_handed_over(session):
    handed = _orders(session, Order.status == OrderStatus.HANDED_OVER)
    assert len(handed) > 60
    for order in handed:
        account = ledger(order)
        assert account.balance_due_cents == 0 and account.refund_due_cents == 0, order.code
        assert order.total_cents == account.total_cents, order.code
        # Invoiced once done, unless nothing was charged (work that could not be done).
        charged = any(charge.charged for charge in account.lines)
        assert (invoices.invoice_of(order) is not None) is charged, order.code
        for line in order.lines:
            if line.kind is OfferKind.SERVICE:
                assert len(line.items) == line.quantity >= 1, order.code
                assert {item.stage for item in line.items} == {ItemStage.HANDED_OVER}


def test_the_rounds_done_have_their_taps(session):
    past = session.scalars(sa.select(PickupRound).where(PickupRound.ends_at <= NOW)).all()
    assert len(past) > 30
    for round_ in past:
        assert round_.items, round_.id
        for tap in round_.items:
            assert tap.done_at is not None, (round_.day, tap.id)
            assert local_date(tap.done_at) == round_.day and tap.done_by_id == round_.volunteer_id
            moved = [e for item in tap.line.items for e in item.events if e.round_item_id == tap.id]
            assert len(moved) == len(tap.line.items), (round_.day, tap.id)
    # Nothing is tapped ahead of its time.
    ahead = session.scalar(
        sa.select(sa.func.count())
        .select_from(RoundItem)
        .join(RoundStop)
        .where(RoundItem.done_at.is_not(None), RoundStop.arrive_at > NOW)
    )
    assert ahead == 0


def test_the_three_months_hold_the_desks_every_kind_of_day(session):
    statuses = Counter(session.scalars(sa.select(Order.status)))
    for status in (OrderStatus.CANCELLED, OrderStatus.NO_SHOW, OrderStatus.HANDED_OVER):
        assert statuses[status], status
    marked = session.scalars(
        sa.select(OrderEvent.order_id).where(OrderEvent.to_status == OrderStatus.UNCOLLECTED)
    ).all()
    assert marked  # left at the desk past the deadline
    origins = Counter(session.scalars(sa.select(Order.origin)))
    assert all(origins[origin] for origin in OrderOrigin)
    assert session.scalar(
        sa.select(sa.func.count())
        .select_from(Order)
        .where(Order.payment_method == PaymentMethod.ONLINE)
    )
    kinds = Counter(session.scalars(sa.select(Payment.kind)))
    assert kinds[PaymentKind.STRIPE] and kinds[PaymentKind.DESK_CARD]
    quotes = Counter(session.scalars(sa.select(OrderLine.quote_state)))
    assert quotes[QuoteState.ACCEPTED] and quotes[QuoteState.DECLINED]
    assert session.scalar(
        sa.select(sa.func.count())
        .select_from(OrderLine)
        .where(OrderLine.cannot_do_reason.is_not(None), OrderLine.quote_state.is_(None))
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund))
    assert session.scalar(sa.select(sa.func.count()).select_from(Discount))
    outcomes = Counter(session.scalars(sa.select(BasketDelivery.outcome)))
    for outcome in (DeliveryOutcome.ORDERED, DeliveryOutcome.SKIPPED, DeliveryOutcome.PAUSED):
        assert outcomes[outcome], outcome
    held = session.scalars(sa.select(Event).where(Event.ends_at < NOW)).all()
    assert len(held) == 3
    assert all(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .where(Registration.event_id == event.id)
        )
        for event in held
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Item)) > 60


def test_the_providers_were_paid_what_their_ended_months_owed(session):
    paid = session.scalars(sa.select(ProviderPayout)).all()
    assert paid
    for payout in paid:
        account = payouts.month_account(
            session, payout.provider, payout.month, default_rate_bp=DEFAULT_RATE
        )
        assert payout.amount_cents > 0 and account.paid_cents <= account.net_cents
        assert payout.month < NOVEMBER and payout.month <= payout.paid_on <= local_date(NOW)
    owed = payouts.owed_across_months(session, default_rate_bp=DEFAULT_RATE)
    assert sum(provider.owed_cents for provider in owed) > 0  # November's, and more


def test_loading_the_demo_data_again_adds_nothing(demo: Flask, session):
    created = demo.config["DEMO_CREATED"]
    assert created["commandes"] > 40 and created["tournées"] > 30
    assert "étapes refusées" not in created  # no service refused a step of the past
    orders = session.scalar(sa.select(sa.func.count()).select_from(Order))
    assert load_demo_data(session, now=NOW + timedelta(days=1)) == {}
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == orders


def test_the_past_writes_no_mail(session):
    from conciergerie.models import OutboxMail

    # Its mails left at the time (mail.held_back): none waits in the outbox.
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0
