"""Stripe's webhook, the return page after Checkout, and the desk's money screens."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from conciergerie.accounts.permissions import role_required
from conciergerie.desk.views import order_page
from conciergerie.errors import on_refusal
from conciergerie.extensions import csrf, db
from conciergerie.invoices import service as invoices
from conciergerie.mail import external_url
from conciergerie.models import Order, OrderStatus, Payment, PaymentKind, Refund, Role, utcnow
from conciergerie.orders.access import own_order_or_404
from conciergerie.orders.views import detail as order_detail
from conciergerie.payments import service
from conciergerie.payments.forms import BalanceForm, DeskPaymentForm, RefundForm
from conciergerie.payments.gateway import GatewayError, InvalidWebhook, get_gateway
from conciergerie.spreadsheets import csv_download, safe_cell
from conciergerie.timeutils import local

bp = Blueprint("payments", __name__)
log = logging.getLogger(__name__)


@bp.post("/payments/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Verified Stripe events. 400 for anything unsigned, badly signed or stale; 200 for events
    already handled or ignored; a 5xx (database down) makes Stripe retry."""
    gateway = get_gateway()
    if gateway is None:
        return jsonify(error="stripe is not configured"), 400
    try:
        event = gateway.parse_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except InvalidWebhook as error:
        log.warning("refused Stripe webhook: %s", error)
        return jsonify(error="invalid signature"), 400
    try:
        handled = service.handle_webhook_event(
            db.session, event.id, event.type, event.object_id, gateway=gateway, now=utcnow()
        )
    except service.DuplicateEvent:
        return jsonify(status="duplicate"), 200  # nothing to keep: the event was handled before
    except GatewayError as error:  # answered 503: nothing is kept, Stripe sends it again
        log.error("Stripe unreachable while handling %s: %s", event.id, error)
        return jsonify(error="stripe unreachable, retry later"), 503
    return jsonify(status="handled" if handled else "ignored"), 200


@bp.get("/commandes/<id:order_id>/paiement")
@login_required
def payment_return(order_id: int):
    """Back from Stripe Checkout. The redirect alone proves nothing: the order is confirmed by the
    webhook, or here by asking Stripe directly for the session."""
    order = own_order_or_404(order_id)
    service.confirm_on_return(db.session, order, gateway=get_gateway(), now=utcnow())
    if order.status is OrderStatus.AWAITING_PAYMENT:
        return render_template("payments/pending.html", order=order)
    return redirect(url_for("orders.detail", order_id=order.id))


@bp.post("/commandes/<id:order_id>/payer-le-solde")
@login_required
def pay_balance(order_id: int):
    """The customer pays online what an order still owes (an accepted price on quote). Refused
    (nothing owed, Stripe unreachable): the order's page, with why."""
    order = own_order_or_404(order_id)
    if order.customer_id != current_user.id:
        abort(403)
    if not BalanceForm().validate_on_submit():
        abort(400, description=_("Requête invalide : rechargez la page."))
    on_refusal(lambda: order_detail(order.id))
    url = service.start_balance_checkout(
        db.session,
        order,
        gateway=get_gateway(),
        success_url=external_url("payments.payment_return", order_id=order.id),
        cancel_url=external_url("orders.detail", order_id=order.id),
        now=utcnow(),
    )
    return redirect(url, code=303)


