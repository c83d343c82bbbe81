"""Payment rules: online payment through Stripe Checkout, payments at the desk, refunds.

Like every service, these functions flush and never commit. They take the gateway as an argument
(None when Stripe is not configured), so that tests can hand them a gateway on a fake Stripe.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conciergerie.errors import DomainError
from conciergerie.i18n import money
from conciergerie.invoices import service as invoices
from conciergerie.models import (
    Discount,
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
    Refund,
    Role,
    StripeEvent,
    User,
)
from conciergerie.orders import notes
from conciergerie.orders import notifications as order_mails
from conciergerie.orders import service as orders
from conciergerie.payments import ledger, notifications
from conciergerie.payments.gateway import (
    CURRENCY,
    CheckoutLine,
    CheckoutSession,
    GatewayError,
    StripeGateway,
)

logger = logging.getLogger(__name__)

UNPAID = (OrderStatus.PLACED, OrderStatus.AWAITING_PAYMENT)


class PaymentError(DomainError):
    code = "payment_error"


class StripeUnavailable(PaymentError):
    """Stripe could not be reached: nothing changed, try again in a moment."""

    code = "payment_unavailable"
    status = 503


class RefundFailed(PaymentError):
    """Stripe could not refund (or is not configured): the order stays as it was."""

    code = "refund_failed"
    status = 502


class DuplicateEvent(Exception):
    """This Stripe event was handled already (a replay or a concurrent delivery)."""


def _note(order: Order, note: notes.Note, *, actor: User | None, now: datetime) -> None:
    """A line in the order's history that does not change its status (a payment, a refund).
    The history's French note holds 300 characters: a longer one (a refund's own 300-character
    reason inside its sentence) is shortened, with an ellipsis, rather than refused by the
    database; its key and arguments keep it whole."""
    order.events.append(
        OrderEvent(
            from_status=order.status,
            to_status=order.status,
            actor=actor,
            at=now,
            **notes.columns(note),
        )
    )


# Online payment ---------------------------------------------------------------------------------


def start_checkout(
    session: Session,
    order: Order,
    *,
    gateway: StripeGateway | None,
    success_url: str,
    cancel_url: str,
    now: datetime,
) -> str:
    """Open a Stripe Checkout Session for an order placed for online payment; its URL.

    The order then waits in awaiting_payment, holding its places until payment_expires_at.
    """
    if gateway is None:
        raise PaymentError(_("Le paiement en ligne n'est pas disponible."))
    if order.payment_method is not PaymentMethod.ONLINE or order.status is not OrderStatus.PLACED:
        raise PaymentError(_("Cette commande n'attend pas de paiement en ligne."))
    lines = [
        CheckoutLine(line.name, line.unit_price_cents, line.quantity)
        for line in order.lines
        if not line.on_quote  # priced later, paid with the balance (start_balance_checkout)
    ]
    if order.fee_cents:
        lines.append(CheckoutLine(_("Frais de service de la conciergerie"), order.fee_cents, 1))
    # Stripe keeps a Checkout Session open for at least 30 minutes: a payment may still arrive
    # after our hold has run out; confirm_payment refunds it then.
    expires_at = max(order.payment_expires_at or now, now + timedelta(minutes=31))
    checkout = gateway.create_checkout_session(
        order_id=order.id,
        order_code=order.code,
        lines=lines,
        customer_email=order.customer.email,
        success_url=success_url,
        cancel_url=cancel_url,
        expires_at=expires_at,
    )
    order.stripe_checkout_session_id = checkout.id
    order.stripe_checkout_amount_cents = sum(x.unit_amount_cents * x.quantity for x in lines)
    orders.record(order, OrderStatus.AWAITING_PAYMENT, actor=order.customer, now=now)
    session.flush()
    return checkout.url or ""


def start_balance_checkout(
    session: Session,
    order: Order,
    *,
    gateway: StripeGateway | None,
    success_url: str,
    cancel_url: str,
    now: datetime,
) -> str:
    """Open a Checkout Session for what an order paid online still owes (a price on quote the
    customer accepted after paying the rest); its URL. The payment is then confirmed like the
    first one (webhook or return page), as a payment on an order already under way.

    A session still open for the same amount is handed out again rather than a second one.
    Raises PaymentError (StripeUnavailable when Stripe cannot be reached).
    """
    if gateway is None:
        raise PaymentError(_("Le paiement en ligne n'est pas disponible."))
    orders.lock(session, order)
    due = ledger.ledger(order).balance_due_cents
    if (
        order.payment_method is not PaymentMethod.ONLINE
        or order.status in UNPAID
        or order.status.is_final
        or due <= 0
    ):
        raise PaymentError(_("Rien à régler en ligne pour cette commande."))
    try:
        if order.stripe_checkout_session_id:
            current = gateway.retrieve_checkout_session(order.stripe_checkout_session_id)
            if current.status == "open" and current.amount_total == due and current.url:
                return current.url
        checkout = gateway.create_checkout_session(
            order_id=order.id,
            order_code=order.code,
            lines=[CheckoutLine(_("Solde de la commande %(code)s", code=order.code), due, 1)],
            customer_email=order.customer.email,
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=now + timedelta(minutes=31),
            idempotency_key=f"checkout-balance-{order.id}-{order.code}-{int(now.timestamp())}",
        )
    except GatewayError as error:
        raise StripeUnavailable(
            _("Le paiement en ligne est indisponible pour le moment.")
        ) from error
    order.stripe_checkout_session_id = checkout.id
    order.stripe_checkout_amount_cents = due
    session.flush()
    return checkout.url or ""


def confirm_payment(
    session: Session,
    order: Order,
    checkout: CheckoutSession,
    *,
    gateway: StripeGateway,
    now: datetime,
) -> None:
    """Act on a Checkout Session that Stripe says is paid (from the webhook or the return page).

    Idempotent: a second call for the same PaymentIntent changes nothing. A payment for an order
    cancelled meanwhile (its hold expired) is refunded at once, and the customer told. The amount
    and currency Stripe reports paid are checked against what the app asked for this session
    (`_asked_cents`): see `_after_online_payment` for a payment short of it, or beyond it.
    """
    if checkout.payment_status != "paid" or not checkout.payment_intent:
        return
    # The webhook, the return page, the expiry job and a cancel may act at once: one at a time,
    # each seeing what the previous one committed.
    orders.lock(session, order)
    if checkout.id != order.stripe_checkout_session_id and (
        # An earlier balance session of an order under way, replaced by a newer one but paid
        # all the same: the money was taken, so it is recorded (and any excess given back).
        order.status in UNPAID or checkout.order_id != order.id
    ):
        return
    already = session.scalar(
        sa.select(Payment).where(Payment.stripe_payment_intent_id == checkout.payment_intent)
    )
    if already is not None:
        return
    amount = checkout.amount_total
    if not amount or amount < 0:  # Stripe always says how much it took: nothing to record
        logger.error("paid Checkout Session %s without an amount: not recorded", checkout.id)
        return
    due_before = ledger.ledger(order).balance_due_cents
    payment = Payment(
        order=order,
        kind=PaymentKind.STRIPE,
        amount_cents=amount,
        stripe_payment_intent_id=checkout.payment_intent,
        created_at=now,
    )
    session.add(payment)
    session.flush()  # the unique PaymentIntent: a concurrent duplicate stops here
    _after_online_payment(
        session,
        payment,
        currency=checkout.currency,
        asked=_asked_cents(order, checkout),
        due_before=due_before,
        gateway=gateway,
        now=now,
    )
    # Last: taking a number holds its sequence until the commit, not while Stripe refunds. A
    # payment refused and given back whole (a short amount, another currency) gets none.
    if ledger.refundable_cents(payment) > 0:
        invoices.issue_receipt(session, payment, now=now)
    session.flush()


def _asked_cents(order: Order, checkout: CheckoutSession) -> int | None:
    """What the app asked for on `checkout` when it opened it, as kept on the order: that, not
    the line items or metadata Stripe echoes back, says what the payment should be; the session's
    amount_total (fetched again from Stripe) says what was paid. None when it is not known: an
    earlier balance session replaced since, or a session opened before the amount was kept."""
    if checkout.id != order.stripe_checkout_session_id:
        return None
    return order.stripe_checkout_amount_cents


def _after_online_payment(
    session: Session,
    payment: Payment,
    *,
    currency: str | None,
    asked: int | None,
    due_before: int,
    gateway: StripeGateway,
    now: datetime,
) -> None:
    """What an online payment just recorded does to its order (locked by the caller).

    A payment in another currency than the app's, or short of what its session asked (`asked`;
    when it is not known, what the order owed, `due_before`), confirms nothing: see
    `_refuse_online_payment`. Otherwise it confirms the order if it waited for it, or is given
    back if the order was cancelled meanwhile; and what exceeds what was asked, or the balance
    the order owed, is given back at once (more than asked also alerts the concierge).
    """
    order, amount = payment.order, payment.amount_cents
    expected = asked if asked is not None else due_before
    if currency != CURRENCY or amount < expected:
        _refuse_online_payment(
            session, payment, currency=currency, asked=expected, gateway=gateway, now=now
        )
        return
    if order.status is OrderStatus.CANCELLED:
        _note(order, notes.note("online_payment_after_cancel"), actor=None, now=now)
        refund(
            session,
            order,
            amount_cents=amount,
            reason=notes.note("paid_after_expiry"),
            actor=None,
            gateway=gateway,
            now=now,
        )
        notifications.send_late_payment_refunded(order)
        return
    if order.status in UNPAID:
        orders.record(
            order, OrderStatus.CONFIRMED, actor=None, now=now, note=notes.note("online_payment")
        )
        order_mails.send_confirmation(order)
    else:
        _note(order, notes.note("online_payment"), actor=None, now=now)
    excess = amount - min(expected, due_before)
    if excess > 0:
        _give_back_excess(session, payment, excess, asked=asked, gateway=gateway, now=now)


def _give_back_excess(
    session: Session,
    payment: Payment,
    excess: int,
    *,
    asked: int | None,
    gateway: StripeGateway,
    now: datetime,
) -> None:
    """Give back at once what an online payment brought beyond what was owed: more than its
    session asked (something is wrong: the concierge is alerted too), or a balance paid twice."""
    order, amount = payment.order, payment.amount_cents
    over = asked is not None and amount > asked
    if over:
        reason = _(
            "Paiement en ligne de %(paid)s pour %(asked)s demandés : trop-perçu remboursé",
            paid=money(amount),
            asked=money(asked),
        )
    else:  # the balance paid twice (two sessions, or online after the desk)
        reason = _("Solde déjà réglé : trop-perçu remboursé")
    refund(
        session,
        order,
        amount_cents=excess,
        reason=reason,
        actor=None,
        gateway=gateway,
        now=now,
        stripe_only=True,
    )
    if over:
        notifications.alert_amount_mismatch(
            session, payment, currency=CURRENCY, asked_cents=asked, refunded_cents=excess
        )


def _refuse_online_payment(
    session: Session,
    payment: Payment,
    *,
    currency: str | None,
    asked: int,
    gateway: StripeGateway,
    now: datetime,
) -> None:
    """A payment (recorded by the caller) that does not pay what was asked: less, or in another
    currency. It is given back whole at once through Stripe, and the concierge alerted.

    An order that waited for it is cancelled and its places freed, rather than left awaiting
    payment: its Checkout Session is complete, so it cannot be paid again, and only the hold's
    expiry would end it. An order under way (a balance session) stays as it was, the balance
    still owed: the customer pays it again from the order's page.
    """
    order, amount, currency = payment.order, payment.amount_cents, currency or "???"
    # Taken from the order's online payments: only this one for an order that waited for it.
    refund(
        session,
        order,
        amount_cents=amount,
        reason=notes.note(
            "paid_for_asked",
            paid=notes.amount(amount, currency=currency),
            asked=notes.amount(asked),
        ),
        actor=None,
        gateway=gateway,
        now=now,
        stripe_only=True,
    )
    if order.status in UNPAID:
        fail_payment(session, order, now=now, reason=notes.note("payment_amount_differs"))
    notifications.alert_amount_mismatch(
        session, payment, currency=currency, asked_cents=asked, refunded_cents=amount
    )


def confirm_on_return(
    session: Session, order: Order, *, gateway: StripeGateway | None, now: datetime
) -> None:
    """Back from Stripe Checkout: the redirect alone proves nothing, so ask Stripe whether the
    order's session is paid, and confirm the payment if it is (see `confirm_payment`).

    When Stripe cannot be reached, or another request records the same payment at this very
    moment, nothing changes here (a savepoint): the webhook confirms it, and the page says the
    payment is being confirmed."""
    waiting = (
        order.status is OrderStatus.AWAITING_PAYMENT or ledger.ledger(order).balance_due_cents > 0
    )
    if not (waiting and gateway and order.stripe_checkout_session_id):
        return
    try:
        checkout = gateway.retrieve_checkout_session(order.stripe_checkout_session_id)
        with session.begin_nested():
            confirm_payment(session, order, checkout, gateway=gateway, now=now)
    except (GatewayError, IntegrityError):
        return


def fail_payment(
    session: Session, order: Order, *, now: datetime, reason: notes.Note | str
) -> None:
    """The online payment failed or its session expired: free the places (if still waiting)."""
    if order.status not in UNPAID:
        return  # never move an order backwards (events may arrive out of order)
    orders.release_places(session, order, now=now)
    orders.record(order, OrderStatus.CANCELLED, actor=None, now=now, note=reason)
    session.flush()


def expire_unpaid_orders(session: Session, *, now: datetime) -> int:
    """Cancel online orders whose hold ran out without payment; their places go back on sale."""
    due = session.scalars(
        sa.select(Order)
        .where(
            Order.status.in_(UNPAID),
            Order.payment_method == PaymentMethod.ONLINE,
            Order.payment_expires_at <= now,
        )
        .with_for_update(skip_locked=True)
    ).all()
    for order in due:
        fail_payment(session, order, now=now, reason=notes.note("payment_late"))
    return len(due)


def handle_webhook_event(
    session: Session,
    event_id: str,
    event_type: str,
    object_id: str | None,
    *,
    gateway: StripeGateway,
    now: datetime,
) -> bool:
    """Handle one verified Stripe event once. Returns False for event types we ignore.

    The event id is stored first: a duplicate (even a concurrent one) hits the primary key and
    the caller answers 200 without changing anything. The payload is only a trigger: the session
    is fetched again from Stripe before anything is changed.
    """
    try:
        with session.begin_nested():
            session.add(StripeEvent(id=event_id, type=event_type, received_at=now))
    except IntegrityError as error:
        raise DuplicateEvent(event_id) from error
    if not event_type.startswith("checkout.session.") or not object_id:
        return False
    order = session.scalar(
        sa.select(Order).where(Order.stripe_checkout_session_id == object_id).with_for_update()
    )
    paid = event_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded")
    if order is None and paid:
        # A balance session replaced by a newer one (see start_balance_checkout) may still have
        # been paid: find its order by the metadata we set, on the session fetched from Stripe.
        checkout = gateway.retrieve_checkout_session(object_id)
        order = session.get(Order, checkout.order_id) if checkout.order_id else None
        if order is None or order.status in UNPAID:
            return False
        confirm_payment(session, order, checkout, gateway=gateway, now=now)
        return True
    if order is None:
        return False
    if paid:
        confirm_payment(
            session, order, gateway.retrieve_checkout_session(object_id), gateway=gateway, now=now
        )
    elif event_type == "checkout.session.async_payment_failed":
        fail_payment(session, order, now=now, reason=notes.note("payment_refused"))
    elif event_type == "checkout.session.expired":
        fail_payment(session, order, now=now, reason=notes.note("payment_session_expired"))
    else:
        return False
    return True


# At the desk ------------------------------------------------------------------------------------


def record_desk_payment(
    session: Session,
    order: Order,
    *,
    amount_cents: int,
    kind: PaymentKind,
    actor: User,
    now: datetime,
) -> Payment:
    """The concierge records money received at the desk (cash or the card terminal)."""
    if actor.role is not Role.CONCIERGE:
        raise PaymentError(_("Seul·e la concierge encaisse."))
    if kind is PaymentKind.STRIPE:
        raise PaymentError(_("Moyen de paiement invalide."))
    orders.lock(session, order)  # a double click must not record the money twice
    if order.status in UNPAID and order.payment_method is PaymentMethod.ONLINE:
        raise PaymentError(_("Cette commande attend son paiement en ligne."))
    if order.status in (OrderStatus.CANCELLED, OrderStatus.NO_SHOW):
        raise PaymentError(_("Cette commande est annulée."))
    if amount_cents <= 0:
        raise PaymentError(_("Montant invalide."))
    due = ledger.ledger(order).balance_due_cents
    if amount_cents > due:
        raise PaymentError(
            _(
                "Il reste %(due)s à régler : enregistrez au plus cette somme "
                "(et rendez la monnaie).",
                due=money(due),
            )
        )
    payment = Payment(
        order=order, kind=kind, amount_cents=amount_cents, recorded_by=actor, created_at=now
    )
    session.add(payment)
    session.flush()
    invoices.issue_receipt(session, payment, now=now)  # printed at the desk for a walk-in
    how = notes.note("cash" if kind is PaymentKind.DESK_CASH else "card_at_desk")
    _note(
        order,
        notes.note("paid_at_desk", how=notes.nested(how), amount=notes.amount(amount_cents)),
        actor=actor,
        now=now,
    )
    session.flush()
    return payment


# Refunds ----------------------------------------------------------------------------------------


def refund(
    session: Session,
    order: Order,
    *,
    amount_cents: int,
    reason: notes.Note | str,
    actor: User | None,
    gateway: StripeGateway | None,
    now: datetime,
    stripe_only: bool = False,
    desk_only: bool = False,
) -> list[Refund]:
    """Give back `amount_cents` of what was paid: from the most recent payment first, through
    Stripe for online payments (`stripe_only`/`desk_only` keep to one kind). `reason`: the
    concierge's words, or a Note when the app refunds (kept in French on the refund, read in
    the reader's language in the history). Each Stripe refund carries an idempotency key, so a
    retry after a failure returns the same refund instead of refunding twice.
    """
    text = _checked_refund_reason(order, amount_cents, notes.text_of(reason))
    said = reason if isinstance(reason, notes.Note) else text
    made = []
    remaining = amount_cents
    for payment in reversed(order.payments):
        online = payment.kind is PaymentKind.STRIPE
        if (stripe_only and not online) or (desk_only and online):
            continue
        part = min(ledger.refundable_cents(payment), remaining)
        if part <= 0:
            continue
        stripe_id = _refund_through_stripe(payment, part, gateway=gateway) if online else None
        item = Refund(
            order=order,
            payment=payment,
            amount_cents=part,
            reason=text,
            actor=actor,
            stripe_refund_id=stripe_id,
            created_at=now,
        )
        session.add(item)
        made.append(item)
        remaining -= part
        if remaining == 0:
            break
    given = amount_cents - remaining
    if given:
        _note(
            order,
            notes.note("refunded", amount=notes.amount(given), reason=notes.nested(said)),
            actor=actor,
            now=now,
        )
        session.flush()
        # What the refund took off the invoiced total (a gesture, say): an avoir on the invoice.
        invoices.credit_what_was_taken_off(session, order, reason=text, now=now)
    session.flush()
    return made


def _checked_refund_reason(order: Order, amount_cents: int, reason: str) -> str:
    """The refund's reason, stripped; refuses a missing or too long reason, and an amount the
    order's payments cannot give back."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise PaymentError(
            _("Indiquez le motif du remboursement (300 caractères au plus)."), field="reason"
        )
    refundable = ledger.ledger(order).kept_cents
    if not 0 < amount_cents <= refundable:
        raise PaymentError(
            _(
                "Montant invalide : au plus %(max)s peuvent être remboursés.",
                max=money(max(refundable, 0)),
            ),
            field="amount",
        )
    return reason


