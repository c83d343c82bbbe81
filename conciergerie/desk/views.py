"""The desk screen: orders in progress, and the buttons that move them along."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from conciergerie.accounts.permissions import role_required
from conciergerie.desk import service as desk
from conciergerie.desk.forms import FindOrderForm
from conciergerie.extensions import db
from conciergerie.mail import commit, on_commit
from conciergerie.models import Order, OrderStatus, Role, utcnow
from conciergerie.orders import notifications
from conciergerie.orders import service as orders
from conciergerie.orders.forms import StepForm
from conciergerie.payments.forms import DeskPaymentForm, RefundForm
from conciergerie.portal.service import initials

bp = Blueprint("desk", __name__, url_prefix="/comptoir")


@bp.get("/")
@role_required(Role.VOLUNTEER)
def index():
    find = FindOrderForm(request.args)
    search = find.q.data if find.validate() else None
    found = desk.active_orders(db.session, search=search)
    now = utcnow()
    steps = {order.id: orders.next_steps(order, current_user, now=now) for order in found}
    return render_template(
        "desk/index.html",
        orders=found,
        searched=bool(search),
        today=[] if search else desk.todays_slots(db.session, now=now),
        uncollected={order.id: desk.uncollected_since(order, now=now) for order in found},
        steps=steps,
        find=find,
        step_form=StepForm(),
        payment_form=DeskPaymentForm(formdata=None),
        refund_form=RefundForm(formdata=None),
    )


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
