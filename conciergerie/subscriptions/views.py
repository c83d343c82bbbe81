"""The customer's basket subscriptions ("Mes abonnements"), and the desk's list of them."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from conciergerie import policy
from conciergerie.accounts.permissions import role_required
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.i18n import calendar_day
from conciergerie.models import BasketSubscription, Offer, OfferKind, PaymentMethod, Role, utcnow
from conciergerie.payments.gateway import get_gateway, order_settings
from conciergerie.subscriptions import service
from conciergerie.subscriptions.forms import ActionForm, DeliveryForm, PauseForm, SubscribeForm

bp = Blueprint("subscriptions", __name__)


def _lead() -> timedelta:
    return timedelta(days=current_app.config["SUBSCRIPTION_LEAD_DAYS"])


def _customer_only() -> None:
    if not current_user.is_customer:
        abort(
            403,
            description=_(
                "Les abonnements sont réservés aux habitant·es et aux salarié·es de La Grappe."
            ),
        )


def _own_subscription_or_404(subscription_id: int) -> BasketSubscription:
    """The signed-in customer's subscription; a 404 for anybody else's (its existence untold)."""
    _customer_only()
    subscription = db.session.get(BasketSubscription, subscription_id)
    if subscription is None or not policy.can_manage_subscription(current_user, subscription):
        abort(404)
    return subscription


def _done(message: str):
    flash(message, "success")
    return redirect(url_for("subscriptions.mine"))


@bp.get("/abonnements/")
@login_required
def mine():
    _customer_only()
    return _mine_page()


def _mine_page():
    """The customer's subscriptions; also where a refused change to one is explained."""
    now = utcnow()
    subscriptions = service.subscriptions_of(db.session, current_user)
    return render_template(
        "subscriptions/mine.html",
        subscriptions=[
            (item, service.coming_deliveries(db.session, item, now=now)) for item in subscriptions
        ],
        now=now,
        delivery_form=DeliveryForm(),
        pause_form=PauseForm(),
        action_form=ActionForm(),
        baskets=db.session.scalars(
            db.select(Offer)
            .where(Offer.kind == OfferKind.BASKET, Offer.is_active)
            .order_by(Offer.name)
        ).all(),
        frequency=service.frequency_label,
        status_label=service.status_label,
    )


@bp.route("/abonnements/nouveau/<id:basket_id>", methods=["GET", "POST"])
@login_required
def new(basket_id: int):
    _customer_only()
    offer = db.session.get(Offer, basket_id)
    if (
        offer is None
        or offer.kind is not OfferKind.BASKET
        or not offer.is_active
        or not offer.provider.is_active
    ):
        abort(404, description=_("Ce panier n'est plus proposé."))
    now = utcnow()
    form = SubscribeForm()
    form.first_delivery.choices = [
        SelectChoice(day.isoformat(), calendar_day(day))
        for day in service.open_deliveries(offer, now=now)
    ]
    if get_gateway() is not None:
        form.payment.choices = [
            *form.payment.choices,
            SelectChoice(
                PaymentMethod.ONLINE.value, _("En ligne, par carte, à chaque panier (Stripe)")
            ),
        ]

    def page():
        return render_template("subscriptions/new.html", form=form, offer=offer)

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    on_refusal(page, form, default_field="first_delivery")
    service.subscribe(
        db.session,
        customer=current_user._get_current_object(),
        offer=offer,
        quantity=form.quantity.data,
        every_weeks=int(form.every_weeks.data),
        first_delivery=date.fromisoformat(form.first_delivery.data),
        pickup_from=form.pickup_from.data,
        payment=PaymentMethod(form.payment.data),
        now=now,
        lead=_lead(),
        settings=order_settings(),
    )
    return _done(_("Abonnement à « %(name)s » enregistré.", name=offer.name))


@bp.post("/abonnements/<id:subscription_id>/sauter")
@login_required
def skip(subscription_id: int):
    subscription = _own_subscription_or_404(subscription_id)
    form = DeliveryForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(_mine_page)
    service.skip(
        db.session,
        subscription,
        form.day.data,
        actor=current_user._get_current_object(),
        now=utcnow(),
        gateway=get_gateway(),
    )
    return _done(_("Panier du %(day)s sauté.", day=calendar_day(form.day.data)))


@bp.post("/abonnements/<id:subscription_id>/garder")
@login_required
def unskip(subscription_id: int):
    subscription = _own_subscription_or_404(subscription_id)
    form = DeliveryForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(_mine_page)
    service.unskip(
        db.session,
        subscription,
        form.day.data,
        actor=current_user._get_current_object(),
        now=utcnow(),
        lead=_lead(),
        settings=order_settings(),
    )
    return _done(_("Panier du %(day)s rétabli.", day=calendar_day(form.day.data)))


@bp.post("/abonnements/<id:subscription_id>/pause")
@login_required
def pause(subscription_id: int):
    subscription = _own_subscription_or_404(subscription_id)
    form = PauseForm()
    if not form.validate_on_submit():
        # One page holds the pause form of every subscription: the error is flashed at its top.
        flash(" ".join(map(str, form.until.errors)) or _("Date invalide."), "error")
        return _mine_page(), 422
    on_refusal(_mine_page)
    service.pause(
        db.session,
        subscription,
        form.until.data,
        actor=current_user._get_current_object(),
        now=utcnow(),
        gateway=get_gateway(),
    )
    return _done(
        _("Abonnement en pause jusqu'au %(day)s inclus.", day=calendar_day(form.until.data))
    )


@bp.post("/abonnements/<id:subscription_id>/reprendre")
@login_required
def resume(subscription_id: int):
    subscription = _own_subscription_or_404(subscription_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    on_refusal(_mine_page)
    service.resume(
        db.session,
        subscription,
        actor=current_user._get_current_object(),
        now=utcnow(),
        lead=_lead(),
        settings=order_settings(),
    )
    return _done(_("Abonnement repris."))


@bp.post("/abonnements/<id:subscription_id>/arreter")
@login_required
def stop(subscription_id: int):
    subscription = _own_subscription_or_404(subscription_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    on_refusal(_mine_page)
    service.stop(
        db.session,
        subscription,
        actor=current_user._get_current_object(),
        now=utcnow(),
        gateway=get_gateway(),
    )
    return _done(
        _("Abonnement arrêté. Les paniers déjà commandés après leur date limite restent dus.")
    )


@bp.get("/comptoir/abonnements")
@role_required(Role.CONCIERGE)
def desk_list():
    now = utcnow()
    return render_template(
        "subscriptions/desk_list.html",
        subscriptions=[
            (item, service.next_delivery(db.session, item, now=now))
            for item in service.all_subscriptions(db.session)
        ],
        frequency=service.frequency_label,
        status_label=service.status_label,
    )
