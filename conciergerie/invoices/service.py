"""Invoices, receipts and credit notes: when each is issued, and what it says.

- An order's invoice (facture) is issued once its service is done: when it is handed over, or
  when it ends uncollected at the desk (the provider did the work; the customer owes it all the
  same). It charges what the ledger charges then: the lines done (a line not done, declined or
  cancelled is absent), the service fee as charged, a goodwill gesture taken off. An order that
  charges nothing (no line done) gets none.
- A payment gets a numbered receipt (reçu) when it is recorded, at the desk or online: before
  the invoice, it is the customer's proof of payment (a walk-in's receipt is printed at the
  desk); after it, it says which invoice it pays.
- A refund that lowers what an invoice charged issues a credit note (avoir) referring to that
  invoice, for what it takes off. Money given back that the invoice never charged (paid for a
  line not done, paid twice) needs none: the invoice's total stands.
- A company's yearly subscription is invoiced when its period starts (it subscribes, or its fee
  changes), then on each anniversary while it runs (a daily sweep), and the invoice is mailed to
  the company's billing address. A period replaced the day it started (a fee corrected) has its
  invoice cancelled by a credit note. The fee is invoiced for a whole year: a period ended early
  is not prorated (there is no manual credit note yet: see docs/money.md).

Documents never change once issued (no function here changes one; `init_app` refuses it in the
session, and a trigger in the database): what happens later is told by a new document. Their
content is a snapshot, in French (the legal language of the documents; the pages translate
their headings), of what they said when issued. Numbers: see numbering.py.

Like every service: functions over a session that flush and never commit, taking the time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from conciergerie.errors import DomainError
from conciergerie.invoices import notifications, numbering
from conciergerie.invoices.issuer import current_issuer, vat_mention
from conciergerie.models import (
    Booking,
    BookingStatus,
    CompanySubscription,
    Document,
    DocumentKind,
    MemberCompany,
    Order,
    OrderStatus,
    Payment,
    PaymentKind,
)
from conciergerie.payments.ledger import ledger
from conciergerie.rooms.pricing import ChargeState, charge
from conciergerie.timeutils import local, local_date

# The order's service is done: it is invoiced.
DONE = (OrderStatus.HANDED_OVER, OrderStatus.UNCOLLECTED)
# The mentions a company's invoice carries (between professionals: Code de commerce, L441-9 and
# L441-10): when it is due, and what is owed if it is paid late.
COMPANY_TERMS = [
    "Paiement à réception de la facture ; pas d'escompte pour paiement anticipé.",
    "En cas de retard de paiement : pénalités au taux de trois fois le taux d'intérêt légal, "
    "et indemnité forfaitaire de 40 € pour frais de recouvrement (article L441-10 du Code de "
    "commerce).",
]
PAYMENT_LABELS = {
    PaymentKind.DESK_CASH: "espèces au comptoir",
    PaymentKind.DESK_CARD: "carte bancaire au comptoir",
    PaymentKind.STRIPE: "carte bancaire en ligne",
}


class DocumentChanged(DomainError):
    """Something tried to change or delete an issued document."""

    code = "document_immutable"
    status = 409


# Issuing -----------------------------------------------------------------------------------------


def _issue(
    session: Session,
    kind: DocumentKind,
    *,
    now: datetime,
    total_cents: int,
    content: dict,
    **about: object,
) -> Document:
    """Number and save a document (`about`: its order or company, payment, referred invoice)."""
    year = local_date(now).year
    sequence = numbering.take_number(session, kind, year)
    document = Document(
        kind=kind,
        year=year,
        sequence=sequence,
        number=numbering.format_number(kind, year, sequence),
        issued_at=now,
        total_cents=total_cents,
        content={"issuer": current_issuer(), "vat_mention": vat_mention(), **content},
        **about,
    )
    session.add(document)
    session.flush()
    return document


def _customer_of(order: Order) -> dict[str, str]:
    customer = order.customer
    company = customer.member_company
    return {"name": customer.full_name, "company": company.name if company else ""}


def invoice_of(order: Order) -> Document | None:
    return next((d for d in order.documents if d.kind is DocumentKind.INVOICE), None)


def receipt_of(payment: Payment) -> Document:
    """The receipt issued when `payment` was recorded."""
    return next(d for d in payment.order.documents if d.payment_id == payment.id)


def credited_cents(session: Session, invoice: Document) -> int:
    """What the credit notes on `invoice` took off it so far."""
    return session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Document.total_cents), 0)).where(
            Document.kind == DocumentKind.CREDIT_NOTE, Document.refers_to_id == invoice.id
        )
    )


def _invoice_lines(order: Order) -> tuple[list[dict], list[dict]]:
    """The lines an order's invoice charges, and its totals, as the ledger says now."""
    figures = ledger(order)
    lines = [
        {
            "label": charge.line.name,
            "quantity": charge.line.quantity,
            "unit": charge.line.unit,
            "unit_price_cents": charge.line.unit_price_cents,
            "amount_cents": charge.amount_cents,
        }
        for charge in figures.lines
        if charge.charged
    ]
    if figures.fee_cents:
        lines.append(_one("Frais de service de la conciergerie", figures.fee_cents))
    if figures.discount_cents:
        lines.append(_one("Geste commercial", -figures.discount_cents))
    totals = [
        {"label": "Total", "amount_cents": figures.total_cents, "main": True},
        {"label": "Déjà réglé", "amount_cents": min(figures.kept_cents, figures.total_cents)},
        {"label": "Reste dû", "amount_cents": figures.balance_due_cents},
    ]
    return lines, totals


