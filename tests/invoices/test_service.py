"""Invoices, receipts and credit notes: when each is issued, and what it says."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conciergerie.invoices import service as invoices
from conciergerie.invoices.jobs import invoice_subscription_years
from conciergerie.manage.service import keep_subscription_history
from conciergerie.models import (
    Document,
    DocumentKind,
    OrderStatus,
    PaymentKind,
    PaymentMethod,
    Role,
)
from conciergerie.orders import jobs as order_jobs
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.payments.ledger import ledger
from tests import factories
from tests.factories import NOW

VAT = "TVA non applicable, article 293 B du CGI"
STEPS = (
    OrderStatus.DROPPED_OFF,
    OrderStatus.AT_PROVIDER,
    OrderStatus.READY_AT_PROVIDER,
    OrderStatus.BACK_AT_DESK,
)


@pytest.fixture
def concierge(session):
    return factories.make_user(session, Role.CONCIERGE)


def back_at_desk(session, order, concierge):
    for step in STEPS:
        orders.advance_order(session, order, step, actor=concierge, now=NOW)
    return order


def pay(session, order, concierge, amount=None, kind=PaymentKind.DESK_CASH):
    amount = ledger(order).balance_due_cents if amount is None else amount
    return payments.record_desk_payment(
        session, order, amount_cents=amount, kind=kind, actor=concierge, now=NOW
    )


def two_line_order(session):
    """3 × 12 € and 1 × 8 € from one provider, with the resident's 1,50 € fee."""
    provider = factories.make_provider(session)
    shirts = factories.make_offer(session, provider=provider, price_cents=1200, turnaround_days=1)
    shoes = factories.make_offer(session, provider=provider, price_cents=800, turnaround_days=1)
    return orders.place_order(
        session,
        customer=factories.make_user(session),
        lines=[orders.RequestedLine(shirts, 3), orders.RequestedLine(shoes, 1)],
        dropoff_slot=factories.make_slot(session),
        pickup_slot=factories.make_slot(session, starts_at=NOW + timedelta(days=7)),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=factories.SETTINGS,
    )


def documents(session, kind=None):
    query = sa.select(Document).order_by(Document.id)
    if kind is not None:
        query = query.where(Document.kind == kind)
    return list(session.scalars(query))


def test_the_invoice_is_issued_at_handover_for_what_the_ledger_charges(session, concierge):
    order = back_at_desk(session, two_line_order(session), concierge)
    order.lines[1].cannot_do_reason = "Semelle introuvable"  # not done: not charged
    session.flush()
    pay(session, order, concierge)
    assert invoices.invoice_of(order) is None  # not before the work is done and handed over

    orders.advance_order(session, order, OrderStatus.HANDED_OVER, actor=concierge, now=NOW)

    invoice = invoices.invoice_of(order)
    assert invoice.number == "F-2026-000001"
    assert invoice.total_cents == ledger(order).total_cents == 3 * 1200 + 150
    content = invoice.content
    assert [(line["label"], line["amount_cents"]) for line in content["lines"]] == [
        (order.lines[0].name, 3600),
        ("Frais de service de la conciergerie", 150),
    ]
    assert {t["label"]: t["amount_cents"] for t in content["totals"]} == {
        "Total": 3750,
        "Déjà réglé": 3750,
        "Reste dû": 0,
    }
    assert content["customer"]["name"] == order.customer.full_name
    assert content["issuer"]["name"] == "Association Et voilà Gambetta"
    assert content["vat_mention"] == VAT
    assert invoice.issued_at == NOW


def test_an_order_that_charges_nothing_gets_no_invoice(session, concierge):
    order = back_at_desk(session, factories.make_order(session), concierge)
    order.lines[0].cannot_do_reason = "Cuir trop abîmé"
    session.flush()
    orders.advance_order(session, order, OrderStatus.HANDED_OVER, actor=concierge, now=NOW)
    assert invoices.invoice_of(order) is None
    assert documents(session) == []


def test_a_payment_gets_a_numbered_receipt_before_the_invoice(session, concierge):
    order = factories.make_order(session, quantity=2)
    payment = pay(session, order, concierge, amount=1000)
    second = pay(session, order, concierge, kind=PaymentKind.DESK_CARD)

    first, other = documents(session, DocumentKind.RECEIPT)
    assert (first.number, other.number) == ("R-2026-000001", "R-2026-000002")
    assert first.payment is payment and first.order is order and first.refers_to is None
    assert first.total_cents == 1000 and other.total_cents == second.amount_cents == 1150
    assert "Mode de paiement : espèces au comptoir" in first.content["notes"]
    assert "Mode de paiement : carte bancaire au comptoir" in other.content["notes"]
    assert documents(session, DocumentKind.INVOICE) == []


