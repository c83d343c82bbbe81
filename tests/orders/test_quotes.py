"""Lines on quote (sur devis): free until the customer accepts the provider's price; declined,
the item comes back as it went."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from conciergerie.models import OrderStatus, PaymentMethod, QuoteState, Role
from conciergerie.orders import quotes
from conciergerie.orders import service as orders
from conciergerie.payments.ledger import ledger
from conciergerie.portal import service as portal
from tests.conftest import sign_in, submit
from tests.factories import (
    NOW,
    SETTINGS,
    make_offer,
    make_order,
    make_provider,
    make_slot,
    make_user,
)

LATER = NOW + timedelta(hours=2)


@pytest.fixture
def quoted(session):
    """A pair of shoes (on quote, ×2) and a fixed-price polish at the cobbler's, at the cobbler's
    workshop; the cobbler's staff."""
    cobbler = make_provider(session, name="Cordonnerie Gambetta")
    staff = make_user(session, Role.PROVIDER, provider=cobbler)
    repair = make_offer(
        session, provider=cobbler, name="Réparation", price_cents=1500, on_quote=True
    )
    polish = make_offer(session, provider=cobbler, name="Cirage", price_cents=500)
    customer = make_user(session, email="nadia@example.org")
    order = orders.place_order(
        session,
        customer=customer,
        lines=[orders.RequestedLine(repair, 2), orders.RequestedLine(polish, 1)],
        dropoff_slot=make_slot(session),
        pickup_slot=make_slot(session, starts_at=NOW + timedelta(days=8)),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
    )
    concierge = make_user(session, Role.CONCIERGE)
    for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, step, actor=concierge, now=NOW)
    return staff, order


def test_an_offer_on_quote_is_not_charged_when_ordered(session, quoted):
    _staff, order = quoted
    line, polish = order.lines
    assert (line.quote_state, line.unit_price_cents, line.total_cents) == (
        QuoteState.AWAITING_QUOTE,
        0,
        0,
    )
    assert polish.quote_state is None and polish.unit_price_cents == 500
    assert (order.subtotal_cents, order.total_cents) == (500, 650)
    repair = line.offer
    assert orders.quote([orders.RequestedLine(repair, 3)], order.customer, SETTINGS) == (
        orders.Quote(subtotal_cents=0, fee_cents=150)
    )


def test_nothing_to_pay_online_for_an_order_of_quotes_only(session):
    offer = make_offer(session, on_quote=True)
    customer = make_user(session, Role.RESIDENT, solidarity_rate=True)  # no fee
    with pytest.raises(orders.OrderError) as error:
        make_order(
            session,
            customer=customer,
            offer=offer,
            payment=PaymentMethod.ONLINE,
            settings=replace(SETTINGS, online_payment=True),
        )
    assert error.value.field == "payment"


def test_propose_then_accept_sets_the_price_and_the_totals(session, quoted):
    staff, order = quoted
    line = order.lines[0]
    quotes.propose(
        session, line, unit_price_cents=1250, note="Talon et semelle", actor=staff, now=NOW
    )
    assert line.quote_state is QuoteState.PROPOSED and line.unit_price_cents == 0
    assert quotes.waits_for_answer(order)
    # The work cannot start yet: refused at the portal and in the order's own steps.
    with pytest.raises(orders.OrderNotAllowed, match="devis"):
        portal.mark_ready(session, line, actor=staff, now=NOW)
    with pytest.raises(orders.OrderNotAllowed, match="devis"):
        orders.advance_order(session, order, OrderStatus.READY_AT_PROVIDER, actor=staff, now=NOW)
    quotes.accept(session, line, actor=order.customer, now=LATER)
    assert line.quote_state is QuoteState.ACCEPTED and line.quote_answered_at == LATER
    assert line.unit_price_cents == 1250 and line.total_cents == 2500
    assert (order.subtotal_cents, order.total_cents, ledger(order).balance_due_cents) == (
        3000,
        3150,
        3150,
    )
    assert not quotes.waits_for_answer(order)
    assert any("Devis accepté" in event.note for event in order.events)
    # Now the work may be done, and the order moves on when both lines are.
    assert portal.mark_ready(session, line, actor=staff, now=LATER)
    assert portal.mark_ready(session, order.lines[1], actor=staff, now=LATER)
    assert order.status is OrderStatus.READY_AT_PROVIDER


