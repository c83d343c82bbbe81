"""The concierge edits the desk's opening hours and closure days; slots follow at once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from conciergerie.accounts.permissions import role_required
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.models import DeskClosure, DeskOpeningRange, DeskSlot, Role, utcnow
from conciergerie.slots import service
from conciergerie.slots.forms import ClosureForm, DeleteForm, OpeningRangeForm
from conciergerie.slots.jobs import generate_ahead
from conciergerie.timeutils import local_date, public_holidays_between

bp = Blueprint("slots", __name__, url_prefix="/comptoir/horaires")


def _regenerate_and_report() -> None:
    """Make the slots follow the hours just changed (saved with them, by the request)."""
    report = generate_ahead(db.session, now=utcnow())
    message = _(
        "Créneaux mis à jour : %(created)s, %(removed)s.",
        created=ngettext("%(num)d créé", "%(num)d créés", report.created),
        removed=ngettext("%(num)d retiré", "%(num)d retirés", report.removed),
    )
    if report.kept_with_bookings:
        message += " " + ngettext(
            "%(num)d créneau réservé est gardé : prévenez les client·es (voir le comptoir).",
            "%(num)d créneaux réservés sont gardés : prévenez les client·es (voir le comptoir).",
            report.kept_with_bookings,
        )
    flash(message, "success")


def _page(range_form: OpeningRangeForm | None = None, closure_form: ClosureForm | None = None):
    today = local_date(utcnow())
    ranges = db.session.scalars(
        sa.select(DeskOpeningRange).order_by(DeskOpeningRange.weekday, DeskOpeningRange.opens_at)
    ).all()
    closures = db.session.scalars(
        sa.select(DeskClosure).where(DeskClosure.day >= today).order_by(DeskClosure.day)
    ).all()
    upcoming = db.session.scalar(
        sa.select(sa.func.count()).select_from(DeskSlot).where(DeskSlot.starts_at > utcnow())
    )
    forms_with_errors = (range_form and range_form.errors) or (closure_form and closure_form.errors)
    return render_template(
        "slots/opening_hours.html",
        ranges=ranges,
        closures=closures,
        holidays=public_holidays_between(today, today + timedelta(days=365)),
        upcoming_slots=upcoming,
        range_form=range_form or OpeningRangeForm(),
        closure_form=closure_form or ClosureForm(),
        delete_form=DeleteForm(),
    ), 422 if forms_with_errors else 200


@bp.get("/")
@role_required(Role.CONCIERGE)
def opening_hours():
    return _page()


@bp.post("/plages")
@role_required(Role.CONCIERGE)
def add_range():
    form = OpeningRangeForm()
    if not form.validate_on_submit():
        return _page(range_form=form)
    on_refusal(lambda: _page(range_form=form), form, default_field="closes_at")
    service.add_opening_range(
        db.session,
        weekday=form.weekday.data,
        opens_at=form.opens_at.data,
        closes_at=form.closes_at.data,
    )
    _regenerate_and_report()
    return redirect(url_for("slots.opening_hours"))


@bp.post("/plages/<id:range_id>/supprimer")
@role_required(Role.CONCIERGE)
def delete_range(range_id: int):
    if not DeleteForm().validate_on_submit():
        abort(400)
    db.session.delete(db.get_or_404(DeskOpeningRange, range_id))
    db.session.flush()
    _regenerate_and_report()
    return redirect(url_for("slots.opening_hours"))


@bp.post("/fermetures")
@role_required(Role.CONCIERGE)
def add_closure():
    form = ClosureForm()
    if not form.validate_on_submit():
        return _page(closure_form=form)
    on_refusal(lambda: _page(closure_form=form), form, default_field="day")
    service.add_closure(
        db.session, day=form.day.data, reason=form.reason.data, today=local_date(utcnow())
    )
    _regenerate_and_report()
    return redirect(url_for("slots.opening_hours"))


@bp.post("/fermetures/<id:closure_id>/supprimer")
@role_required(Role.CONCIERGE)
def delete_closure(closure_id: int):
    if not DeleteForm().validate_on_submit():
        abort(400)
    db.session.delete(db.get_or_404(DeskClosure, closure_id))
    db.session.flush()
    _regenerate_and_report()
    return redirect(url_for("slots.opening_hours"))