def _refund_through_stripe(payment: Payment, part: int, *, gateway: StripeGateway | None) -> str:
    """Give back `part` of an online payment through Stripe; the id of Stripe's refund."""
    if gateway is None:
        raise RefundFailed(_("Stripe n'est pas configuré : remboursement en ligne impossible."))
    number = len(payment.refunds) + 1
    try:
        return gateway.refund(
            payment_intent=payment.stripe_payment_intent_id,
            amount_cents=part,
            idempotency_key=f"refund-{payment.id}-{number}-{part}",
        )
    except GatewayError as error:
        raise RefundFailed(
            _("Stripe a refusé le remboursement : %(error)s", error=str(error))
        ) from error


def manual_refund(
    session: Session,
    order: Order,
    *,
    amount_cents: int,
    reason: str,
    actor: User,
    gateway: StripeGateway | None,
    now: datetime,
) -> list[Refund]:
    """The concierge gives money back. Up to what the ledger owes back, it is that refund;
    beyond it, it is a goodwill gesture: the order's price is lowered by the excess (a discount
    with the same reason), so that the refund does not leave the customer owing it again."""
    if actor.role is not Role.CONCIERGE:
        raise PaymentError(_("Seul·e la concierge rembourse."))
    orders.lock(session, order)  # a double click must not refund twice
    reason = _checked_refund_reason(order, amount_cents, reason)
    gesture = amount_cents - ledger.ledger(order).refund_due_cents
    if gesture > 0:
        session.add(
            Discount(order=order, amount_cents=gesture, reason=reason, actor=actor, created_at=now)
        )
        _note(
            order,
            notes.note("gesture", amount=notes.amount(gesture), reason=reason),
            actor=actor,
            now=now,
        )
    return refund(
        session,
        order,
        amount_cents=amount_cents,
        reason=reason,
        actor=actor,
        gateway=gateway,
        now=now,
    )