def test_decline_sends_the_item_back_free_like_a_line_not_done(session, quoted):
    staff, order = quoted
    line, polish = order.lines
    quotes.propose(session, line, unit_price_cents=4000, note="Semelle neuve", actor=staff, now=NOW)
    quotes.decline(session, line, actor=order.customer, now=LATER)
    assert line.quote_state is QuoteState.DECLINED and line.quote_answered_at == LATER
    assert line.undone and line.ready_at == LATER and line.unit_price_cents == 0
    assert order.total_cents == 650  # the polish and the fee only
    # The other line done, the order goes back with the rounds.
    portal.mark_ready(session, polish, actor=staff, now=LATER)
    assert order.status is OrderStatus.READY_AT_PROVIDER


def test_answering_twice_or_too_early_is_a_clear_error(session, quoted):
    staff, order = quoted
    line = order.lines[0]
    with pytest.raises(orders.InvalidTransition, match="Aucun prix"):
        quotes.accept(session, line, actor=order.customer, now=NOW)
    quotes.propose(session, line, unit_price_cents=1000, note="Talon", actor=staff, now=NOW)
    with pytest.raises(orders.InvalidTransition, match="déjà été proposé"):
        quotes.propose(session, line, unit_price_cents=900, note="Talon", actor=staff, now=NOW)
    quotes.accept(session, line, actor=order.customer, now=LATER)
    for answer in (quotes.accept, quotes.decline):
        with pytest.raises(orders.InvalidTransition, match="déjà reçu"):
            answer(session, line, actor=order.customer, now=LATER)


def test_only_the_customer_answers_and_only_the_lines_provider_proposes(session, quoted):
    staff, order = quoted
    line = order.lines[0]
    with pytest.raises(orders.OrderNotAllowed):
        quotes.propose(
            session,
            line,
            unit_price_cents=1000,
            note="Talon",
            actor=make_user(session, Role.PROVIDER),
            now=NOW,
        )
    quotes.propose(session, line, unit_price_cents=1000, note="Talon", actor=staff, now=NOW)
    for someone in (make_user(session), make_user(session, Role.CONCIERGE), staff):
        with pytest.raises(orders.OrderNotAllowed):
            quotes.accept(session, line, actor=someone, now=LATER)
    assert line.quote_state is QuoteState.PROPOSED


def test_a_quote_needs_the_item_at_the_provider_and_a_sane_price(session):
    cobbler = make_provider(session)
    staff = make_user(session, Role.PROVIDER, provider=cobbler)
    order = make_order(session, offer=make_offer(session, provider=cobbler, on_quote=True))
    line = order.lines[0]
    with pytest.raises(orders.InvalidTransition, match="pas encore"):
        quotes.propose(session, line, unit_price_cents=1000, note="Talon", actor=staff, now=NOW)
    with pytest.raises(orders.OrderError):
        quotes.propose(session, line, unit_price_cents=-1, note="Talon", actor=staff, now=NOW)
    with pytest.raises(orders.OrderError):
        quotes.propose(session, line, unit_price_cents=100, note="  ", actor=staff, now=NOW)
    fixed = make_order(session, offer=make_offer(session, provider=cobbler))
    with pytest.raises(orders.OrderError, match="prix fixe"):
        quotes.propose(
            session, fixed.lines[0], unit_price_cents=100, note="x", actor=staff, now=NOW
        )


# The customer's order page ----------------------------------------------------------------------


def _proposed(session, quoted, price=1250):
    staff, order = quoted
    quotes.propose(
        session, order.lines[0], unit_price_cents=price, note="Talon et semelle", actor=staff,
        now=NOW,
    )  # fmt: skip
    return order