def _one(label: str, amount_cents: int) -> dict:
    return {
        "label": label,
        "quantity": 1,
        "unit": "",
        "unit_price_cents": amount_cents,
        "amount_cents": amount_cents,
    }


def issue_order_invoice(session: Session, order: Order, *, now: datetime) -> Document | None:
    """The order's invoice: issued once, when its service is done (see the module's docstring);
    the one already issued if any; None when the order charges nothing."""
    if order.status not in DONE:  # a step before: nothing to read
        return None
    existing = invoice_of(order)
    if existing is not None:
        return existing
    figures = ledger(order)
    if not any(charge.charged for charge in figures.lines):
        return None
    lines, totals = _invoice_lines(order)
    return _issue(
        session,
        DocumentKind.INVOICE,
        now=now,
        total_cents=figures.total_cents,
        content={
            "customer": _customer_of(order),
            "reference": f"Commande {order.code}",
            "lines": lines,
            "totals": totals,
            "notes": [],
        },
        order=order,
    )


def issue_receipt(session: Session, payment: Payment, *, now: datetime) -> Document:
    """The numbered receipt of a payment just recorded; it names the order's invoice, if any."""
    order = payment.order
    invoice = invoice_of(order)
    notes = [f"Mode de paiement : {PAYMENT_LABELS[payment.kind]}"]
    if invoice is not None:
        notes.append(f"Règlement de la facture {invoice.number}")
    return _issue(
        session,
        DocumentKind.RECEIPT,
        now=now,
        total_cents=payment.amount_cents,
        content={
            "customer": _customer_of(order),
            "reference": f"Commande {order.code}",
            "lines": [_one(f"Paiement reçu pour la commande {order.code}", payment.amount_cents)],
            "totals": [
                {"label": "Montant reçu", "amount_cents": payment.amount_cents, "main": True}
            ],
            "notes": notes,
        },
        order=order,
        payment=payment,
        refers_to=invoice,
    )


def credit_what_was_taken_off(
    session: Session, order: Order, *, reason: str, now: datetime
) -> Document | None:
    """After a refund: a credit note on the order's invoice for what its total lost since it
    was issued (less the credit notes already issued on it). None when the order has no invoice,
    or when what went back was never invoiced (see the module's docstring)."""
    invoice = invoice_of(order)
    if invoice is None:
        return None
    amount = invoice.total_cents - credited_cents(session, invoice) - ledger(order).total_cents
    return _credit_note(
        session, invoice, amount, reason, reference=f"Commande {order.code}", now=now, order=order
    )


