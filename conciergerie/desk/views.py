"""The desk screen: orders in progress, and the buttons that move them along."""

from __future__ import annotations

from datetime import timedelta

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from conciergerie.accounts.permissions import role_required
from conciergerie.desk import service as desk
from conciergerie.desk.forms import (
    RECEIVED,
    CheckInForm,
    CounterOrderForm,
    FindOrderForm,
    check_in_form,
)
from conciergerie.errors import on_refusal
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
from conciergerie.orders import service as orders
from conciergerie.orders.forms import StepForm, slot_choices
from conciergerie.payments.forms import DeskPaymentForm, RefundForm
from conciergerie.payments.gateway import order_settings
from conciergerie.payments.ledger import ledger
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


def order_page(order: Order, *, refused: CheckInForm | None = None):
    """The desk screen showing `order` alone (searched by its code): where a refused action on
    it is explained (its steps here, its money in payments/views.py)."""
    return _desk_page(FindOrderForm(MultiDict({"q": order.code})), refused=refused, status=422)


@bp.post("/commandes/<id:order_id>/etape")
@role_required(Role.VOLUNTEER)
def step(order_id: int):
    """Move an order one step along. Refused (not this person's step, the order moved on): the
    desk screen showing that order, with why. Aborts 400 on an unknown step."""
    order = db.get_or_404(Order, order_id)
    form = StepForm()
    if not form.validate_on_submit() or form.to_status.data not in OrderStatus._value2member_map_:
        abort(400, description=_("Étape inconnue."))
    target = OrderStatus(form.to_status.data)
    on_refusal(lambda: order_page(order))
    orders.advance_order(
        db.session, order, target, actor=current_user._get_current_object(), now=utcnow()
    )
    flash(
        _("%(code)s : %(status)s.", code=order.code, status=orders.status_label(target)), "success"
    )
    return redirect(url_for("desk.index"))


@bp.post("/commandes/<id:order_id>/reception")
@role_required(Role.CONCIERGE)
def check_in(order_id: int):
    """The concierge receives the items of an order: how many came, their state. Refused: the
    desk screen again (422; 409 when the order has moved on, 403 when not allowed), the order's
    card showing why. Aborts 400 on numbers posted for lines that are not the order's services
    (a tampered or stale form)."""
    order = db.get_or_404(Order, order_id)
    form = check_in_form(order)
    form.order_id = order.id
    if form.unknown_lines(request.form):
        abort(400, description=_("Ligne inconnue dans cette commande : rechargez la page."))
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, description=_("Requête invalide : rechargez la page."))
        return order_page(order, refused=form)
    # The service names a line's number "received-<line id>".
    numbers = {
        f"received-{field.short_name.removeprefix(RECEIVED)}": field.short_name
        for field in form.received_fields()
    }
    on_refusal(lambda: order_page(order, refused=form), form, fields=numbers)
    desk.check_in(
        db.session,
        order,
        received=form.received(),
        remarks=form.remarks.data or "",
        actor=current_user._get_current_object(),
        now=utcnow(),
    )
    flash(_checked_in_message(order), "success")
    return redirect(url_for("desk.index", q=order.code))


def _checked_in_message(order: Order) -> Markup:
    """After a reception: a link to print the labels and, if the order is paid at the desk and
    something is due, a reminder to take the payment."""
    message = Markup('{} <a href="{}">{}</a>').format(
        _("%(code)s : articles reçus, commande déposée.", code=order.code),
        url_for("desk.labels", order_id=order.id),
        _("Imprimer les étiquettes"),
    )
    figures = ledger(order)
    if order.payment_method is PaymentMethod.DESK and figures.balance_due_cents > 0:
        message += Markup(" ") + _(
            "Pensez à encaisser : %(due)s restent à régler.", due=money(figures.balance_due_cents)
        )
    if figures.refund_due_cents > 0:
        message += Markup(" ") + _(
            "Moins d'articles que commandé : %(amount)s à rembourser.",
            amount=money(figures.refund_due_cents),
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
    items are handed in now, paid at the desk, collected in a slot. Refused: the form again
    (422, or the refusal's status), the reason on its field or at the top."""
    now = utcnow()
    form = CounterOrderForm()
    choices = _offer_choices()
    for entry in form.lines:
        entry.offer.choices = choices
    form.pickup_slot.choices = slot_choices(
        slots.open_slots(db.session, after=now, until=now + COUNTER_PICKUP_HORIZON)
    )

    def page():
        # A POST shown again was refused (some errors are set on nested fields after validation).
        refused = request.method == "POST"
        return render_template("desk/counter_order.html", form=form, refused=refused)

    lines = _requested_lines(form) if form.validate_on_submit() else None
    if lines is None:
        return page(), 422 if request.method == "POST" else 200
    on_refusal(page, form, fields={"pickup_slot_id": "pickup_slot"})
    order = desk.place_counter_order(
        db.session,
        full_name=form.name.data,
        phone=form.phone.data or "",
        email=form.email.data or "",
        lines=lines,
        pickup_slot=db.session.get(DeskSlot, form.pickup_slot.data),
        note=form.note.data or "",
        actor=current_user._get_current_object(),
        now=now,
        settings=order_settings(),
    )
    flash(_("Commande %(code)s enregistrée : articles déposés.", code=order.code), "success")
    return redirect(url_for("desk.index", q=order.code))


def _requested_lines(form: CounterOrderForm) -> list[orders.RequestedLine] | None:
    """The form's chosen offers, or None with the reason on the lines (none chosen, or one
    unknown)."""
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
    return [
        orders.RequestedLine(offer=offer, quantity=entry.quantity.data or 1)
        for entry, offer in wanted
    ]
