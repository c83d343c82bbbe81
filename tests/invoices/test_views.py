"""A document's page and PDF: its customer's and the concierge's only, with the French mentions."""

from __future__ import annotations

import re
import zlib

import pytest
import sqlalchemy as sa

from conciergerie.invoices import service as invoices
from conciergerie.manage.service import keep_subscription_history
from conciergerie.models import MemberCompany, OrderStatus, PaymentKind, Role
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from tests import factories
from tests.conftest import sign_in, submit
from tests.factories import NOW
from tests.invoices.test_service import back_at_desk, pay

VAT = "TVA non applicable, article 293 B du CGI"


@pytest.fixture
def invoiced(app, session, monkeypatch):
    """A resident's order paid at the desk (its receipt) and handed over (its invoice), by an
    association whose SIRET is configured."""
    monkeypatch.setitem(app.config, "ASSOCIATION_SIRET", "81234567800015")
    concierge = factories.make_user(session, Role.CONCIERGE)
    provider = factories.make_provider(session)
    offer = factories.make_offer(session, provider=provider, name="Ressemelage", turnaround_days=1)
    order = factories.make_order(session, offer=offer, quantity=2)
    back_at_desk(session, order, concierge)
    pay(session, order, concierge)
    orders.advance_order(session, order, OrderStatus.HANDED_OVER, actor=concierge, now=NOW)
    return order, concierge, provider


