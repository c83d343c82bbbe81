"""Invoices, receipts and credit notes: numbered documents that never change once issued.

A document keeps what it said when it was issued (`content`: issuer, customer, lines, totals,
mentions) rather than reading the order again: an order's later life (a refund, an erased
account, a company that moves) must not rewrite an invoice. What changes afterwards is told by
a new document (a credit note refers to the invoice it lowers).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from conciergerie.models.accounts import MemberCompany
from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow
from conciergerie.models.orders import Order
from conciergerie.models.payments import Payment
from conciergerie.models.rooms import Booking


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"  # facture: an order once done, a company's yearly subscription
    RECEIPT = "receipt"  # reçu: money received for an order
    CREDIT_NOTE = "credit_note"  # avoir: lowers an invoice (a refund of what it charged)

    @property
    def prefix(self) -> str:
        """The letter its numbers start with: F-2026-000123, R-2026-…, A-2026-…"""
        return {"invoice": "F", "receipt": "R", "credit_note": "A"}[self.value]


class DocumentCounter(Base):
    """The last number given in one sequence (a kind of document, a calendar year).

    Taken with `UPDATE … RETURNING` in the transaction that issues the document: the row stays
    locked until that transaction ends, so two servers issuing at once take turns, and a
    transaction rolled back gives its number back (the sequence has no gap)."""

    __tablename__ = "document_counter"

    kind: Mapped[DocumentKind] = mapped_column(
        enum_column(DocumentKind, "document_counter_kind"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.CheckConstraint("last_number >= 0", name="last_number_not_negative"),)


# A document is about one thing: an order, a company's subscription, or a booking of a room.
ABOUT_ONE_THING = (
    "(CASE WHEN order_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN company_id IS NULL THEN 0 ELSE 1 "
    "END) + (CASE WHEN booking_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Document(Base):
    """An invoice, a receipt or a credit note, as issued."""

    __tablename__ = "billing_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, "document_kind"))
    year: Mapped[int]
    sequence: Mapped[int]  # its place in the year's sequence of its kind, from 1
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)  # F-2026-000123
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # What it is about: an order, or a company's subscription starting on `period_starts_on`.
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="RESTRICT"), index=True
    )
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member_company.id", ondelete="RESTRICT"), index=True
    )
    period_starts_on: Mapped[date | None] = mapped_column(sa.Date)
    # Or a booking of one of La Grappe's rooms (rooms.service): invoiced once it took place, or
    # when cancelled too late.
    booking_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("space_booking.id", ondelete="RESTRICT"), index=True
    )
    # A receipt: the payment it acknowledges (one receipt per payment).
    payment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("payment.id", ondelete="RESTRICT"), unique=True
    )
    # A credit note: the invoice it lowers; a receipt: the invoice it pays, if issued already.
    refers_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("billing_document.id", ondelete="RESTRICT"), index=True
    )
    # The total the document states, in cents (a credit note's: what it takes off, positive).
    total_cents: Mapped[int]
    # What it says, as issued (see the module's docstring): a JSON object.
    content: Mapped[dict] = mapped_column(sa.JSON)

    order: Mapped[Order | None] = relationship(backref=backref("documents", order_by="Document.id"))
    company: Mapped[MemberCompany | None] = relationship(
        backref=backref("documents", order_by="Document.id")
    )
    booking: Mapped[Booking | None] = relationship(
        backref=backref("documents", order_by="Document.id")
    )
    payment: Mapped[Payment | None] = relationship()
    refers_to: Mapped[Document | None] = relationship(remote_side=[id])

    __table_args__ = (
        sa.UniqueConstraint("kind", "year", "sequence", name="uq_billing_document_sequence"),
        sa.CheckConstraint("sequence >= 1", name="sequence_positive"),
        sa.CheckConstraint("total_cents >= 0", name="total_not_negative"),
        sa.CheckConstraint(ABOUT_ONE_THING, name="about_one_thing"),
        sa.CheckConstraint(
            "kind <> 'credit_note' OR refers_to_id IS NOT NULL", name="credit_note_refers"
        ),
        sa.CheckConstraint(
            "(kind = 'receipt') = (payment_id IS NOT NULL)", name="receipt_has_payment"
        ),
        # One invoice per order, one per booking.
        sa.Index(
            "uq_billing_document_order_invoice",
            "order_id",
            unique=True,
            sqlite_where=sa.text("kind = 'invoice'"),
            postgresql_where=sa.text("kind = 'invoice'"),
        ),
        sa.Index(
            "uq_billing_document_booking_invoice",
            "booking_id",
            unique=True,
            sqlite_where=sa.text("kind = 'invoice'"),
            postgresql_where=sa.text("kind = 'invoice'"),
        ),
    )

    @property
    def is_invoice(self) -> bool:
        return self.kind is DocumentKind.INVOICE

    def __repr__(self) -> str:
        return f"<Document {self.number}>"