def _credit_note(
    session: Session,
    invoice: Document,
    amount: int,
    reason: str,
    *,
    reference: str,
    now: datetime,
    **about: object,
) -> Document | None:
    """A credit note of `amount` on `invoice` (None when nothing is to be credited); `about`: the
    order, or the company and its period, it is about."""
    if amount <= 0:
        return None
    return _issue(
        session,
        DocumentKind.CREDIT_NOTE,
        now=now,
        total_cents=amount,
        content={
            "customer": invoice.content["customer"],
            "reference": reference,
            "lines": [_one(reason, -amount)],
            "totals": [{"label": "Montant de l'avoir", "amount_cents": amount, "main": True}],
            "notes": [f"Avoir sur la facture {invoice.number}"],
        },
        refers_to=invoice,
        **about,
    )


# Company subscriptions --------------------------------------------------------------------------


def _company_customer(company: MemberCompany) -> dict[str, str]:
    return {"name": company.name, "address": company.address, "siret": company.siret}


def issue_subscription_invoice(
    session: Session,
    company: MemberCompany,
    period: CompanySubscription,
    *,
    now: datetime,
    year_from: date | None = None,
) -> Document | None:
    """The invoice of a year of a company's subscription: issued when its period starts (and,
    by `invoice_renewals`, on each anniversary `year_from` while it runs). A period at no fee
    is not invoiced. Mailed to the company's billing address."""
    if period.yearly_fee_cents <= 0:
        return None
    year_from = year_from or period.starts_on
    year_to = _anniversary(year_from, 1) - timedelta(days=1)
    document = _issue(
        session,
        DocumentKind.INVOICE,
        now=now,
        total_cents=period.yearly_fee_cents,
        content={
            "customer": _company_customer(company),
            "reference": f"Abonnement annuel à partir du {year_from:%d/%m/%Y}",
            "lines": [
                _one(
                    f"Abonnement annuel à la conciergerie (salariés : {company.headcount}), "
                    f"du {year_from:%d/%m/%Y} au {year_to:%d/%m/%Y}",
                    period.yearly_fee_cents,
                )
            ],
            "totals": [{"label": "Total", "amount_cents": period.yearly_fee_cents, "main": True}],
            "notes": COMPANY_TERMS,
        },
        company=company,
        period_starts_on=year_from,
    )
    notifications.send_company_invoice(company, document)
    return document


