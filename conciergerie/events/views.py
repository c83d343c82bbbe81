"""Event pages: the list, one event, registering, organising, the poster and the archive."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import segno
import sqlalchemy as sa
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
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from markupsafe import Markup
from wtforms import SelectChoice

from conciergerie import policy
from conciergerie.accounts.permissions import role_required
from conciergerie.errors import on_refusal
from conciergerie.events import images, service
from conciergerie.events.forms import ActionForm, EventForm, MessageForm
from conciergerie.extensions import db
from conciergerie.mail import external_url
from conciergerie.models import Event, EventStatus, Provider, RegistrationStatus, Role, utcnow
from conciergerie.spreadsheets import csv_download, safe_cell
from conciergerie.timeutils import PARIS, local

bp = Blueprint("events", __name__, url_prefix="/evenements")


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_ROOT"]) / "events"


def _event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


@bp.get("/")
def index():
    return render_template("events/index.html", events=service.upcoming(db.session, now=utcnow()))


@bp.get("/<id:event_id>")
def detail(event_id: int):
    return _detail_page(_event(event_id))


def _detail_page(event: Event):
    """The event's page; also where a refused registration or cancellation is explained."""
    registration = position = None
    if current_user.is_authenticated:
        registration = service.registration_of(db.session, event, current_user)
        if registration is not None and registration.status is RegistrationStatus.WAITING:
            position = service.waiting_position(db.session, registration)
    return render_template(
        "events/detail.html",
        event=event,
        registration=registration,
        position=position,
        action_form=ActionForm(),
        may_organise=policy.can_organise_events(current_user),
        now=utcnow(),
    )


