"""The monthly economics and the impact report count a quote at its accepted price, and a
declined one as nothing sold."""

from __future__ import annotations

from datetime import UTC, date, datetime

from conciergerie.models import OrderStatus, Role
from conciergerie.orders import quotes
from conciergerie.orders import service as orders
from conciergerie.reports import impact, service
from tests.factories import NOW, make_offer, make_order, make_provider, make_user
from tests.reports.test_reports import hand_over

NOVEMBER = date(2026, 11, 1)


def test_an_accepted_quote_counts_at_its_price_and_a_declined_one_not_at_all(session):
    cobbler = make_provider(session, slug="cordo", commission_rate_bp=1000)
    staff = make_user(session, Role.PROVIDER, provider=cobbler)
    concierge = make_user(session, Role.CONCIERGE)
    repair = make_offer(session, provider=cobbler, price_cents=1500, on_quote=True, is_repair=True)
    accepted, declined = make_order(session, offer=repair), make_order(session, offer=repair)
    for order, answer in ((accepted, quotes.accept), (declined, quotes.decline)):
        for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
            orders.advance_order(session, order, step, actor=concierge, now=NOW)
        line = order.lines[0]
        quotes.propose(session, line, unit_price_cents=4200, note="Semelle", actor=staff, now=NOW)
        answer(session, line, actor=order.customer, now=NOW)
        hand_over(session, order, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    report = service.month_report(session, NOVEMBER, default_rate_bp=1000, cost_cents=0)
    [row] = report.providers
    assert (row.gross_cents, row.orders) == (4200, 1)
    assert report.given_back_cents == 0 and report.discounts_cents == 0
    statement = service.provider_statement(session, cobbler, NOVEMBER, default_rate_bp=1_000)
    assert [(s.order_code, s.total_cents) for s in statement] == [(accepted.code, 4200)]
    result = impact.impact(session, NOVEMBER, date(2026, 11, 30), default_rate_bp=1000, now=NOW)
    assert result.items_repaired == 1 and result.to_providers_cents == 4200 - 420
