"""Basket, checkout and "Mes commandes"."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from conciergerie import policy
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.models import DeskSlot, Offer, Order, OrderLine, PaymentMethod, utcnow
from conciergerie.orders import basket, calendar, moves, quotes, service
from conciergerie.orders.access import own_order_or_404
from conciergerie.orders.forms import (
    AddToBasketForm,
    CancelForm,
    CheckoutForm,
    DropoffForm,
    MoveSlotsForm,
    UpdateBasketForm,
    chosen_day,
    slot_days,
    time_choices,
)
from conciergerie.orders.progress import line_journey
from conciergerie.payments import service as payments
from conciergerie.payments.checkout import open_checkout
from conciergerie.payments.gateway import get_gateway, order_settings
from conciergerie.payments.ledger import ledger
from conciergerie.security import is_valid_id
from conciergerie.slots import service as slots

# Finished orders listed per page on "Mes commandes".
PAST_PER_PAGE = 20

bp = Blueprint("orders", __name__)

# How far ahead the checkout offers slots.
DROPOFF_HORIZON = timedelta(weeks=3)
PICKUP_HORIZON = timedelta(weeks=3)
# How far ahead a slot can be moved to.
MOVE_HORIZON = timedelta(weeks=3)


@bp.app_context_processor
def inject_basket_size() -> dict[str, object]:
    """The number of items in the basket, for the menu of every page (not in mails, which
    jobs render outside any request)."""
    if not has_request_context():
        return {}
    return {"basket_size": sum(basket.read(session).values())}


@bp.post("/panier/ajouter")
def add_to_basket():
    """Add an offer to the basket. Refused when the basket would hold more items than an order
    may: the basket's page, with the reason (422)."""
    form = AddToBasketForm()
    offer = db.session.get(Offer, form.offer_id.data) if is_valid_id(form.offer_id.data) else None
    if offer is None or not offer.is_active or not offer.provider.is_active:
        abort(404, description=_("Cette offre n'est plus proposée."))
    back = url_for("catalogue.provider", slug=offer.provider.slug)
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.quantity.errors)) or _("Quantité invalide."), "error")
        return redirect(back)
    on_refusal(_basket_page)
    basket.add(session, offer.id, form.quantity.data, settings=order_settings())
    flash(_("« %(name)s » ajouté au panier.", name=offer.name), "success")
    return redirect(back)


@bp.get("/panier")
def show_basket():
    return _basket_page()


def _basket_page():
    """The basket's page; also where a refused change of the basket is explained."""
    settings = order_settings()
    lines = basket.lines(db.session, basket.read(session))
    quote = fee_basis = None
    if current_user.is_authenticated and current_user.is_customer:
        quote = service.quote(lines, current_user, settings)
        fee_basis = service.fee_basis(current_user)
    subtotal = sum(line.total_cents for line in lines)
    count = service.items_count(lines)
    too_many = (
        service.too_many_items_message(count, settings)
        if count > settings.max_items_per_order
        else None
    )
    return render_template(
        "orders/basket.html",
        lines=lines,
        quote=quote,
        fee_basis=fee_basis,
        subtotal=subtotal,
        form=UpdateBasketForm(),
        too_many_items=too_many,
        deliveries=service.basket_deliveries(db.session, lines, now=utcnow()),
    )


@bp.post("/panier/modifier")
def update_basket():
    """Change a quantity in the basket. Refused when the basket would hold more items than an
    order may: the basket's page, with the reason (422)."""
    form = UpdateBasketForm()
    if form.validate_on_submit():
        on_refusal(_basket_page)
        basket.set_quantity(
            session, form.offer_id.data, form.quantity.data, settings=order_settings()
        )
        flash(_("Panier mis à jour."), "success")
    else:
        flash(" ".join(map(str, form.quantity.errors)) or _("Quantité invalide."), "error")
    return redirect(url_for("orders.show_basket"))


def _customer_only() -> None:
    if not current_user.is_customer:
        abort(
            403,
            description=_(
                "Les commandes sont réservées aux habitant·es et aux salarié·es de La Grappe."
            ),
        )