@bp.post("/<id:event_id>/inscription")
@login_required
def register(event_id: int):
    event = _event(event_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    on_refusal(lambda: _detail_page(event))
    registration = service.register(
        db.session, event, current_user._get_current_object(), now=utcnow()
    )
    if registration.status is RegistrationStatus.CONFIRMED:
        flash(_("Vous êtes inscrit·e. À bientôt !"), "success")
    else:
        flash(
            _(
                "C'est complet : vous êtes sur la liste d'attente. "
                "Nous vous écrirons si une place se libère."
            ),
            "info",
        )
    return redirect(url_for("events.detail", event_id=event.id))


@bp.post("/<id:event_id>/desinscription")
@login_required
def unregister(event_id: int):
    event = _event(event_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    on_refusal(lambda: _detail_page(event))
    service.unregister(db.session, event, current_user._get_current_object(), now=utcnow())
    flash(_("Votre inscription est annulée."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


# Organising -------------------------------------------------------------------------------------


def _provider_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        sa.select(Provider.id, Provider.name).where(Provider.is_active).order_by(Provider.name)
    )
    return [SelectChoice(row.id, row.name) for row in rows]


def _utc(value: datetime) -> datetime:
    """A wall-clock time typed in the form (Paris) as an aware UTC datetime."""
    return value.replace(tzinfo=PARIS).astimezone(UTC)


def _values(form: EventForm) -> dict:
    """What a validated form says of the event, for create_event and update_event."""
    providers = db.session.scalars(
        sa.select(Provider).where(Provider.id.in_(form.providers.data or []))
    ).all()
    return dict(
        title=form.title.data,
        description=form.description.data or "",
        place=form.place.data,
        starts_at=_utc(form.starts_at.data),
        ends_at=_utc(form.ends_at.data),
        capacity=form.capacity.data,
        providers=providers,
        image_name=images.new_image_name() if form.picture is not None else None,
    )


def _store_picture(form: EventForm, name: str | None) -> None:
    """The picture, stored once the event was accepted: a refused form leaves no file."""
    if name is not None:
        images.save_image(form.picture, folder=_upload_folder(), name=name)


@bp.route("/nouveau", methods=["GET", "POST"])
@role_required(Role.VOLUNTEER)
def create():
    form = EventForm()
    form.providers.choices = _provider_choices()

    def page():
        return render_template("events/form.html", form=form, event=None)

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    on_refusal(page, form, default_field="title")
    values = _values(form)
    event = service.create_event(
        db.session, organiser=current_user._get_current_object(), now=utcnow(), **values
    )
    _store_picture(form, values["image_name"])
    flash(_("Événement publié."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/<id:event_id>/modifier", methods=["GET", "POST"])
@role_required(Role.VOLUNTEER)
def edit(event_id: int):
    event = _event(event_id)
    form = EventForm(obj=None if request.method == "POST" else event)
    form.providers.choices = _provider_choices()
    if request.method == "GET":
        form.starts_at.data = local(event.starts_at).replace(tzinfo=None)
        form.ends_at.data = local(event.ends_at).replace(tzinfo=None)
        form.providers.data = [p.id for p in event.providers]

    def page():
        return render_template("events/form.html", form=form, event=event)

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    on_refusal(page, form, default_field="title")
    values = _values(form)
    service.update_event(
        db.session, event, actor=current_user._get_current_object(), now=utcnow(), **values
    )
    _store_picture(form, values["image_name"])
    flash(_("Événement mis à jour."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.post("/<id:event_id>/annuler")
@role_required(Role.VOLUNTEER)
def cancel(event_id: int):
    event = _event(event_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    on_refusal(lambda: _detail_page(event))
    service.cancel_event(db.session, event, actor=current_user._get_current_object(), now=utcnow())
    flash(_("Événement annulé : les inscrit·es sont prévenu·es par e-mail."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/<id:event_id>/participants", methods=["GET", "POST"])
@role_required(Role.VOLUNTEER)
def participants(event_id: int):
    """Names for the volunteers; e-mails too for the concierge."""
    event = _event(event_id)
    form = MessageForm()

    def page():
        return render_template(
            "events/participants.html",
            event=event,
            people=service.participants(db.session, event),
            form=form,
            show_emails=current_user.role is Role.CONCIERGE,
        )

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    on_refusal(page, form)
    count = service.email_participants(
        db.session,
        event,
        actor=current_user._get_current_object(),
        subject=form.subject.data,
        body=form.body.data,
    )
    flash(
        ngettext(
            "Message envoyé à %(num)d personne.", "Message envoyé à %(num)d personnes.", count
        ),
        "success",
    )
    return redirect(url_for("events.participants", event_id=event.id))


# Files: image, calendar, poster, archive --------------------------------------------------------


@bp.get("/<id:event_id>/image")
def image(event_id: int):
    event = _event(event_id)
    if not event.image_name:
        abort(404)
    # The name comes from our database (a uuid we chose), never from the request. Read whole
    # (a picture is re-encoded at most 1200 px wide, a few hundred KB): no file stays open when a
    # visitor leaves the page while it loads.
    path = Path(_upload_folder()) / event.image_name
    if not path.is_file():
        abort(404)
    data = path.read_bytes()
    response = make_response(data)
    response.mimetype = "image/jpeg"
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    return response.make_conditional(request)


def _calendar_event(event: Event) -> CalendarEvent:
    item = CalendarEvent()
    item.add("uid", f"event-{event.id}@etvoila-gambetta")
    item.add("dtstamp", event.updated_at)
    item.add("last-modified", event.updated_at)
    item.add("sequence", event.sequence)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.title)
    item.add("location", event.place)
    item.add("description", event.description)
    item.add("url", external_url("events.detail", event_id=event.id))
    if event.status is EventStatus.CANCELLED:
        item.add("status", "CANCELLED")
    return item


def _ics(events: list[Event], filename: str) -> Response:
    calendar = Calendar()
    calendar.add("prodid", "-//Et voila Gambetta//evenements//FR")
    calendar.add("version", "2.0")
    for event in events:
        calendar.add_component(_calendar_event(event))
    return Response(
        calendar.to_ical(),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<id:event_id>.ics")
def event_ics(event_id: int):
    return _ics([_event(event_id)], f"evenement-{event_id}.ics")


@bp.get("/flux.ics")
def feed():
    return _ics(service.upcoming(db.session, now=utcnow()), "evenements.ics")


@bp.get("/<id:event_id>/affiche")
def poster(event_id: int):
    event = _event(event_id)
    url = external_url("events.detail", event_id=event.id)  # the public address, not our Host
    qr = Markup(segno.make(url, error="m").svg_inline(omitsize=True, title=url))
    with force_locale("fr"):  # the poster is in French, whatever the organiser's language
        return render_template("events/poster.html", event=event, qr=qr, url=url)


@bp.get("/archives")
def archives():
    return render_template("events/archive.html", rows=service.archive(db.session, now=utcnow()))


@bp.get("/archives.csv")
@role_required(Role.VOLUNTEER)
def archives_csv():
    return csv_download(
        ["date", "titre", "lieu", "capacité", "participants", "statut"],
        (
            [
                local(event.starts_at).strftime("%Y-%m-%d %H:%M"),
                safe_cell(event.title),
                safe_cell(event.place),
                event.capacity or "",
                attendance,
                event.status.value,
            ]
            for event, attendance in service.archive(db.session, now=utcnow())
        ),
        "evenements.csv",
    )