def test_the_customer_sees_the_price_and_accepts_it(client, session, quoted):
    order = _proposed(session, quoted)
    line = order.lines[0]
    sign_in(client, order.customer)
    url = f"/commandes/{order.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Talon et semelle" in page and "12,50\xa0€" in page
    assert f"/lignes/{line.id}/devis/accepter" in page and "Refuser" in page
    response = submit(client, f"{url}/lignes/{line.id}/devis/accepter", {}, form_url=url)
    assert response.status_code == 302 and response.location.endswith(url)
    session.expire_all()
    assert line.quote_state is QuoteState.ACCEPTED and order.total_cents == 3150
    page = client.get(url).get_data(as_text=True)
    assert "Devis accepté" in page and "devis/accepter" not in page
    # A second answer (a double click, an old tab) is explained on the order's page, not a crash.
    response = submit(client, f"{url}/lignes/{line.id}/devis/refuser", {}, form_url=url)
    assert response.status_code == 409 and "déjà reçu votre réponse" in response.get_data(
        as_text=True
    )
    session.expire_all()
    assert line.quote_state is QuoteState.ACCEPTED


def test_the_customer_declines(client, session, quoted):
    order = _proposed(session, quoted)
    line = order.lines[0]
    sign_in(client, order.customer)
    url = f"/commandes/{order.id}"
    response = submit(
        client, f"{url}/lignes/{line.id}/devis/refuser", {}, form_url=url, follow_redirects=True
    )
    assert "sans frais" in response.get_data(as_text=True)
    session.expire_all()
    assert line.quote_state is QuoteState.DECLINED and line.ready_at is not None


def test_others_cannot_answer(app, client, session, quoted, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    staff, _ = quoted
    order = _proposed(session, quoted)
    line = order.lines[0]
    path = f"/commandes/{order.id}/lignes/{line.id}/devis/accepter"
    for someone, expected in (
        (make_user(session), 404),
        (staff, 404),
        (make_user(session, Role.CONCIERGE), 403),
    ):
        sign_in(client, someone)
        assert client.post(path, data={}).status_code == expected
    # A line of another order under this order's address: a 404.
    other = make_order(session, customer=order.customer)
    sign_in(client, order.customer)
    wrong = f"/commandes/{order.id}/lignes/{other.lines[0].id}/devis/accepter"
    assert client.post(wrong, data={}).status_code == 404
    session.expire_all()
    assert line.quote_state is QuoteState.PROPOSED


def test_a_post_without_its_token_is_refused(client, session, quoted):
    order = _proposed(session, quoted)
    sign_in(client, order.customer)
    path = f"/commandes/{order.id}/lignes/{order.lines[0].id}/devis/accepter"
    assert client.post(path, data={}).status_code == 400
    session.expire_all()
    assert order.lines[0].quote_state is QuoteState.PROPOSED


def test_the_desk_sees_an_order_waiting_for_an_answer(client, session, login_as, quoted):
    order = _proposed(session, quoted)
    login_as(Role.CONCIERGE)
    page = client.get(f"/comptoir/?q={order.code}", follow_redirects=True).get_data(as_text=True)
    assert "attend la réponse du client" in page


def test_the_work_on_an_accepted_quote_is_expected_from_the_acceptance(session, quoted):
    from datetime import date

    from conciergerie.rounds import service as rounds

    staff, order = quoted
    line = order.lines[0]  # 2 working days of turnaround, at the provider since NOW (Wed 25)
    quotes.propose(session, line, unit_price_cents=1250, note="Semelle", actor=staff, now=NOW)
    quotes.accept(session, line, actor=order.customer, now=NOW + timedelta(days=6))  # Tue 1 Dec

    def collected(day):
        moved = rounds._lines_to_move(session, day, set(), SETTINGS.transport_margin_days)
        return [c.line.id for c in moved if c.line.id == line.id]

    assert collected(date(2026, 12, 2)) == []  # started Tuesday: ready Thursday
    assert collected(date(2026, 12, 3)) == [line.id]
