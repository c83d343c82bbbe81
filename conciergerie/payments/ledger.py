"""One ledger per order: what it charges, what came in and went back, and what is due either way.

Every figure a person sees about an order's money comes from `ledger(order)`: the customer's
order page, the desk, the mails, the API, and (through the stored totals it keeps in step) the
reports and exports. The rules:

- A line is charged once it is done or being done. Nothing is charged for work not done: a line
  the provider could not do, a declined quote, an order cancelled or never brought (no-show). A
  line on quote costs nothing until its price is accepted; until then its price is "to come".
- The service fee is charged as long as one line is; it goes when no line is done at all.
- A discount (a goodwill gesture of the concierge) lowers the total.
- Work left uncollected at the desk is charged all the same (the provider did it), and handed
  over when the customer comes.
- What came in less what went back, against the total, says what is due: `balance_due_cents`
  (the customer owes) or `refund_due_cents` (the desk owes back), never both.
- What is owed back goes the way the money came, the most recent payment first: online payments
  through Stripe (a job does it within the minute), desk payments at the counter by the
  concierge.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.models import (
    Discount,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentKind,
    QuoteState,
)

# An order that ended before any work: nothing is charged.
ENDED_UNDONE = (OrderStatus.CANCELLED, OrderStatus.NO_SHOW)
QUOTE_PENDING = (QuoteState.AWAITING_QUOTE, QuoteState.PROPOSED)


class ChargeState(enum.StrEnum):
    CHARGED = "charged"  # done, being done, or to be done at its set price
    PRICE_TO_COME = "price_to_come"  # on quote: no price accepted yet
    NOT_DONE = "not_done"  # the provider could not do it
    DECLINED = "declined"  # the customer declined the quote
    CANCELLED = "cancelled"  # the order was cancelled or never brought


@dataclass(frozen=True)
class LineCharge:
    line: OrderLine
    state: ChargeState
    # None while the price is to come (a line on quote); 0 for work not done.
    amount_cents: int | None

    @property
    def charged(self) -> bool:
        return self.state is ChargeState.CHARGED

    @property
    def may_be_done(self) -> bool:
        return self.state in (ChargeState.CHARGED, ChargeState.PRICE_TO_COME)


@dataclass(frozen=True)
class RefundPart:
    """Part of what is owed back, taken from one payment."""

    payment: Payment
    amount_cents: int

    @property
    def online(self) -> bool:
        return self.payment.kind is PaymentKind.STRIPE


@dataclass(frozen=True)
class Ledger:
    order: Order
    lines: tuple[LineCharge, ...]
    fee_cents: int
    discount_cents: int
    paid_cents: int
    refunded_cents: int

    @property
    def subtotal_cents(self) -> int:
        return sum(charge.amount_cents or 0 for charge in self.lines)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.fee_cents - self.discount_cents

    @property
    def kept_cents(self) -> int:
        """What the desk holds of the customer's money: paid less refunded."""
        return self.paid_cents - self.refunded_cents

    @property
    def balance_due_cents(self) -> int:
        return max(self.total_cents - self.kept_cents, 0)

    @property
    def refund_due_cents(self) -> int:
        return max(self.kept_cents - self.total_cents, 0)

    @property
    def prices_to_come(self) -> bool:
        return any(charge.state is ChargeState.PRICE_TO_COME for charge in self.lines)

    def charge_of(self, line: OrderLine) -> LineCharge:
        return next(charge for charge in self.lines if charge.line is line)

    @property
    def refund_parts(self) -> tuple[RefundPart, ...]:
        """How what is owed back goes back: from the most recent payment first."""
        parts, remaining = [], self.refund_due_cents
        for payment in reversed(self.order.payments):
            if remaining <= 0:
                break
            part = min(refundable_cents(payment), remaining)
            if part > 0:
                parts.append(RefundPart(payment, part))
                remaining -= part
        return tuple(parts)

    @property
    def online_refund_due_cents(self) -> int:
        """Owed back on online payments: refunded through Stripe."""
        return sum(part.amount_cents for part in self.refund_parts if part.online)

    @property
    def desk_refund_due_cents(self) -> int:
        """Owed back on desk payments: "à rembourser au comptoir" until the concierge does."""
        return sum(part.amount_cents for part in self.refund_parts if not part.online)


def refundable_cents(payment: Payment) -> int:
    return payment.amount_cents - sum(refund.amount_cents for refund in payment.refunds)


def line_charge(line: OrderLine, status: OrderStatus) -> LineCharge:
    """What one line charges, with why."""
    if status in ENDED_UNDONE:
        return LineCharge(line, ChargeState.CANCELLED, 0)
    if line.quote_state is QuoteState.DECLINED:
        return LineCharge(line, ChargeState.DECLINED, 0)
    if line.cannot_do_reason is not None:
        return LineCharge(line, ChargeState.NOT_DONE, 0)
    if line.quote_state in QUOTE_PENDING:
        return LineCharge(line, ChargeState.PRICE_TO_COME, None)
    return LineCharge(line, ChargeState.CHARGED, line.unit_price_cents * line.quantity)


def ledger(order: Order, *, fee_cents: int | None = None) -> Ledger:
    """The order's ledger. `fee_cents` is the fee the order was placed with (its stored fee by
    default: it stays as placed while a line may be done, and is 0 once none may be).

    No line may be done only in end states today (cancelled, no-show, every line not done), so
    the stored fee going to 0 is for good. Re-opening work (undoing a "cannot be done") would
    need the fee as placed kept in a column of its own."""
    charges = tuple(line_charge(line, order.status) for line in order.lines)
    asked_fee = order.fee_cents if fee_cents is None else fee_cents
    fee = asked_fee if any(charge.may_be_done for charge in charges) else 0
    # A gesture never takes the total below nothing (a line it was made on may go undone later).
    charged = sum(charge.amount_cents or 0 for charge in charges) + fee
    return Ledger(
        order=order,
        lines=charges,
        fee_cents=fee,
        discount_cents=min(sum(discount.amount_cents for discount in order.discounts), charged),
        paid_cents=sum(payment.amount_cents for payment in order.payments),
        refunded_cents=sum(refund.amount_cents for refund in order.refunds),
    )


def keep_totals(order: Order) -> None:
    """Write the ledger's figures into the order's stored totals (for the reports' queries)."""
    figures = ledger(order)
    order.subtotal_cents = figures.subtotal_cents
    order.fee_cents = figures.fee_cents
    order.discount_cents = figures.discount_cents
    order.total_cents = figures.total_cents


def _keep_totals_of_changed_orders(session: Session, _context, _instances) -> None:
    """Before every flush: the stored totals of every order whose lines, state or discounts
    changed follow its ledger, whichever service changed them."""
    orders = set()
    for item in (*session.new, *session.dirty):
        if isinstance(item, Order):
            orders.add(item)
        elif isinstance(item, OrderLine | Discount) and item.order is not None:
            orders.add(item.order)
    for order in orders:
        if order not in session.deleted:
            keep_totals(order)


def init_app(app) -> None:
    """Keep every session's orders' stored totals in step with their ledgers; templates read
    an order's figures through `ledger(order)`."""
    app.jinja_env.globals["ledger"] = ledger
    if not sa.event.contains(Session, "before_flush", _keep_totals_of_changed_orders):
        sa.event.listen(Session, "before_flush", _keep_totals_of_changed_orders)
