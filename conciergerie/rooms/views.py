"""Rooms' pages: the spaces and their week (/salles), requesting and one's bookings
(/salles/reservations), the concierge's spaces, requests and quotas (/gestion/salles)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from wtforms import SelectChoice

from conciergerie import policy
from conciergerie.accounts.permissions import role_required
from conciergerie.database import begin_writing
from conciergerie.errors import on_refusal
from conciergerie.events import images
from conciergerie.extensions import db
from conciergerie.mail import external_url
from conciergerie.models import (
    BookerKind,
    Booking,
    MemberCompany,
    Role,
    Space,
    SpaceKind,
    SpacePhoto,
    utcnow,
)
from conciergerie.rooms import availability, pricing, service
from conciergerie.rooms.forms import (
    ActionForm,
    BookingForm,
    CancelForm,
    ConfirmForm,
    DeclineForm,
    QuotaForm,
    SpaceForm,
    kind_label,
    space_kind_label,
)
from conciergerie.timeutils import at_local, local_date

bp = Blueprint("rooms", __name__)


@bp.app_context_processor
def _labels() -> dict:
    return {"booker_kind_label": kind_label, "space_kind_label": space_kind_label}


# Requests that may hold a room: on SQLite, their transaction takes the write lock first
# (BEGIN IMMEDIATE), so that two at once take turns instead of one failing "database is locked".
HOLDING = frozenset({"rooms.request_booking", "rooms.confirm"})


@bp.before_request
def _write_first() -> None:
    if request.endpoint in HOLDING:
        begin_writing(db.session)


@bp.app_template_filter("local_week")
def _local_week(moment) -> str:
    """The Monday (Paris) of the week of `moment`, for the week view's link."""
    return availability.week_of(local_date(moment)).isoformat()


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_ROOT"]) / "spaces"


def _space(space_id: int) -> Space:
    return db.get_or_404(Space, space_id)


def _booking(booking_id: int) -> Booking:
    """The booking, for its requester or the concierge; a 404 for anyone else."""
    booking = db.get_or_404(Booking, booking_id)
    if not policy.can_view_booking(current_user, booking):
        abort(404)
    return booking


def _monday() -> date:
    """The week asked for (`?semaine=`), this week when none, or one we cannot show (a bad
    date, or one so far off that the next week does not exist: 9999-12-31)."""
    today = local_date(utcnow())
    try:
        day = date.fromisoformat(request.args.get("semaine", ""))
    except ValueError:
        day = today
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        day = today
    return availability.week_of(day)


# For everyone -----------------------------------------------------------------------------------


@bp.get("/salles/")
def index():
    return render_template("rooms/index.html", spaces=service.active_spaces(db.session))


@bp.get("/salles/<id:space_id>")
def space(space_id: int):
    return _space_page(_space(space_id), BookingForm(formdata=None))


def _space_page(space: Space, form: BookingForm):
    monday = _monday()
    _layout_choices(form, space)
    return render_template(
        "rooms/space.html",
        space=space,
        week=service.week(db.session, space, monday),
        monday=monday,
        previous_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        show_names=policy.can_see_booking_names(current_user),
        form=form,
    )


def _layout_choices(form: BookingForm, space: Space) -> None:
    form.layout.choices = [SelectChoice("", _("Sans préférence"))] + [
        SelectChoice(c, c) for c in space.layout_choices
    ]


@bp.get("/salles/<id:space_id>/photos/<id:photo_id>")
def photo(space_id: int, photo_id: int):
    picture = db.get_or_404(SpacePhoto, photo_id)
    path = _upload_folder() / picture.image_name
    if picture.space_id != space_id or not path.is_file():
        abort(404)
    data = path.read_bytes()  # the name is ours (a uuid), never the request's
    response = make_response(data)
    response.mimetype = "image/jpeg"
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    return response.make_conditional(request)


@bp.post("/salles/<id:space_id>/reserver")
@login_required
def request_booking(space_id: int):
    space = _space(space_id)
    form = BookingForm()
    _layout_choices(form, space)
    if not form.validate_on_submit():
        return _space_page(space, form), 422
    on_refusal(lambda: _space_page(space, form), form)
    day = form.day.data
    booking = service.request_booking(
        db.session,
        space,
        current_user._get_current_object(),
        service.BookingRequest(
            starts_at=at_local(day, form.starts_at.data),
            ends_at=at_local(day, form.ends_at.data),
            purpose=form.purpose.data,
            attendees=form.attendees.data,
            layout=form.layout.data or "",
            catering_note=form.catering_note.data or "",
            association_name=form.association_name.data or "",
        ),
        now=utcnow(),
    )
    if booking.status.value == "confirmed":
        flash(
            _("Réservation confirmée : c'est compris dans les heures de votre entreprise."),
            "success",
        )
    else:
        flash(_("Demande envoyée : la conciergerie vous répond par e-mail."), "success")
    return redirect(url_for("rooms.booking", booking_id=booking.id))


