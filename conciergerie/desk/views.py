"""The desk: the day's list of orders by slot, each order's desk page with the buttons that move
it along, orders taken at the counter, labels."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from conciergerie import policy
from conciergerie.accounts.permissions import role_required
from conciergerie.desk import service as desk
from conciergerie.desk.forms import (
    RECEIVED,
    CheckInForm,
    CounterOrderForm,
    DeskDayForm,
    FindOrderForm,
    check_in_form,
)
from conciergerie.desk.labels import label_qr
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.i18n import calendar_day, money, slot_hours
from conciergerie.models import (
    DeskSlot,
    Item,
    Offer,
    Order,
    OrderStatus,
    PaymentMethod,
    Provider,
    Role,
    utcnow,
)
from conciergerie.orders import items as order_items
from conciergerie.orders import service as orders
from conciergerie.orders import undo
from conciergerie.orders.forms import StepForm, chosen_day, slot_days, time_choices
from conciergerie.orders.views import move_slots_form
from conciergerie.payments.forms import DeskPaymentForm, RefundForm
from conciergerie.payments.gateway import order_settings
from conciergerie.payments.ledger import ledger
from conciergerie.portal.service import initials
from conciergerie.rooms import service as rooms
from conciergerie.texts import service as texts
from conciergerie.timeutils import local_date

# How far ahead a pickup can be chosen for an order taken at the counter.
COUNTER_PICKUP_HORIZON = timedelta(weeks=4)

bp = Blueprint("desk", __name__, url_prefix="/comptoir")


@bp.get("/")
@role_required(Role.VOLUNTEER)
def index():
    """The desk's day: its slots, each with the orders expected to drop off and to collect, one
    dense row each, narrowed by slot, state or lateness (`?day=2026-11-26&slot=&state=&late=y`).
    With a search (`?q=`): the orders found, or straight to the one it means."""
    find = FindOrderForm(request.args)
    search = find.q.data.strip() if find.validate() and find.q.data else ""
    if search and order_items.looks_like_item_code(search):
        # A label scanned (or typed): that item, on its order's page, with its next step.
        scanned = order_items.by_code(db.session, search)
        if scanned is not None:
            return redirect(
                url_for("desk.order", order_id=scanned.line.order_id, objet=scanned.code)
                + f"#objet-{scanned.code}"
            )
    if search:
        found = desk.active_orders(db.session, search=search)
        match = desk.the_match(found, search)
        if match is not None:
            return redirect(url_for("desk.order", order_id=match.id))
        return render_template("desk/index.html", find=find, found=found, searched=True)
    now = utcnow()
    today = local_date(now)
    form = DeskDayForm(request.args)
    valid = form.validate()
    day = (form.day.data if valid else None) or today
    form.day.data = day  # the date field shows the day shown
    everything = desk.day_slots(db.session, day, now=now)
    form.slot.choices = [SelectChoice(0, _("Tous"))] + [
        SelectChoice(entry.slot.id, slot_hours(entry.slot)) for entry in everything
    ]
    form.state.choices = [SelectChoice("", _("Tous"))] + [
        SelectChoice(status.value, orders.status_label(status))
        for status in OrderStatus
        if status is not OrderStatus.CANCELLED
    ]
    filters = _filters(form) if valid else desk.DayFilters()
    shown = desk.narrowed(everything, filters) if filters != desk.DayFilters() else everything
    return render_template(
        "desk/index.html",
        find=find,
        form=form,
        searched=False,
        day=day,
        today=today,
        everything=everything,
        slots_of_the_day=shown,
        filtered=filters != desk.DayFilters(),
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        room_bookings=rooms.bookings_of_day(db.session, day),
    )


def _filters(form: DeskDayForm) -> desk.DayFilters:
    state = form.state.data or ""
    return desk.DayFilters(
        slot_id=form.slot.data or None,
        status=OrderStatus(state) if state in OrderStatus._value2member_map_ else None,
        late_only=bool(form.late.data),
    )


@bp.get("/commandes/<id:order_id>")
@role_required(Role.VOLUNTEER)
def order(order_id: int):
    """The desk's page of one order: who, what, its money, and what to do with it now (receive
    its items, move it along, take or give back money)."""
    return _order_page(db.get_or_404(Order, order_id))


def _order_page(order: Order, *, refused: CheckInForm | None = None):
    now = utcnow()
    steps = orders.next_steps(order, current_user, now=now)
    reception = None
    if OrderStatus.DROPPED_OFF in steps:
        reception = refused or check_in_form(order, formdata=None)
    # The day the order is next expected at the desk: where its breadcrumb goes back to.
    slot = order.dropoff_slot if order.dropoff_slot and not desk.is_dropped(order) else None
    return render_template(
        "desk/order.html",
        order=order,
        day=local_date((slot or order.pickup_slot).starts_at),
        steps=steps,
        check_in_form=reception,
        uncollected=desk.uncollected_since(order, now=now),
        step_form=StepForm(),
        item_rows=order_items.rows_of(order, current_user, now),
        item_history=order_items.history_of(order),
        scanned=request.args.get("objet", ""),
        payment_form=DeskPaymentForm(formdata=None),
        refund_form=RefundForm(formdata=None),
        may_move=policy.can_move_slots(current_user, order, now=now),
    )


def order_page(order: Order, *, refused: CheckInForm | None = None):
    """The desk's page of `order`, where a refused action on it is explained (422, or the
    refusal's status): its steps here, its money in payments/views.py."""
    return _order_page(order, refused=refused), 422