def test_uncollected_work_is_invoiced_and_its_later_payment_refers_to_the_invoice(
    session, concierge
):
    order = back_at_desk(session, factories.make_order(session), concierge)
    assert order_jobs.mark_uncollected(session, now=NOW + timedelta(days=60), after_days=30) == 1

    invoice = invoices.invoice_of(order)
    assert invoice.number == "F-2027-000001"  # marked in January 2027: that year's sequence
    assert {t["label"]: t["amount_cents"] for t in invoice.content["totals"]}["Reste dû"] == 1150

    pay(session, order, concierge)
    [receipt] = documents(session, DocumentKind.RECEIPT)
    assert receipt.refers_to is invoice
    assert f"Règlement de la facture {invoice.number}" in receipt.content["notes"]
    # Handed over at last: still one invoice.
    orders.advance_order(session, order, OrderStatus.HANDED_OVER, actor=concierge, now=NOW)
    assert len(documents(session, DocumentKind.INVOICE)) == 1


def test_a_refund_that_lowers_the_invoiced_total_issues_a_credit_note(session, concierge):
    order = back_at_desk(session, factories.make_order(session), concierge)
    pay(session, order, concierge)
    orders.advance_order(session, order, OrderStatus.HANDED_OVER, actor=concierge, now=NOW)
    invoice = invoices.invoice_of(order)

    payments.manual_refund(
        session,
        order,
        amount_cents=300,
        reason="Retard de trois jours",
        actor=concierge,
        gateway=None,
        now=NOW,
    )

    [note] = documents(session, DocumentKind.CREDIT_NOTE)
    assert note.number == "A-2026-000001"
    assert note.refers_to is invoice and note.total_cents == 300
    assert note.content["lines"][0]["label"] == "Retard de trois jours"
    assert f"Avoir sur la facture {invoice.number}" in note.content["notes"]
    assert invoice.total_cents == 1150  # the invoice itself never changes
    assert invoices.credited_cents(session, invoice) == 300


def test_money_given_back_that_was_never_invoiced_needs_no_credit_note(session, concierge):
    order = back_at_desk(session, two_line_order(session), concierge)
    pay(session, order, concierge)  # paid for both lines
    order.lines[1].cannot_do_reason = "Semelle introuvable"
    session.flush()
    orders.advance_order(session, order, OrderStatus.HANDED_OVER, actor=concierge, now=NOW)
    assert invoices.invoice_of(order).total_cents == 3750

    assert payments.refund_at_desk(session, order, actor=concierge, now=NOW) == 800

    assert documents(session, DocumentKind.CREDIT_NOTE) == []


def test_a_cancelled_order_refunded_has_a_receipt_and_no_invoice(session, concierge):
    order = factories.make_order(session)
    pay(session, order, concierge)
    orders.cancel_order(session, order, actor=concierge, now=NOW)
    payments.refund_at_desk(session, order, actor=concierge, now=NOW)
    assert [d.kind for d in documents(session)] == [DocumentKind.RECEIPT]


def test_an_issued_document_never_changes(session, concierge):
    order = factories.make_order(session)
    pay(session, order, concierge)
    [receipt] = documents(session)

    with pytest.raises(invoices.DocumentChanged), session.begin_nested():
        receipt.total_cents = 1
        session.flush()
    with pytest.raises(invoices.DocumentChanged), session.begin_nested():
        session.delete(receipt)
        session.flush()
    assert documents(session)[0].total_cents == 1150


def test_the_database_refuses_a_change_to_an_issued_document(session, concierge):
    order = factories.make_order(session)
    pay(session, order, concierge)
    [receipt] = documents(session)
    for statement in (
        sa.update(Document).where(Document.id == receipt.id).values(total_cents=1),
        sa.delete(Document).where(Document.id == receipt.id),
    ):
        with pytest.raises(sa.exc.DBAPIError), session.begin_nested():
            session.execute(statement)


def test_the_vat_mention_and_the_issuer_come_from_the_configuration(app, session, concierge):
    order = factories.make_order(session)
    settings = {
        "VAT_MENTION": "TVA acquittée sur les encaissements",
        "ASSOCIATION_SIRET": "12345678900012",
    }
    old = {key: app.config[key] for key in settings}
    app.config.update(settings)
    try:
        pay(session, order, concierge)
    finally:
        app.config.update(old)
    [receipt] = documents(session)
    assert receipt.content["vat_mention"] == "TVA acquittée sur les encaissements"
    assert receipt.content["issuer"]["siret"] == "12345678900012"