def _anniversary(day: date, years: int) -> date:
    """The same day `years` later (a 29 February falls on the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _years_begun(period: CompanySubscription, today: date) -> list[date]:
    """The first days of the years of `period` begun by `today` after its first one."""
    last = min(today, period.ends_on) if period.ends_on else today
    days, years = [], 1
    while (day := _anniversary(period.starts_on, years)) <= last:
        days.append(day)
        years += 1
    return days


def invoice_renewals(session: Session, *, now: datetime) -> int:
    """The sweep: invoice each year of a subscription begun since its period started (its first
    year was invoiced then); returns how many. Safe to re-run: a year invoiced already (an
    invoice for that company starting that day) is not invoiced again."""
    today = local_date(now)
    periods = session.scalars(
        sa.select(CompanySubscription)
        .where(CompanySubscription.yearly_fee_cents > 0)
        .order_by(CompanySubscription.id)
    ).all()
    issued = 0
    for period in periods:
        for day in _years_begun(period, today):
            invoiced = session.scalar(
                sa.select(Document.id).where(
                    Document.kind == DocumentKind.INVOICE,
                    Document.company_id == period.company_id,
                    Document.period_starts_on == day,
                )
            )
            if invoiced is None:
                issue_subscription_invoice(session, period.company, period, now=now, year_from=day)
                issued += 1
    return issued


def withdraw_subscription_invoice(
    session: Session, company: MemberCompany, starts_on: date, *, now: datetime
) -> Document | None:
    """A period replaced the day it started (a fee corrected the same day): its invoice is
    cancelled by a credit note for what it still charges. None when it had none."""
    invoice = session.scalar(
        sa.select(Document)
        .where(
            Document.kind == DocumentKind.INVOICE,
            Document.company_id == company.id,
            Document.period_starts_on == starts_on,
        )
        .order_by(Document.id.desc())
        .limit(1)
    )
    if invoice is None:
        return None
    return _credit_note(
        session,
        invoice,
        invoice.total_cents - credited_cents(session, invoice),
        "Annulation : abonnement modifié le jour même",
        reference=invoice.content["reference"],
        now=now,
        company=company,
        period_starts_on=starts_on,
    )


# Bookings of rooms ------------------------------------------------------------------------------


def _booking_customer(booking: Booking) -> dict[str, str]:
    """Who a booking's invoice is made out to: the member company it was booked for, else the
    requester (naming the association they booked for)."""
    if booking.company is not None:
        return _company_customer(booking.company)
    requester = booking.requester
    return {"name": requester.full_name, "company": booking.association_name}


def issue_booking_invoice(session: Session, booking: Booking, *, now: datetime) -> Document | None:
    """A booking's invoice, issued once it took place (or was cancelled too late): what its
    charge says (rooms.pricing); the one already issued if any; None when it charges nothing."""
    existing = next((d for d in booking.documents if d.is_invoice), None)
    if existing is not None:
        return existing
    figures = charge(booking)
    if figures.state is not ChargeState.CHARGED or not figures.amount_cents:
        return None
    when = f"{local(booking.starts_at):%d/%m/%Y %H:%M}–{local(booking.ends_at):%H:%M}"
    label = f"{booking.space.name}, le {when} : {booking.purpose}"
    if booking.cancellation_charged:
        label = f"Annulation tardive — {label}"
    return _issue(
        session,
        DocumentKind.INVOICE,
        now=now,
        total_cents=figures.amount_cents,
        content={
            "customer": _booking_customer(booking),
            "reference": f"Réservation de salle n° {booking.id}",
            "lines": [_one(label, figures.amount_cents)],
            "totals": [
                {"label": "Total", "amount_cents": figures.amount_cents, "main": True},
                {"label": "Déjà réglé", "amount_cents": figures.paid_cents},
                {"label": "Reste dû", "amount_cents": figures.balance_due_cents},
            ],
            "notes": COMPANY_TERMS if booking.company is not None else [],
        },
        booking=booking,
    )


def invoice_past_bookings(session: Session, *, now: datetime) -> int:
    """The sweep: invoice every booking that took place (or was cancelled too late) and charges
    something, not invoiced yet; returns how many. Safe to re-run."""
    invoiced = sa.select(Document.booking_id).where(
        Document.kind == DocumentKind.INVOICE, Document.booking_id.is_not(None)
    )
    due = session.scalars(
        sa.select(Booking)
        .where(
            sa.or_(
                sa.and_(Booking.status == BookingStatus.CONFIRMED, Booking.ends_at <= now),
                Booking.cancellation_charged.is_(True),
            ),
            Booking.price_cents > 0,
            Booking.id.not_in(invoiced),
        )
        .order_by(Booking.id)
    ).all()
    return sum(1 for booking in due if issue_booking_invoice(session, booking, now=now))


# Immutability -----------------------------------------------------------------------------------


def _refuse_changes(session: Session, _context, _instances) -> None:
    """Before every flush: an issued document is never changed nor deleted."""
    for item in (*session.dirty, *session.deleted):
        if isinstance(item, Document) and (item in session.deleted or session.is_modified(item)):
            raise DocumentChanged(
                _("Un document émis ne change plus : émettez un avoir pour le corriger.")
            )


def init_app(app) -> None:
    """Refuse, in every session, a change to an issued document (the database refuses it too)."""
    if not sa.event.contains(Session, "before_flush", _refuse_changes):
        sa.event.listen(Session, "before_flush", _refuse_changes)