def pdf_text(data: bytes) -> str:
    """The PDF's text, its compressed streams opened (enough to look for words in it)."""
    parts = [data.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(parts)


def test_the_customer_finds_their_documents_on_the_order_page(client, invoiced):
    order, _, _ = invoiced
    sign_in(client, order.customer)
    page = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    receipt, invoice = order.documents
    assert "Factures et reçus" in page
    for document in (receipt, invoice):
        assert f"/documents/{document.id}" in page and f"/documents/{document.id}.pdf" in page
    assert "Facture F-2026-000001" in page and "Reçu R-2026-000001" in page
    listed = client.get("/commandes/").get_data(as_text=True)  # "Mes commandes"
    assert f'<a href="/documents/{invoice.id}">Facture F-2026-000001</a>' in listed


def test_the_invoice_page_carries_the_french_mentions(client, invoiced):
    order, _, _ = invoiced
    sign_in(client, order.customer)
    invoice = invoices.invoice_of(order)
    answer = client.get(f"/documents/{invoice.id}")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    for mention in (
        "Association Et voilà Gambetta",
        "La Grappe, 75 rue Gambetta, 59000 Lille",
        "SIRET : 81234567800015",
        order.customer.full_name,
        "Facture n° F-2026-000001",
        "Date : 25/11/2026",
        f"Commande {order.code}",
        "Ressemelage",
        "Frais de service de la conciergerie",
        "21,50",  # 2 × 10 € and the fee
        VAT,
    ):
        assert mention in page, mention
    assert " style=" not in page  # the Content-Security-Policy refuses inline styles


def test_the_pdf_is_a_pdf_with_the_number_and_the_mentions(client, invoiced):
    order, _, _ = invoiced
    sign_in(client, order.customer)
    invoice = invoices.invoice_of(order)
    answer = client.get(f"/documents/{invoice.id}.pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert "F-2026-000001.pdf" in answer.headers["Content-Disposition"]
    data = answer.get_data()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "F-2026-000001" in text
    assert "TVA non applicable, article 293 B du CGI" in text
    assert "81234567800015" in text


@pytest.mark.parametrize("who", ["other resident", "employee", "provider", "volunteer"])
def test_no_one_else_sees_a_customers_documents(client, session, invoiced, who):
    order, _, provider = invoiced
    someone = {
        "other resident": lambda: factories.make_user(session, Role.RESIDENT),
        "employee": lambda: factories.make_user(session, Role.EMPLOYEE),
        "provider": lambda: factories.make_user(session, Role.PROVIDER, provider=provider),
        "volunteer": lambda: factories.make_volunteer(session),
    }[who]()
    sign_in(client, someone)
    for document in order.documents:
        assert client.get(f"/documents/{document.id}").status_code == 404
        assert client.get(f"/documents/{document.id}.pdf").status_code == 404


def test_the_concierge_prints_a_walk_ins_receipt_from_the_desk(client, session, invoiced):
    order, concierge, _ = invoiced
    walk_in = factories.make_order(session)
    payments.record_desk_payment(
        session,
        walk_in,
        amount_cents=1150,
        kind=PaymentKind.DESK_CARD,
        actor=concierge,
        now=NOW,
    )
    [receipt] = walk_in.documents
    sign_in(client, concierge)
    found = client.get(f"/comptoir/?q={walk_in.code}", follow_redirects=True)
    desk = found.get_data(as_text=True)  # the order's desk page
    assert f"/documents/{receipt.id}" in desk and receipt.number in desk
    page = client.get(f"/documents/{receipt.id}").get_data(as_text=True)
    assert "Reçu n° R-2026-000002" in page
    assert "Mode de paiement : carte bancaire au comptoir" in page


def test_a_companys_invoice_is_the_concierges_to_print(client, session):
    company = factories.make_member_company(
        session,
        name="Pixels du Nord",
        address="75 rue Gambetta, 59000 Lille",
        siret="98765432100019",
        is_subscriber=True,
        yearly_fee_cents=80000,
    )
    keep_subscription_history(session, company, now=NOW)
    [invoice] = company.documents
    sign_in(client, factories.make_user(session, Role.EMPLOYEE, member_company=company))
    assert client.get(f"/documents/{invoice.id}").status_code == 404
    sign_in(client, factories.make_user(session, Role.CONCIERGE))
    page = client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    assert "Pixels du Nord" in page and "SIRET : 98765432100019" in page and VAT in page
    assert f"/documents/{invoice.id}" in client.get(f"/gestion/entreprises/{company.id}").get_data(
        as_text=True
    )


def test_the_page_reads_in_english(client, invoiced):
    order, _, _ = invoiced
    sign_in(client, order.customer)
    submit(client, "/langue", {"lang": "en", "next": "/"}, form_url="/")
    invoice = invoices.invoice_of(order)
    page = client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    assert "Invoice" in page and "F-2026-000001" in page


def test_a_payment_at_the_desk_offers_its_receipt_to_print(client, session, login_as):
    order = factories.make_order(session)
    login_as(Role.CONCIERGE)
    answer = submit(
        client,
        f"/comptoir/commandes/{order.id}/encaisser",
        {"amount": "11,50", "kind": "desk_cash"},
        form_url=f"/comptoir/commandes/{order.id}",
        follow_redirects=True,
    )
    session.expire_all()  # the request's own session issued it
    [receipt] = order.documents
    page = answer.get_data(as_text=True)
    assert f'<a href="/documents/{receipt.id}">Imprimer le reçu R-2026-000001</a>' in page


def test_every_kind_of_document_makes_a_pdf(session, invoiced):
    """A credit note with a long reason (it wraps), a receipt, an invoice: all one-page PDFs."""
    from conciergerie.invoices.pdf import document_pdf

    order, concierge, _ = invoiced
    reason = "Retard de livraison et talon mal recollé, " * 4  # 168 characters: it wraps
    payments.manual_refund(
        session, order, amount_cents=500, reason=reason, actor=concierge, gateway=None, now=NOW
    )
    kinds = set()
    for document in order.documents:
        text = pdf_text(document_pdf(document))
        assert document.number in text
        kinds.add(document.kind.value)
    assert kinds == {"receipt", "invoice", "credit_note"}


def test_the_concierge_gives_a_company_its_invoicing_details(client, session, login_as, outbox):
    login_as(Role.CONCIERGE)
    form = {
        "name": "Pixels du Nord",
        "slug": "pixels-du-nord",
        "headcount": "12",
        "address": "75 rue Gambetta\n59000 Lille",
        "siret": "987 654 321 00019",
        "billing_email": "Compta@Pixels.example",
        "is_subscriber": "y",
        "yearly_fee": "800,00",
    }
    refused = submit(client, "/gestion/entreprises/nouvelle", {**form, "siret": "12345"})
    assert refused.status_code == 422
    assert "Un SIRET compte 14 chiffres." in refused.get_data(as_text=True)

    assert submit(client, "/gestion/entreprises/nouvelle", form).status_code == 302
    company = session.scalar(sa.select(MemberCompany).where(MemberCompany.slug == "pixels-du-nord"))
    assert (company.siret, company.billing_email) == ("98765432100019", "compta@pixels.example")
    [invoice] = company.documents
    assert invoice.content["customer"]["address"] == "75 rue Gambetta\n59000 Lille"
    [mail] = outbox
    assert mail.to == ["compta@pixels.example"] and invoice.number in mail.subject