@bp.post("/commandes/<id:order_id>/etape")
@role_required(Role.VOLUNTEER)
def step(order_id: int):
    """Move an order one step along. Refused (not this person's step, the order moved on): the
    order's desk page, with why. Aborts 400 on an unknown step."""
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
    return redirect(url_for("desk.order", order_id=order.id))


@bp.route("/commandes/<id:order_id>/creneaux", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def move_slots(order_id: int):
    """The concierge moves an order's drop-off or pickup (any time before the slot concerned
    starts); the customer is mailed the new times (orders.moves)."""
    order = db.get_or_404(Order, order_id)
    return move_slots_form(
        order,
        action=url_for("desk.move_slots", order_id=order.id),
        back=url_for("desk.order", order_id=order.id),
        done=_("%(code)s : créneaux changés, le client est prévenu par e-mail.", code=order.code),
    )


@bp.post("/commandes/<id:order_id>/reception")
@role_required(Role.CONCIERGE)
def check_in(order_id: int):
    """The concierge receives the items of an order: how many came, their state. Refused: the
    order's desk page again (422; 409 when the order has moved on, 403 when not allowed), showing
    why. Aborts 400 on numbers posted for lines that are not the order's services
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
    return redirect(url_for("desk.order", order_id=order.id))


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
    printer (one small label per page). Each QR code holds its item's own code, which the desk's
    search and the volunteer's round read."""
    order = db.get_or_404(Order, order_id)
    small = request.args.get("format") == "petite"
    items = [
        (
            item,
            len(line.items),
            Markup(label_qr(item.code).svg_inline(omitsize=True, title=item.code)),
        )
        for line in order.lines
        for item in line.items
    ]
    return render_template(
        "desk/labels.html",
        order=order,
        items=items,
        small=small,
        initials=initials,
    )


@bp.post("/objets/<id:objet_id>/annuler")
@role_required(Role.VOLUNTEER)
def undo_item(objet_id: int):
    """Take back the last step of an item (whoever recorded it, within 15 minutes; the
    concierge at any time). Refused: the order's desk page, saying why."""
    item = db.get_or_404(Item, objet_id)
    order = item.line.order
    on_refusal(lambda: order_page(order))
    step = undo.undo_item(db.session, item, actor=current_user._get_current_object(), now=utcnow())
    flash(
        _(
            "%(code)s : étape « %(stage)s » annulée.",
            code=item.code,
            stage=order_items.stage_label(step.to_stage),
        ),
        "success",
    )
    return redirect(url_for("desk.order", order_id=order.id, objet=item.code))


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
    if not texts.offered(current_app.config):
        form.phone.description = ""  # nobody is texted: the customer is not told they will be
    choices = _offer_choices()
    for entry in form.lines:
        entry.offer.choices = choices
    # First the customer and the lines; then the total and the pickups that fit their work.
    saving = request.method == "POST" and request.form.get("etape", "enregistrer") == "enregistrer"
    lines = _requested_lines(form) if request.method == "POST" else None
    fitting = (
        orders.fitting_pickups(
            db.session,
            lines,
            dropoff_slot=None,  # the items are handed in now
            now=now,
            settings=order_settings(),
            horizon=COUNTER_PICKUP_HORIZON,
        )[1]
        if lines
        else []
    )
    days = slot_days(fitting)
    form.pickup_slot.choices = [(slot.id, "") for slot in fitting]  # any of them is an answer
    form.pickup_day.choices = [(d.day.isoformat(), calendar_day(d.day)) for d in days]

    def page():
        # A POST shown again was refused (some errors are set on nested fields after validation).
        refused = request.method == "POST" and any(_errors(form))
        day = chosen_day(days, form.pickup_day.data, form.pickup_slot.data)
        form.pickup_day.data = day.day.isoformat() if day else None
        form.pickup_slot.choices = time_choices(day)
        quote = desk.counter_quote(lines, order_settings()) if lines else None
        return render_template(
            "desk/counter_order.html", form=form, refused=refused, quote=quote, lines=lines
        )

    if not saving or lines is None:
        return page(), 422 if request.method == "POST" and lines is None else 200
    if not form.validate_on_submit():
        return page(), 422
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
    return redirect(url_for("desk.order", order_id=order.id))


def _errors(form: CounterOrderForm):
    yield from (f for f in (form.name, form.phone, form.email, form.pickup_slot) if f.errors)
    yield from (f for entry in form.lines for f in (entry.offer, entry.quantity) if f.errors)


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