@bp.route("/payments/test-checkout/<session_id>", methods=["GET", "POST"])
def test_checkout(session_id: str):
    """Plays Stripe's hosted checkout in the testing configuration only (a 404 elsewhere): sends
    a correctly signed checkout.session.completed to our webhook, then goes to the success URL."""
    if not current_app.config.get("TESTING") or not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        abort(404)
    order = db.session.scalar(
        sa.select(Order).where(Order.stripe_checkout_session_id == session_id)
    )
    if order is None:
        abort(404)
    if request.method == "GET":
        return render_template("payments/test_checkout.html", order=order)
    from conciergerie.payments.testing import signed_event

    body, signature = signed_event(
        "checkout.session.completed",
        {"id": session_id, "object": "checkout.session"},
        secret=current_app.config["STRIPE_WEBHOOK_SECRET"],
        timestamp=int(time.time()),
    )
    db.session.close()  # end our transaction (it only read): the webhook request runs on its own
    answer = current_app.test_client().post(
        url_for("payments.stripe_webhook"),
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    log.info("test checkout: the webhook answered %s", answer.status_code)
    return redirect(url_for("payments.payment_return", order_id=order.id))


# The desk ---------------------------------------------------------------------------------------


def _desk_action(order: Order, form, action, done: str | Callable[[Any], str], back: str):
    """Validate a desk money form, run `action` (a service call), say it is done (`done`, or
    what `done` makes of the action's result). Refused (the form, or the service): the
    order's desk page, with why (422, or the refusal's status)."""
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return order_page(order)
    on_refusal(lambda: order_page(order))
    result = action()
    flash(done(result) if callable(done) else done, "success")
    return redirect(back)


def _paid_message(payment: Payment) -> Markup:
    """After a payment at the desk: a link to print its receipt (a walk-in takes it along)."""
    receipt = invoices.receipt_of(payment)
    return Markup('{} <a href="{}">{}</a>').format(
        _("%(code)s : paiement enregistré.", code=payment.order.code),
        url_for("invoices.show", document_id=receipt.id),
        _("Imprimer le reçu %(number)s", number=receipt.number),
    )


@bp.post("/comptoir/commandes/<id:order_id>/encaisser")
@role_required(Role.CONCIERGE)
def desk_payment(order_id: int):
    order = db.get_or_404(Order, order_id)
    form = DeskPaymentForm()
    return _desk_action(
        order,
        form,
        lambda: service.record_desk_payment(
            db.session,
            order,
            amount_cents=form.amount.data,
            kind=PaymentKind(form.kind.data),
            actor=current_user._get_current_object(),
            now=utcnow(),
        ),
        _paid_message,
        url_for("desk.order", order_id=order.id),
    )


@bp.post("/comptoir/commandes/<id:order_id>/rembourser")
@role_required(Role.CONCIERGE)
def desk_refund(order_id: int):
    order = db.get_or_404(Order, order_id)
    form = RefundForm()
    return _desk_action(
        order,
        form,
        lambda: service.manual_refund(
            db.session,
            order,
            amount_cents=form.amount.data,
            reason=form.reason.data,
            actor=current_user._get_current_object(),
            gateway=get_gateway(),
            now=utcnow(),
        ),
        _("%(code)s : remboursement enregistré.", code=order.code),
        url_for("desk.order", order_id=order.id),
    )


@bp.post("/comptoir/commandes/<id:order_id>/rendu")
@role_required(Role.CONCIERGE)
def desk_refund_due(order_id: int):
    """The concierge gave back at the counter what the order owes back on desk payments."""
    order = db.get_or_404(Order, order_id)
    form = FlaskForm()
    return _desk_action(
        order,
        form,
        lambda: service.refund_at_desk(
            db.session, order, actor=current_user._get_current_object(), now=utcnow()
        ),
        _("%(code)s : remboursement au comptoir enregistré.", code=order.code),
        url_for("desk.order", order_id=order.id),
    )


@bp.get("/comptoir/export-paiements.csv")
@role_required(Role.CONCIERGE)
def export_payments():
    """For the accountant: every payment and refund, one line each."""
    rows = []
    payments = db.session.scalars(
        sa.select(Payment)
        .options(selectinload(Payment.order).selectinload(Order.customer))
        .order_by(Payment.created_at)
    )
    fee_left: dict[int, int] = {}  # an order paid in parts counts its fee once, first
    for payment in payments:
        order = payment.order
        fee = min(fee_left.setdefault(order.id, order.fee_cents), payment.amount_cents)
        fee_left[order.id] -= fee
        rows.append(
            (
                payment.created_at,
                order.code,
                order.customer.full_name,
                payment.kind.value,
                payment.amount_cents,
                fee,
                payment.amount_cents - fee,
                0,
            )
        )
    refunds = db.session.scalars(
        sa.select(Refund).options(
            selectinload(Refund.order).selectinload(Order.customer), selectinload(Refund.payment)
        )
    )
    for item in refunds:
        rows.append(
            (
                item.created_at,
                item.order.code,
                item.order.customer.full_name,
                item.payment.kind.value,
                0,
                0,
                0,
                item.amount_cents,
            )
        )
    rows.sort(key=lambda row: row[0])
    return csv_download(
        ["date", "commande", "client", "moyen", "brut", "frais", "part prestataires",
         "remboursement"],
        (
            [
                local(when).strftime("%Y-%m-%d %H:%M"),
                code,
                safe_cell(customer),
                kind,
                *(f"{c / 100:.2f}".replace(".", ",") for c in (gross, fee, share, refunded)),
            ]
            for when, code, customer, kind, gross, fee, share, refunded in rows
        ),
        "paiements.csv",
    )  # fmt: skip