def refund_at_desk(session: Session, order: Order, *, actor: User, now: datetime) -> int:
    """The concierge gives back at the counter what the ledger owes back on desk payments
    (cash or the card terminal); returns the amount given."""
    if actor.role is not Role.CONCIERGE:
        raise PaymentError(_("Seul·e la concierge rembourse."))
    orders.lock(session, order)
    due = ledger.ledger(order).desk_refund_due_cents
    if due <= 0:
        raise PaymentError(_("Rien n'est à rembourser au comptoir pour cette commande."))
    refund(
        session,
        order,
        amount_cents=due,
        reason=notes.note("refunded_at_desk"),
        actor=actor,
        gateway=None,
        now=now,
        desk_only=True,
    )
    return due


def give_back_online(
    session: Session,
    order: Order,
    *,
    gateway: StripeGateway | None,
    now: datetime,
    actor: User | None = None,
) -> int:
    """Refund through Stripe what the ledger owes back on the order's online payments, and mail
    the customer; returns the amount refunded. Safe to re-run: once given, nothing is owed.

    Raises RefundFailed when Stripe cannot do it now (the job tries again later)."""
    due = ledger.ledger(order).online_refund_due_cents
    if due <= 0:
        return 0
    refund(
        session,
        order,
        amount_cents=due,
        reason=notes.note("refund_of_undone"),
        actor=actor,
        gateway=gateway,
        now=now,
        stripe_only=True,
    )
    notifications.send_refunded(order, due)
    return due