def _open_slot(raw: str | None, *, now) -> DeskSlot | None:
    """The slot a form or a link names, if it is still open; None for anything else."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    slot_id = int(raw)
    slot = db.session.get(DeskSlot, slot_id) if is_valid_id(slot_id) else None
    if slot is None or slot.starts_at <= now or slot.remaining <= 0:
        return None
    return slot


def _day_links(days: list, param: str, **kept) -> list[tuple]:
    """Each day with the link that shows its times (the other choices kept)."""
    kept = {name: value for name, value in kept.items() if value is not None}
    return [
        (day, url_for("orders.checkout", **kept, **{param: day.day.isoformat()})) for day in days
    ]


def _dropoff_page(lines, raw: str | None, *, now):
    """Step 1: the days with a free drop-off slot, then the times of the chosen one."""
    days = slot_days(slots.open_slots(db.session, after=now, until=now + DROPOFF_HORIZON))
    day = chosen_day(days, request.args.get("jour"))
    form = DropoffForm(request.args)
    form.depot.choices = time_choices(day)
    if raw:
        form.depot.errors = [_("Ce créneau n'est plus disponible : choisissez-en un autre.")]
    elif "continuer" in request.args:
        form.depot.errors = [_("Choisissez un créneau de dépôt.")]
    status = 422 if form.depot.errors else 200
    page = render_template(
        "orders/checkout_dropoff.html",
        form=form,
        lines=lines,
        days=_day_links(days, "jour"),
        chosen=day,
    )
    return page, status


@bp.route("/commande", methods=["GET", "POST"])
@login_required
def checkout():
    """Step 1 (services): choose the drop-off slot. Step 2: pickup slot, note, payment."""
    _customer_only()
    now = utcnow()
    lines = basket.lines(db.session, basket.read(session))
    if not lines:
        flash(_("Votre panier est vide."), "info")
        return redirect(url_for("orders.show_basket"))
    needs_dropoff = service.needs_dropoff(lines)

    dropoff = None
    if needs_dropoff:
        raw = (
            request.form.get("dropoff_slot")
            if request.method == "POST"
            else request.args.get("depot")
        )
        dropoff = _open_slot(raw, now=now)
        if dropoff is None:
            return _dropoff_page(lines, raw, now=now)

    earliest, pickup_slots = service.fitting_pickups(
        db.session,
        lines,
        dropoff_slot=dropoff,
        now=now,
        settings=order_settings(),
        horizon=PICKUP_HORIZON,
    )
    form = CheckoutForm()
    pickup_days = slot_days(pickup_slots)
    # Any open slot of the window is a valid answer; the page shows one day's times at a time.
    form.pickup_slot.choices = [(slot.id, "") for slot in pickup_slots]
    if get_gateway() is not None:
        form.payment.choices = [
            *form.payment.choices,
            SelectChoice(PaymentMethod.ONLINE.value, _("En ligne, par carte (Stripe)")),
        ]
    quote = service.quote(lines, current_user, order_settings())

    def page():
        form.dropoff_slot.data = str(dropoff.id) if dropoff else ""
        day = chosen_day(pickup_days, request.args.get("retrait"), form.pickup_slot.data)
        form.pickup_slot.choices = time_choices(day)
        return render_template(
            "orders/checkout.html",
            form=form,
            lines=lines,
            quote=quote,
            fee_basis=service.fee_basis(current_user),
            dropoff=dropoff,
            days=_day_links(pickup_days, "retrait", depot=dropoff.id if dropoff else None),
            chosen=day,
            # The first day a pickup is offered (the rule's day may be a closed one).
            first_pickup=pickup_slots[0].starts_at if pickup_slots else earliest,
        )

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    on_refusal(page, form, fields={"pickup_slot_id": "pickup_slot"}, default_field="pickup_slot")
    order = service.place_order(
        db.session,
        customer=current_user._get_current_object(),
        lines=lines,
        dropoff_slot=dropoff,
        pickup_slot=db.session.get(DeskSlot, form.pickup_slot.data),
        note=form.note.data or "",
        payment=PaymentMethod(form.payment.data),
        now=now,
        settings=order_settings(),
    )
    if order.payment_method is PaymentMethod.ONLINE:
        return _pay_online(order)
    basket.clear(session)
    flash(_("Commande %(code)s confirmée. À bientôt au comptoir !", code=order.code), "success")
    return redirect(url_for("orders.detail", order_id=order.id))


def _pay_online(order: Order):
    url = open_checkout(order)
    if url is None:
        flash(
            _(
                "Le paiement en ligne est indisponible pour le moment : "
                "choisissez le paiement au comptoir."
            ),
            "error",
        )
        return redirect(url_for("orders.show_basket"))
    basket.clear(session)
    return redirect(url, code=303)


@bp.get("/commandes/")
@login_required
def my_orders():
    """The customer's orders: those under way as cards, the finished ones as one line each,
    PAST_PER_PAGE at a time (`?page=`), most recent first."""
    orders = service.orders_of(db.session, current_user)
    under_way = [order for order in orders if not order.status.is_final]
    finished = [order for order in orders if order.status.is_final]
    pages = max(1, -(-len(finished) // PAST_PER_PAGE))
    page = request.args.get("page", 1, type=int)
    page = min(max(page, 1), pages)
    return render_template(
        "orders/list.html",
        orders=orders,
        under_way=under_way,
        finished=finished[(page - 1) * PAST_PER_PAGE : page * PAST_PER_PAGE],
        finished_count=len(finished),
        page=page,
        pages=pages,
    )


@bp.get("/commandes/<id:order_id>")
@login_required
def detail(order_id: int):
    return _detail_page(own_order_or_404(order_id))


def _detail_page(order: Order):
    """The order's page; also where a refused action on it is explained."""
    journeys = [
        (line, line_journey(order, line)) for line in order.lines if line.kind.value == "service"
    ]
    return render_template(
        "orders/detail.html",
        order=order,
        cancel_form=CancelForm(),
        now=utcnow(),
        online_payment=get_gateway() is not None,
        journeys=[(line, steps) for line, steps in journeys if steps],
        may_move=policy.can_move_slots(current_user, order, now=utcnow()),
    )


