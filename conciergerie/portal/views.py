"""The providers' portal: /prestataire/."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conciergerie.accounts.permissions import role_required
from conciergerie.database import commit
from conciergerie.extensions import db
from conciergerie.manage.forms import cents
from conciergerie.models import OrderLine, Role, utcnow
from conciergerie.orders import quotes
from conciergerie.orders import service as orders
from conciergerie.portal import service
from conciergerie.portal.forms import CannotDoForm, QuoteForm, ReadyForm
from conciergerie.portal.notifications import notify_cannot_do, notify_quote

bp = Blueprint("portal", __name__, url_prefix="/prestataire")


def _provider_id() -> int:
    # The concierge has every right but no provider of their own: the portal is for staff.
    if current_user.provider_id is None:
        abort(403)
    return current_user.provider_id


def _own_line_or_404(line_id: int) -> OrderLine:
    """A line of the signed-in staff's provider; another provider's looks like no line at all."""
    line = db.get_or_404(OrderLine, line_id)
    if line.provider_id != _provider_id():
        abort(404)
    return line


def _refused(line: OrderLine, form):
    """Back to the portal with the form's errors, named by the order's code."""
    for errors in form.errors.values():
        flash(f"{line.order.code} : {' '.join(map(str, errors))}", "error")
    return redirect(url_for("portal.index"))


@bp.get("/")
@role_required(Role.PROVIDER)
def index():
    return render_template(
        "portal/index.html",
        work=service.workload(db.session, _provider_id()),
        form=ReadyForm(),
        cannot_do_form=CannotDoForm(formdata=None),
        quote_form=QuoteForm(formdata=None),
        initials=service.initials,
        blocks_work=quotes.blocks_work,
    )


@bp.post("/lignes/<id:line_id>/prete")
@role_required(Role.PROVIDER)
def ready(line_id: int):
    line = _own_line_or_404(line_id)
    if not ReadyForm().validate_on_submit():
        abort(400, description=_("Requête invalide : rechargez la page."))
    try:
        done = service.mark_ready(
            db.session, line, actor=current_user._get_current_object(), now=utcnow()
        )
    except orders.OrderError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if done:
            flash(
                _(
                    "%(code)s : prête, elle repartira avec la prochaine tournée.",
                    code=line.order.code,
                ),
                "success",
            )
    return redirect(url_for("portal.index"))


@bp.post("/lignes/<id:line_id>/impossible")
@role_required(Role.PROVIDER)
def cannot_do(line_id: int):
    line = _own_line_or_404(line_id)
    form = CannotDoForm()
    if not form.validate_on_submit():
        return _refused(line, form)
    try:
        done = service.mark_cannot_do(
            db.session,
            line,
            reason=form.reason.data.strip(),
            actor=current_user._get_current_object(),
            now=utcnow(),
        )
    except orders.OrderError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("portal.index"))
    if not done:
        db.session.rollback()
        flash(
            _("%(code)s est déjà marquée prête : appelez la conciergerie.", code=line.order.code),
            "error",
        )
        return redirect(url_for("portal.index"))
    notify_cannot_do(db.session, line)
    commit(db.session)
    if done:
        flash(
            _("%(code)s : la conciergerie est prévenue, l'article repartira avec la prochaine "
              "tournée.", code=line.order.code),
            "success",
        )  # fmt: skip
    return redirect(url_for("portal.index"))


@bp.post("/lignes/<id:line_id>/devis")
@role_required(Role.PROVIDER)
def quote(line_id: int):
    """The provider names the price of a line on quote; the customer is mailed to answer."""
    line = _own_line_or_404(line_id)
    form = QuoteForm()
    if not form.validate_on_submit():
        return _refused(line, form)
    try:
        quotes.propose(
            db.session,
            line,
            unit_price_cents=cents(form.price.data),
            note=form.note.data,
            actor=current_user._get_current_object(),
            now=utcnow(),
        )
    except orders.OrderError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("portal.index"))
    notify_quote(db.session, line)
    commit(db.session)
    flash(_("%(code)s : devis envoyé, le client est prévenu.", code=line.order.code), "success")
    return redirect(url_for("portal.index"))
