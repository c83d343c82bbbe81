"""The desk screen: orders in progress, and the buttons that move them along."""

from __future__ import annotations

from datetime import timedelta

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from conciergerie.accounts.permissions import role_required
from conciergerie.database import commit, on_commit
from conciergerie.desk import service as desk
from conciergerie.desk.forms import (
    RECEIVED,
    CheckInForm,
    CounterOrderForm,
    FindOrderForm,
    check_in_form,
)
from conciergerie.extensions import db
from conciergerie.i18n import money
from conciergerie.models import (
    DeskSlot,
    Offer,
    Order,
    OrderStatus,
    PaymentMethod,
    Provider,
    Role,
    utcnow,
)
from conciergerie.orders import notifications
from conciergerie.orders import service as orders
from conciergerie.orders.forms import StepForm, slot_choices
from conciergerie.payments.forms import DeskPaymentForm, RefundForm
from conciergerie.portal.service import initials
from conciergerie.slots import service as slots

# How far ahead a pickup can be chosen for an order taken at the counter.
COUNTER_PICKUP_HORIZON = timedelta(weeks=4)

bp = Blueprint("desk", __name__, url_prefix="/comptoir")


@bp.get("/")
@role_required(Role.VOLUNTEER)
def index():
    return _desk_page(FindOrderForm(request.args))


def _desk_page(find: FindOrderForm, *, refused: CheckInForm | None = None, status: int = 200):
    """The desk screen; `refused`: a reception form sent back with its errors (its order is
    searched, so that its card is shown)."""
    search = find.q.data if find.validate() else None
    found = desk.active_orders(db.session, search=search)
    now = utcnow()
    steps = {order.id: orders.next_steps(order, current_user, now=now) for order in found}
    check_in_forms = {
        order.id: check_in_form(order, formdata=None)
        for order in found
        if OrderStatus.DROPPED_OFF in steps[order.id]
    }
    if refused is not None:
        check_in_forms[refused.order_id] = refused
    return render_template(
        "desk/index.html",
        orders=found,
        searched=bool(search),
        today=[] if search else desk.todays_slots(db.session, now=now),
        uncollected={order.id: desk.uncollected_since(order, now=now) for order in found},
        steps=steps,
        check_in_forms=check_in_forms,
        find=find,
        step_form=StepForm(),
        payment_form=DeskPaymentForm(formdata=None),
        refund_form=RefundForm(formdata=None),
    ), status


@bp.post("/commandes/<id:order_id>/etape")
@role_required(Role.VOLUNTEER)
def step(order_id: int):
    order = db.get_or_404(Order, order_id)
    form = StepForm()
    if not form.validate_on_submit() or form.to_status.data not in OrderStatus._value2member_map_:
        abort(400, description=_("Étape inconnue."))
    target = OrderStatus(form.to_status.data)
    try:
        orders.advance_order(
            db.session, order, target, actor=current_user._get_current_object(), now=utcnow()
        )
    except orders.OrderError as error:
        db.session.rollback()
        flash(f"{order.code} : {error}", "error")
    else:
        if target is OrderStatus.BACK_AT_DESK:
            on_commit(db.session, lambda: notifications.send_ready(order))
        commit(db.session)
        flash(
            _("%(code)s : %(status)s.", code=order.code, status=orders.status_label(target)),
            "success",
        )
    return redirect(url_for("desk.index"))


@bp.post("/commandes/<id:order_id>/reception")
@role_required(Role.CONCIERGE)
def check_in(order_id: int):
    """The concierge receives the items of an order: how many came, their state. Refused: the
    desk screen again (422), the order's card showing why. Aborts 400 on numbers posted for
    lines that are not the order's services (a tampered or stale form)."""
    order = db.get_or_404(Order, order_id)
    form = check_in_form(order)
    form.order_id = order.id
    if form.unknown_lines(request.form):
        abort(400, description=_("Ligne inconnue dans cette commande : rechargez la page."))
    if form.validate_on_submit():
        try:
            desk.check_in(
                db.session,
                order,
                received=form.received(),
                remarks=form.remarks.data or "",
                actor=current_user._get_current_object(),
                now=utcnow(),
            )
        except (orders.InvalidTransition, orders.OrderNotAllowed) as error:
            db.session.rollback()  # the order has moved on, or the step is not yours
            flash(f"{order.code} : {error}", "error")
            return redirect(url_for("desk.index", q=order.code))
        except orders.OrderError as error:
            db.session.rollback()
            field = error.field or ""
            target = form._fields.get(field.replace("received-", RECEIVED))
            if target is not None:
                target.errors = [*target.errors, str(error)]
            else:
                form.form_errors.append(str(error))
        else:
            commit(db.session)
            flash(_checked_in_message(order), "success")
            return redirect(url_for("desk.index", q=order.code))
    elif "csrf_token" in form.errors:
        abort(400, description=_("Requête invalide : rechargez la page."))
    return _desk_page(FindOrderForm(MultiDict({"q": order.code})), refused=form, status=422)