@bp.post("/commandes/<id:order_id>/annuler")
@login_required
def cancel(order_id: int):
    order = own_order_or_404(order_id)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda: _detail_page(order))
    payments.cancel_and_refund(
        db.session,
        order,
        actor=current_user._get_current_object(),
        gateway=get_gateway(),
        now=utcnow(),
    )
    if ledger(order).refunded_cents:
        flash(
            _(
                "Commande %(code)s annulée et remboursée : vos créneaux sont libérés.",
                code=order.code,
            ),
            "success",
        )
    else:
        flash(
            _("Commande %(code)s annulée : vos créneaux sont libérés.", code=order.code), "success"
        )
    return redirect(url_for("orders.detail", order_id=order.id))


@bp.post("/commandes/<id:order_id>/lignes/<id:line_id>/devis/accepter")
@login_required
def accept_quote(order_id: int, line_id: int):
    return _answer_quote(order_id, line_id, accept=True)


@bp.post("/commandes/<id:order_id>/lignes/<id:line_id>/devis/refuser")
@login_required
def decline_quote(order_id: int, line_id: int):
    return _answer_quote(order_id, line_id, accept=False)


def _answer_quote(order_id: int, line_id: int, *, accept: bool):
    """The customer accepts or declines the price proposed for a line on quote. Someone else's
    order is a 404; the concierge, who may see it, may not answer for the customer (403)."""
    order = own_order_or_404(order_id)
    line = db.session.get(OrderLine, line_id)
    if line is None or line.order_id != order.id:
        abort(404)
    if order.customer_id != current_user.id:
        abort(403)
    if not CancelForm().validate_on_submit():
        abort(400, description=_("Requête invalide : rechargez la page."))
    action = quotes.accept if accept else quotes.decline
    on_refusal(lambda: _detail_page(order))
    action(db.session, line, actor=current_user._get_current_object(), now=utcnow())
    if not accept:
        flash(_("Devis refusé : l'article vous reviendra sans frais."), "success")
    elif ledger(order).balance_due_cents and order.payment_method is PaymentMethod.ONLINE:
        flash(_("Devis accepté. Vous pouvez régler le solde en ligne ou au comptoir."), "success")
    else:
        flash(_("Devis accepté : le travail commence. Vous réglerez au comptoir."), "success")
    return redirect(url_for("orders.detail", order_id=order.id))


@bp.get("/commandes/<id:order_id>.ics")
@login_required
def ics(order_id: int):
    order = own_order_or_404(order_id)
    return Response(
        calendar.order_calendar(
            order,
            desk_address=f"{current_app.config['DESK_NAME']}, {current_app.config['DESK_ADDRESS']}",
        ),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{order.code}.ics"'},
    )


@bp.route("/commandes/<id:order_id>/creneaux", methods=["GET", "POST"])
@login_required
def move_slots(order_id: int):
    """ "Changer de créneau": another drop-off or pickup slot with a place left, until the
    order's deadline (orders.moves). Refused: the form again, with why on its field."""
    order = own_order_or_404(order_id)
    return move_slots_form(
        order,
        action=url_for("orders.move_slots", order_id=order.id),
        back=url_for("orders.detail", order_id=order.id),
        done=_("Changement enregistré : un e-mail vous confirme vos nouveaux créneaux."),
    )


def move_slots_form(order: Order, *, action: str, back: str, done: str):
    """The form that moves an order's slots, for its customer and for the desk (desk/views.py):
    shown, or sent (then back to `back`, with `done` flashed)."""
    now = utcnow()
    form = MoveSlotsForm()

    def page():
        dropoffs, pickups = moves.slots_to_offer(
            db.session, order, now=now, settings=order_settings(), horizon=MOVE_HORIZON
        )
        form.offer(dropoffs, pickups)
        return render_template(
            "orders/move_slots.html",
            order=order,
            form=form,
            action=action,
            back=back,
            may_move=policy.can_move_slots(current_user, order, now=now),
            dropoffs=dropoffs,
            pickups=pickups,
        )

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(), 422
    chosen = {"dropoff_slot": None, "pickup_slot": None}
    for name in chosen:
        slot_id = form[name].data
        chosen[name] = db.session.get(DeskSlot, slot_id) if is_valid_id(slot_id) else None
        if slot_id and chosen[name] is None:
            form[name].errors = [_("Ce créneau n'existe pas.")]
            return page(), 422
    on_refusal(
        page, form, fields={"dropoff_slot_id": "dropoff_slot", "pickup_slot_id": "pickup_slot"}
    )
    moves.move_slots(
        db.session,
        order,
        current_user._get_current_object(),
        **chosen,
        now=now,
        settings=order_settings(),
    )
    flash(done, "success")
    return redirect(back)