# Company subscriptions --------------------------------------------------------------------------


def subscribing_company(session, **kw):
    kw.setdefault("name", "Pixels du Nord")
    kw.setdefault("address", "75 rue Gambetta, 59000 Lille")
    kw.setdefault("siret", "98765432100019")
    kw.setdefault("billing_email", "compta@pixels.example")
    company = factories.make_member_company(
        session, is_subscriber=True, yearly_fee_cents=120000, **kw
    )
    return company


def test_a_company_subscription_is_invoiced_when_its_period_starts_and_mailed(session, outbox):
    company = subscribing_company(session)
    keep_subscription_history(session, company, now=NOW)

    [invoice] = documents(session, DocumentKind.INVOICE)
    assert invoice.number == "F-2026-000001"
    assert invoice.company is company and invoice.period_starts_on == NOW.date()
    assert invoice.total_cents == 120000
    assert invoice.content["customer"] == {
        "name": "Pixels du Nord",
        "address": "75 rue Gambetta, 59000 Lille",
        "siret": "98765432100019",
    }
    assert any("L441-10" in note for note in invoice.content["notes"])  # late-payment terms
    [mail] = outbox
    assert mail.to == ["compta@pixels.example"]
    assert "F-2026-000001" in mail.subject
    assert "98765432100019" in mail.body and VAT in mail.body
    [(html, _)] = mail.alternatives
    assert "98765432100019" in html and 'style="text-align:right"' in html  # styled inline

    keep_subscription_history(session, company, now=NOW + timedelta(days=3))  # in step
    assert len(documents(session, DocumentKind.INVOICE)) == 1


def test_a_fee_corrected_the_same_day_cancels_the_first_invoice_with_a_credit_note(session):
    company = subscribing_company(session, billing_email=None)
    keep_subscription_history(session, company, now=NOW)
    company.yearly_fee_cents = 90000
    keep_subscription_history(session, company, now=NOW)

    first, second = documents(session, DocumentKind.INVOICE)
    [note] = documents(session, DocumentKind.CREDIT_NOTE)
    assert (first.total_cents, second.total_cents) == (120000, 90000)
    assert note.refers_to is first and note.total_cents == 120000
    assert second.number == "F-2026-000002"


def test_a_company_at_no_fee_gets_no_invoice(session):
    company = subscribing_company(session)
    company.yearly_fee_cents = 0
    keep_subscription_history(session, company, now=NOW)
    assert documents(session) == []


def test_each_new_year_of_a_subscription_is_invoiced_once(session, outbox):
    company = subscribing_company(session)
    keep_subscription_history(session, company, now=NOW)  # from 25 November 2026
    assert invoice_subscription_years(session, now=NOW + timedelta(days=364)) == 0
    a_year_on = NOW + timedelta(days=365)  # 25 November 2027
    assert invoice_subscription_years(session, now=a_year_on) == 1
    assert invoice_subscription_years(session, now=a_year_on) == 0  # safe to re-run

    first, second = documents(session, DocumentKind.INVOICE)
    assert second.number == "F-2027-000001" and second.total_cents == 120000
    assert second.period_starts_on.isoformat() == "2027-11-25"
    assert "du 25/11/2027 au 24/11/2028" in second.content["lines"][0]["label"]
    assert [mail.subject.split()[1] for mail in outbox] == [first.number, second.number]


def test_a_subscription_stopped_before_its_anniversary_is_not_invoiced_again(session):
    company = subscribing_company(session, billing_email=None)
    keep_subscription_history(session, company, now=NOW)
    company.is_subscriber, company.yearly_fee_cents = False, 0
    keep_subscription_history(session, company, now=NOW + timedelta(days=200))
    assert invoice_subscription_years(session, now=NOW + timedelta(days=800)) == 0


def test_the_customers_data_export_lists_their_documents(session, concierge):
    from conciergerie.accounts.privacy import export_data

    order = factories.make_order(session)
    pay(session, order, concierge)
    [exported] = export_data(session, order.customer, now=NOW)["orders"]
    assert exported["documents"] == [
        {
            "kind": "receipt",
            "number": "R-2026-000001",
            "issued_at": NOW.isoformat(),
            "total_cents": 1150,
        }
    ]