def _checked_in_message(order: Order) -> Markup:
    """After a reception: a link to print the labels and, if the order is paid at the desk and
    something is due, a reminder to take the payment."""
    message = Markup('{} <a href="{}">{}</a>').format(
        _("%(code)s : articles reçus, commande déposée.", code=order.code),
        url_for("desk.labels", order_id=order.id),
        _("Imprimer les étiquettes"),
    )
    if order.payment_method is PaymentMethod.DESK and order.balance_due_cents > 0:
        message += Markup(" ") + _(
            "Pensez à encaisser : %(due)s restent à régler.", due=money(order.balance_due_cents)
        )
    return message


@bp.get("/commandes/<id:order_id>/etiquettes")
@role_required(Role.VOLUNTEER)
def labels(order_id: int):
    """Print-ready labels, one per item to carry: an A4 sheet, or `?format=petite` for a label
    printer (one small label per page). The QR code holds the order code the desk searches."""
    order = db.get_or_404(Order, order_id)
    small = request.args.get("format") == "petite"
    qr = Markup(segno.make(order.code, error="m").svg_inline(omitsize=True, title=order.code))
    items = [
        (line, number, line.quantity)
        for line in order.lines
        if line.kind.value == "service"
        for number in range(1, line.quantity + 1)
    ]
    return render_template(
        "desk/labels.html",
        order=order,
        items=items,
        qr=qr,
        small=small,
        initials=initials,
    )


def _offer_choices() -> list[SelectChoice]:
    offers = db.session.scalars(
        sa.select(Offer)
        .join(Provider)
        .where(Offer.is_active, Provider.is_active)
        .order_by(Provider.name, Offer.position, Offer.name)
        .options(sa.orm.contains_eager(Offer.provider))
    ).all()
    return [SelectChoice(0, "—")] + [
        SelectChoice(offer.id, offer.name, optgroup=offer.provider.name) for offer in offers
    ]


@bp.route("/nouvelle-commande", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def counter_order():
    """An order taken at the counter for a customer without an account (or not signed in): the
    items are handed in now, paid at the desk, collected in a slot."""
    now = utcnow()
    form = CounterOrderForm()
    choices = _offer_choices()
    for entry in form.lines:
        entry.offer.choices = choices
    form.pickup_slot.choices = slot_choices(
        slots.open_slots(db.session, after=now, until=now + COUNTER_PICKUP_HORIZON)
    )
    if form.validate_on_submit():
        order = _place_counter_order(form, now)
        if order is not None:
            on_commit(db.session, lambda: notifications.send_confirmation(order))
            commit(db.session)
            flash(
                _("Commande %(code)s enregistrée : articles déposés.", code=order.code), "success"
            )
            return redirect(url_for("desk.index", q=order.code))
    # A POST that gets here was refused (some errors are set on nested fields after validation).
    status = 422 if request.method == "POST" else 200
    return render_template("desk/counter_order.html", form=form, refused=status == 422), status


def _place_counter_order(form: CounterOrderForm, now) -> Order | None:
    """Place the form's order; on a rule's refusal, put the reason on its field and roll back."""
    wanted = [
        (entry, db.session.get(Offer, entry.offer.data))
        for entry in form.lines
        if entry.offer.data  # 0: the empty choice
    ]
    unknown = [entry for entry, offer in wanted if offer is None]
    for entry in unknown:
        entry.offer.errors = [*entry.offer.errors, _("Prestation inconnue.")]
    if not wanted:
        form.lines[0].offer.errors = [_("Choisissez au moins une prestation.")]
    if unknown or not wanted:
        return None
    try:
        customer = desk.walk_in_customer(
            db.session,
            full_name=form.name.data,
            phone=form.phone.data or "",
            email=form.email.data or "",
            now=now,
        )
        return orders.place_order(
            db.session,
            customer=customer,
            lines=[
                orders.RequestedLine(offer=offer, quantity=entry.quantity.data or 1)
                for entry, offer in wanted
            ],
            dropoff_slot=None,
            pickup_slot=db.session.get(DeskSlot, form.pickup_slot.data),
            note=form.note.data or "",
            payment=PaymentMethod.DESK,
            now=now,
            settings=orders.OrderSettings.from_config(current_app.config),
            at_counter=current_user._get_current_object(),
        )
    except desk.WalkInError as error:
        db.session.rollback()
        field = getattr(form, error.field or "name")
        field.errors = [*field.errors, str(error)]
    except orders.OrderError as error:
        db.session.rollback()
        field = form.pickup_slot
        if error.field == "note":
            field = form.note
        elif error.field and error.field.startswith("lines["):
            index = int(error.field[6 : error.field.index("]")])
            field = form.lines[min(index, len(wanted) - 1)].offer
        field.errors = [*field.errors, str(error)]
    return None