@bp.get("/salles/reservations")
@login_required
def my_bookings():
    return render_template(
        "rooms/mine.html",
        bookings=service.bookings_of(db.session, current_user),
        charge=pricing.charge,
    )


@bp.get("/salles/reservations/<id:booking_id>")
@login_required
def booking(booking_id: int):
    return _booking_page(_booking(booking_id))


def _booking_page(booking: Booking):
    return render_template(
        "rooms/booking.html",
        booking=booking,
        figures=pricing.charge(booking),
        free_until=service.free_until(booking, free_hours=_free_hours()),
        action_form=ActionForm(),
        now=utcnow(),
    )


def _free_hours() -> int:
    return current_app.config["ROOM_FREE_CANCELLATION_HOURS"]


def _act(
    booking: Booking,
    act: Callable[..., object],
    said: str | Callable[[], tuple[str, str]],
    *,
    form: FlaskForm | None = None,
    page: Callable[[], object] | None = None,
    then: str | None = None,
    fields: dict[str, str] | None = None,
    values: Callable[[], dict] = dict,
):
    """A booking's action, posted: `form` checked (when None, the action's bare button: a 400
    if not valid; a form not valid shows `page` again, 422), the service's `act` done to
    `booking` by the signed-in user, now, with the `values` read from the form (a refusal shows
    `page` again), then `said` flashed ("success"; or a function saying what was done, and how)
    and the browser sent to `then`. By default `page` and `then` are the concierge's page of
    the booking."""
    page = page or (lambda: _manage_page(booking))
    if form is None:
        if not ActionForm().validate_on_submit():
            abort(400)
    elif not form.validate_on_submit():
        return page(), 422
    on_refusal(page, form, fields=fields)
    act(db.session, booking, actor=current_user._get_current_object(), now=utcnow(), **values())
    message, category = said() if callable(said) else (said, "success")
    flash(message, category)
    return redirect(then or url_for("rooms.manage_booking", booking_id=booking.id))


@bp.post("/salles/reservations/<id:booking_id>/annuler")
@login_required
def cancel(booking_id: int):
    booking = _booking(booking_id)
    return _act(
        booking,
        service.cancel_booking,
        lambda: _cancelled(booking),
        page=lambda: _booking_page(booking),
        then=url_for("rooms.booking", booking_id=booking.id),
        values=lambda: {
            "free_hours": _free_hours(),
            "free_of_charge": bool(CancelForm().free_of_charge.data),
        },
    )


def _cancelled(booking: Booking) -> tuple[str, str]:
    """What the requester is told once `booking` is cancelled."""
    if booking.cancellation_charged:
        return (
            _(
                "Réservation annulée. Annulée moins de %(hours)d h avant, elle reste due.",
                hours=_free_hours(),
            ),
            "info",
        )
    return _("Réservation annulée, sans frais."), "success"


