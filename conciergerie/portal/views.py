"""The providers' portal: /prestataire/."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conciergerie import policy
from conciergerie.accounts.permissions import role_required
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.manage.forms import cents
from conciergerie.models import OrderLine, Role, utcnow
from conciergerie.orders import quotes
from conciergerie.portal import service
from conciergerie.portal.forms import CannotDoForm, QuoteForm, ReadyForm

bp = Blueprint("portal", __name__, url_prefix="/prestataire")


def _provider_id() -> int:
    # The concierge has every right but no provider of their own: the portal is for staff.
    if current_user.provider_id is None:
        abort(403)
    return current_user.provider_id


def _own_line_or_404(line_id: int) -> OrderLine:
    """A line of the signed-in staff's provider; another provider's looks like no line at all."""
    _provider_id()  # staff of a provider only (403 otherwise)
    line = db.get_or_404(OrderLine, line_id)
    if not policy.can_handle_line(current_user, line):
        abort(404)
    return line


def _invalid(line: OrderLine, form):
    """The portal again, with the form's errors named by the order's code (one page holds the
    forms of every line: the errors are flashed at its top)."""
    for errors in form.errors.values():
        flash(f"{line.order.code} : {' '.join(map(str, errors))}", "error")
    return _index_page(), 422


@bp.get("/")
@role_required(Role.PROVIDER)
def index():
    return _index_page()


def _index_page():
    """The provider's work; also where a refused mark or quote is explained."""
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
    on_refusal(_index_page)
    done = service.mark_ready(
        db.session, line, actor=current_user._get_current_object(), now=utcnow()
    )
    if done:
        flash(
            _("%(code)s : prête, elle repartira avec la prochaine tournée.", code=line.order.code),
            "success",
        )
    return redirect(url_for("portal.index"))


@bp.post("/lignes/<id:line_id>/impossible")
@role_required(Role.PROVIDER)
def cannot_do(line_id: int):
    """The provider cannot do the work: the concierge is mailed (by the service, once saved)."""
    line = _own_line_or_404(line_id)
    form = CannotDoForm()
    if not form.validate_on_submit():
        return _invalid(line, form)
    on_refusal(_index_page)
    service.mark_cannot_do(
        db.session,
        line,
        reason=form.reason.data.strip(),
        actor=current_user._get_current_object(),
        now=utcnow(),
    )
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
        return _invalid(line, form)
    on_refusal(_index_page)
    service.propose_quote(
        db.session,
        line,
        unit_price_cents=cents(form.price.data),
        note=form.note.data,
        actor=current_user._get_current_object(),
        now=utcnow(),
    )
    flash(_("%(code)s : devis envoyé, le client est prévenu.", code=line.order.code), "success")
    return redirect(url_for("portal.index"))
