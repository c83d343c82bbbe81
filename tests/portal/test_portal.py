"""The providers' portal: own lines only, no customer contact details, the "ready" mark."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conciergerie.models import OrderEvent, OrderStatus, Role, User
from conciergerie.orders import service as orders
from conciergerie.payments.ledger import ledger
from conciergerie.portal import service as portal
from tests.conftest import sign_in, submit
from tests.factories import NOW, make_offer, make_order, make_provider, make_user


@pytest.fixture
def at_cobbler(session):
    """An order at the cobbler's, and the cobbler's staff."""
    cobbler = make_provider(session, name="Cordonnerie Gambetta")
    staff = make_user(session, Role.PROVIDER, provider=cobbler)
    customer = make_user(session, full_name="Nadia Benali", phone="0601020304")
    order = make_order(session, customer=customer, offer=make_offer(session, provider=cobbler))
    concierge = make_user(session, Role.CONCIERGE)
    for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, step, actor=concierge, now=NOW)
    return staff, order


def test_the_provider_sees_its_lines_but_no_contact_details(client, session, at_cobbler):
    staff, order = at_cobbler
    other = make_order(session)  # another provider's order
    sign_in(client, staff)
    page = client.get("/prestataire/").get_data(as_text=True)
    assert order.code in page and "NB" in page
    assert other.code not in page
    assert order.customer.email not in page and "0601020304" not in page
    assert "Nadia" not in page


def test_ready_moves_the_order_and_a_repeat_changes_nothing(client, session, at_cobbler):
    staff, order = at_cobbler
    sign_in(client, staff)
    url = f"/prestataire/lignes/{order.lines[0].id}/prete"
    assert submit(client, url, {}, form_url="/prestataire/").status_code == 302
    session.expire_all()
    assert order.status is OrderStatus.READY_AT_PROVIDER and order.lines[0].ready_at
    assert submit(client, url, {}, form_url="/prestataire/").status_code == 302
    session.expire_all()
    assert [e.to_status for e in order.events].count(OrderStatus.READY_AT_PROVIDER) == 1


def test_another_providers_line_is_a_404(client, session, at_cobbler):
    _staff, order = at_cobbler
    sign_in(client, make_user(session, Role.PROVIDER))
    url = f"/prestataire/lignes/{order.lines[0].id}/prete"
    assert submit(client, url, {}, form_url="/prestataire/").status_code == 404
    with pytest.raises(orders.OrderNotAllowed):
        portal.mark_ready(session, order.lines[0], actor=make_user(session, Role.PROVIDER), now=NOW)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EMPLOYEE, Role.VOLUNTEER, Role.CONCIERGE])
def test_only_provider_staff_use_the_portal(client, login_as, role):
    login_as(role)
    assert client.get("/prestataire/").status_code == 403


def test_a_line_not_yet_at_the_provider_cannot_be_ready(session):
    cobbler = make_provider(session)
    staff = make_user(session, Role.PROVIDER, provider=cobbler)
    order = make_order(session, offer=make_offer(session, provider=cobbler))
    with pytest.raises(orders.InvalidTransition):
        portal.mark_ready(session, order.lines[0], actor=staff, now=NOW)


def test_labels_one_per_item_with_the_order_code_in_a_qr(client, session, login_as):
    order = make_order(session, quantity=3)
    login_as(Role.VOLUNTEER)
    page = client.get(f"/comptoir/commandes/{order.id}/etiquettes").get_data(as_text=True)
    assert page.count('class="label"') == 3 and "3/3" in page and "<svg" in page
    assert order.code in page
    small = client.get(f"/comptoir/commandes/{order.id}/etiquettes?format=petite")
    assert small.status_code == 200 and "labels-small" in small.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.PROVIDER])
def test_customers_and_providers_cannot_print_labels(client, session, login_as, role):
    order = make_order(session)
    login_as(role)
    assert client.get(f"/comptoir/commandes/{order.id}/etiquettes").status_code == 403


def test_a_line_that_cannot_be_done_comes_back_alerts_the_concierge_and_is_no_sale(
    client, session, at_cobbler, outbox
):
    from datetime import date

    from conciergerie.reports import service as reports

    staff, order = at_cobbler
    concierge = session.scalar(sa.select(User).where(User.role == Role.CONCIERGE))
    sign_in(client, staff)
    url = f"/prestataire/lignes/{order.lines[0].id}/impossible"
    empty = submit(client, url, {"reason": "  "}, form_url="/prestataire/")
    assert empty.status_code == 422  # the portal again, with what is missing
    assert "Dites en quelques mots pourquoi." in empty.get_data(as_text=True)
    session.expire_all()
    assert order.lines[0].cannot_do_reason is None

    reason = "Cuir trop abîmé pour un ressemelage"
    assert submit(client, url, {"reason": reason}, form_url="/prestataire/").status_code == 302
    session.expire_all()
    line = order.lines[0]
    assert line.cannot_do_reason == reason and line.ready_at is not None
    assert order.status is OrderStatus.READY_AT_PROVIDER  # comes back with the next round
    assert reason in order.events[-1].note
    [mail] = outbox
    assert mail.to == [concierge.email] and order.code in mail.subject
    # Nothing was paid yet: nothing to give back, and the work is not charged.
    assert reason in mail.body and "rien à rembourser" in mail.body
    # A repeat changes nothing and sends nothing.
    repeat = submit(client, url, {"reason": "encore"}, form_url="/prestataire/")
    assert repeat.status_code == 409 and "appelez la conciergerie" in repeat.get_data(as_text=True)
    session.expire_all()
    assert order.lines[0].cannot_do_reason == reason and len(outbox) == 1
    # The desk sees that it is not charged, and nothing left to pay; the customer sees why,
    # and the order is not "ready".
    sign_in(client, concierge)
    desk = client.get(f"/comptoir/?q={order.code}", follow_redirects=True).get_data(as_text=True)
    assert "non facturé" in desk and reason in desk
    assert ledger(order).total_cents == 0 and ledger(order).balance_due_cents == 0
    sign_in(client, order.customer)
    page = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    assert "Non réalisable : revient au comptoir" in page and "Prête chez" not in page
    # Not a sale of the provider's, once handed over.
    order.status = OrderStatus.HANDED_OVER
    session.add(
        OrderEvent(
            order=order,
            from_status=OrderStatus.BACK_AT_DESK,
            to_status=OrderStatus.HANDED_OVER,
            at=NOW,
        )
    )
    session.flush()
    month = reports.month_report(session, date(2026, 11, 1), default_rate_bp=1_000, cost_cents=0)
    assert month.providers == []


def test_the_customer_sees_where_each_item_is_and_why_one_could_not_be_done(
    client, session, at_cobbler
):
    from datetime import timedelta

    _staff, order = at_cobbler
    line = order.lines[0]
    portal.mark_cannot_do(
        session, line, reason="Cuir trop abîmé", actor=_staff, now=NOW + timedelta(hours=2)
    )
    sign_in(client, order.customer)
    html = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    journey = html.split('id="journey"')[1].split("</section>")[0]
    steps = journey.count("<li>")
    assert steps == 3  # dropped off, at the provider, back from it: each with its time
    assert "25 nov. 2026, 10:30" in journey  # dropped off (NOW, in Paris)
    assert "25 nov. 2026, 12:30" in journey  # the provider's mark
    assert "Non réalisable : Cuir trop abîmé" in journey


def test_a_line_already_ready_cannot_be_reported_impossible_silently(client, session, at_cobbler):
    staff, order = at_cobbler
    portal.mark_ready(session, order.lines[0], actor=staff, now=NOW)
    sign_in(client, staff)
    url = f"/prestataire/lignes/{order.lines[0].id}/impossible"
    page = submit(client, url, {"reason": "trop tard"}, form_url="/prestataire/")
    assert page.status_code == 409  # the portal again, with why
    assert "déjà marquée prête : appelez la conciergerie" in page.get_data(as_text=True)
    session.expire_all()
    assert order.lines[0].cannot_do_reason is None


def test_work_not_done_is_no_sale_anywhere_and_its_refund_leaves_the_balance(session, at_cobbler):
    from datetime import UTC, date, datetime

    from conciergerie.models import Payment, PaymentKind
    from conciergerie.payments import service as payments
    from conciergerie.reports import impact
    from conciergerie.reports import service as reports

    staff, order = at_cobbler
    line = order.lines[0]
    line.order.lines[0].offer.is_repair = True
    paid = order.total_cents
    session.add(Payment(order=order, kind=PaymentKind.DESK_CASH, amount_cents=paid))
    session.flush()
    portal.mark_cannot_do(session, line, reason="Impossible", actor=staff, now=NOW)
    # Nothing charged, the fee gone too: all of it is owed back, at the counter.
    assert (ledger(order).total_cents, ledger(order).desk_refund_due_cents) == (0, paid)
    concierge = make_user(session, Role.CONCIERGE)
    payments.refund_at_desk(session, order, actor=concierge, now=NOW)
    order.status = OrderStatus.HANDED_OVER
    session.add(OrderEvent(order=order, from_status=OrderStatus.BACK_AT_DESK,
                           to_status=OrderStatus.HANDED_OVER, at=NOW))  # fmt: skip
    session.flush()
    november = date(2026, 11, 1)
    month = reports.month_report(session, november, default_rate_bp=1_000, cost_cents=0)
    assert month.providers == [] and month.fees_cents == 0
    assert (month.discounts_cents, month.given_back_cents) == (0, paid)
    assert month.balance_cents == month.subscriptions_cents
    assert reports.provider_statement(session, line.provider, november, default_rate_bp=1_000) == []
    figures = impact.impact(
        session, november, date(2026, 11, 30), default_rate_bp=1_000,
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    assert figures.to_providers_cents == 0 and figures.items_repaired == 0