@bp.get("/salles/reservations/<id:booking_id>.ics")
@login_required
def booking_ics(booking_id: int):
    booking = _booking(booking_id)
    item = CalendarEvent()
    item.add("uid", f"booking-{booking.id}@etvoila-gambetta")
    item.add("dtstamp", booking.decided_at or booking.created_at)
    item.add("dtstart", booking.starts_at)
    item.add("dtend", booking.ends_at)
    item.add("summary", f"{booking.space.name} — {booking.purpose}")
    item.add("location", f"{booking.space.name}, La Grappe — 75 rue Gambetta, Lille")
    item.add("url", external_url("rooms.booking", booking_id=booking.id))
    item.add(
        "status",
        {"confirmed": "CONFIRMED", "requested": "TENTATIVE"}.get(booking.status.value, "CANCELLED"),
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Et voila Gambetta//salles//FR")
    calendar.add("version", "2.0")
    calendar.add_component(item)
    return Response(
        calendar.to_ical(),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="reservation-{booking.id}.ics"'},
    )


# The concierge ----------------------------------------------------------------------------------


@bp.get("/gestion/salles/")
@role_required(Role.CONCIERGE)
def manage():
    return render_template(
        "rooms/manage.html",
        spaces=db.session.scalars(db.select(Space).order_by(Space.position, Space.name)).all(),
        requests=service.waiting_requests(db.session),
    )


def _space_values(form: SpaceForm) -> dict:
    values = {
        name: form[name].data
        for name in (
            "name",
            "description",
            "capacity",
            "equipment",
            "layouts",
            "opens_at",
            "closes_at",
            "open_weekdays",
            "is_active",
            *(f"{k.value}_{p}_cents" for k in BookerKind for p in ("hour", "half_day", "day")),
        )
    }
    values["kind"] = SpaceKind(form.kind.data)
    values["description"] = values["description"] or ""
    values["equipment"] = values["equipment"] or ""
    values["layouts"] = values["layouts"] or ""
    return values


def _space_form_page(form: SpaceForm, space: Space | None):
    def page():
        return render_template(
            "rooms/space_form.html", form=form, space=space, action_form=ActionForm()
        )

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    on_refusal(page, form, default_field="name")
    names = [images.new_image_name() for _picture in form.pictures]
    space = service.save_space(db.session, space, image_names=names, **_space_values(form))
    for picture, name in zip(form.pictures, names, strict=True):  # once the space is accepted
        images.save_image(picture, folder=_upload_folder(), name=name)
    flash(_("Espace enregistré."), "success")
    return redirect(url_for("rooms.space", space_id=space.id))


@bp.route("/gestion/salles/nouvelle", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def new_space():
    return _space_form_page(SpaceForm(), None)


@bp.route("/gestion/salles/<id:space_id>/modifier", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def edit_space(space_id: int):
    space = _space(space_id)
    form = SpaceForm(obj=None if request.method == "POST" else space)
    if request.method == "GET":
        form.kind.data = space.kind.value
    return _space_form_page(form, space)


@bp.post("/gestion/salles/<id:space_id>/photos/<id:photo_id>/retirer")
@role_required(Role.CONCIERGE)
def remove_photo(space_id: int, photo_id: int):
    picture = db.get_or_404(SpacePhoto, photo_id)
    if picture.space_id != space_id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    service.remove_photo(db.session, picture)
    flash(_("Photo retirée."), "success")
    return redirect(url_for("rooms.edit_space", space_id=space_id))


@bp.get("/gestion/salles/reservations/<id:booking_id>")
@role_required(Role.CONCIERGE)
def manage_booking(booking_id: int):
    return _manage_page(db.get_or_404(Booking, booking_id))


def _manage_page(
    booking: Booking, confirm: ConfirmForm | None = None, decline: DeclineForm | None = None
):
    if confirm is None:
        confirm = ConfirmForm(formdata=None)
        confirm.kind.data = (
            BookerKind.ASSOCIATION.value if booking.association_name else booking.booker_kind.value
        )
        confirm.association_name.data = booking.association_name
    quotes = {
        kind: service.price_of(
            db.session, booking, kind, booking.company or booking.requester.member_company
        )
        for kind in BookerKind
    }
    return render_template(
        "rooms/manage_booking.html",
        booking=booking,
        figures=pricing.charge(booking),
        quotes=quotes,
        confirm_form=confirm,
        decline_form=decline or DeclineForm(formdata=None),
        action_form=ActionForm(),
        cancel_form=CancelForm(formdata=None),
        free_until=service.free_until(booking, free_hours=_free_hours()),
        now=utcnow(),
    )


@bp.post("/gestion/salles/reservations/<id:booking_id>/confirmer")
@role_required(Role.CONCIERGE)
def confirm(booking_id: int):
    booking = db.get_or_404(Booking, booking_id)
    form = ConfirmForm()
    return _act(
        booking,
        service.confirm_booking,
        _("Réservation confirmée ; le demandeur est prévenu par e-mail."),
        form=form,
        page=lambda: _manage_page(booking, confirm=form),
        fields={"starts_at": "kind"},
        values=lambda: {
            "kind": BookerKind(form.kind.data),
            "association_name": form.association_name.data or "",
        },
    )


@bp.post("/gestion/salles/reservations/<id:booking_id>/refuser")
@role_required(Role.CONCIERGE)
def decline(booking_id: int):
    booking = db.get_or_404(Booking, booking_id)
    form = DeclineForm()
    return _act(
        booking,
        service.decline_booking,
        _("Demande refusée ; le demandeur est prévenu par e-mail."),
        form=form,
        page=lambda: _manage_page(booking, decline=form),
        then=url_for("rooms.manage"),
        values=lambda: {"reason": form.reason.data},
    )


@bp.post("/gestion/salles/reservations/<id:booking_id>/paiement")
@role_required(Role.CONCIERGE)
def record_payment(booking_id: int):
    booking = db.get_or_404(Booking, booking_id)
    return _act(booking, service.record_payment, _("Paiement enregistré."))


@bp.post("/gestion/salles/reservations/<id:booking_id>/rendu")
@role_required(Role.CONCIERGE)
def record_refund(booking_id: int):
    booking = db.get_or_404(Booking, booking_id)
    return _act(booking, service.record_refund, _("Remboursement enregistré."))


@bp.route("/gestion/salles/quotas", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def quotas():
    companies = db.session.scalars(db.select(MemberCompany).order_by(MemberCompany.name)).all()
    form = QuotaForm()

    def page():
        hours = {c.id: service.quota_hours(db.session, c) for c in companies}
        return render_template("rooms/quotas.html", companies=companies, hours=hours, form=form)

    if request.method == "GET":
        return page()
    company = db.session.get(MemberCompany, request.form.get("company_id", type=int) or 0)
    if company is None or not form.validate_on_submit():
        return page(), 422
    on_refusal(page, form)
    service.set_quota(db.session, company, form.hours_per_month.data)
    flash(_("Heures incluses de %(name)s enregistrées.", name=company.name), "success")
    return redirect(url_for("rooms.quotas"))