def give_back_due_refunds(
    session: Session, *, gateway: StripeGateway | None, now: datetime, limit: int = 100
) -> int:
    """The sweep: refund through Stripe what is owed back on online payments, order by order.
    An order Stripe refuses now is left for the next run (logged), the others go on."""
    if gateway is None:
        return 0
    paid = (
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_cents), 0))
        .where(Payment.order_id == Order.id)
        .scalar_subquery()
    )
    given = (
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0))
        .where(Refund.order_id == Order.id)
        .scalar_subquery()
    )
    online = sa.exists().where(Payment.order_id == Order.id, Payment.kind == PaymentKind.STRIPE)
    # A first cut in SQL (money held above the total, some of it paid online); the ledger
    # decides for each order what goes back online.
    candidates = session.scalars(
        sa.select(Order)
        .where(online, paid - given > Order.total_cents)
        .order_by(Order.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    refunded = 0
    for order in candidates:
        try:
            with session.begin_nested():
                if give_back_online(session, order, gateway=gateway, now=now):
                    refunded += 1
        except RefundFailed:
            logger.warning("refund of order %s failed: tried again later", order.code)
    return refunded


def cancel_and_refund(
    session: Session, order: Order, *, actor: User, gateway: StripeGateway | None, now: datetime
) -> None:
    """Cancel an order (freeing its places): nothing is charged any more, so what was paid
    online goes back through Stripe at once if it can (else the sweep does it), and what was
    paid at the desk is "à rembourser au comptoir"."""
    orders.cancel_order(session, order, actor=actor, now=now)
    try:
        with session.begin_nested():
            give_back_online(session, order, gateway=gateway, now=now, actor=actor)
    except RefundFailed:
        logger.warning("refund of cancelled order %s failed: the sweep tries again", order.code)
