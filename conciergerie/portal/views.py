"""The providers' portal: /prestataire/."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

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

from conciergerie import policy
from conciergerie.accounts.permissions import role_required
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.manage import service as manage
from conciergerie.manage.forms import cents
from conciergerie.models import Offer, OrderLine, Provider, ProviderPayout, Role, utcnow
from conciergerie.orders import items as order_items
from conciergerie.orders import quotes, undo
from conciergerie.payouts import service as payouts
from conciergerie.portal import offers as own_offers
from conciergerie.portal import service
from conciergerie.portal.forms import (
    CannotDoForm,
    OwnHoursForm,
    OwnOfferForm,
    QuoteForm,
    ReadyForm,
)

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
    now = utcnow()
    work = service.workload(db.session, _provider_id())
    return render_template(
        "portal/index.html",
        work=work,
        form=ReadyForm(),
        cannot_do_form=CannotDoForm(formdata=None),
        quote_form=QuoteForm(formdata=None),
        initials=service.initials,
        blocks_work=quotes.blocks_work,
        undo={line.id: order_items.line_undo(line, current_user, now) for line in work.ready},
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


@bp.post("/lignes/<id:line_id>/annuler")
@role_required(Role.PROVIDER)
def undo_ready(line_id: int):
    """ "Prête" pressed by mistake: taken back within 15 minutes by whoever pressed it."""
    line = _own_line_or_404(line_id)
    if not ReadyForm().validate_on_submit():
        abort(400, description=_("Requête invalide : rechargez la page."))
    on_refusal(_index_page)
    undo.undo_line(db.session, line, actor=current_user._get_current_object(), now=utcnow())
    flash(_("%(code)s : de nouveau à faire.", code=line.order.code), "success")
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


MONTH = re.compile(r"(\d{4})-(\d{2})")


def _own_provider() -> Provider:
    """The signed-in staff's provider (403 for anyone else: the portal is for staff)."""
    provider = db.session.get(Provider, _provider_id())
    if provider is None:
        abort(404)
    return provider


@bp.get("/releves/")
@role_required(Role.PROVIDER)
def statements():
    """The provider's months: net due, paid, still owed, each with its statement."""
    provider = _own_provider()
    return render_template(
        "portal/statements.html",
        provider=provider,
        months=payouts.provider_accounts(
            db.session, provider, default_rate_bp=current_app.config["COMMISSION_RATE_BP"]
        ),
    )


@bp.get("/releves/<mois>")
@role_required(Role.PROVIDER)
def statement(mois: str):
    """One month's statement (/prestataire/releves/2026-11): the lines handed over to
    customers, the commission, the net due, the payouts and what is still owed."""
    provider = _own_provider()
    match = MONTH.fullmatch(mois)
    if not match or not 2000 <= int(match[1]) <= 2100 or not 1 <= int(match[2]) <= 12:
        abort(404)
    first_day = date(int(match[1]), int(match[2]), 1)
    return render_template(
        "portal/statement.html",
        provider=provider,
        first_day=first_day,
        statement=payouts.statement(
            db.session,
            provider,
            first_day,
            default_rate_bp=current_app.config["COMMISSION_RATE_BP"],
        ),
        payout_link="portal.payout",
    )


@bp.get("/versements/<id:payout_id>")
@role_required(Role.PROVIDER)
def payout(payout_id: int):
    """A payout's advice (avis de versement), printable, to match it with the bank statement;
    another provider's payout looks like no payout at all (404)."""
    _provider_id()  # staff of a provider only (403 otherwise)
    found = db.get_or_404(ProviderPayout, payout_id)
    if not policy.can_see_payout(current_user, found):
        abort(404)
    return render_template(
        "portal/payout.html",
        payout=found,
        account=payouts.month_account(
            db.session,
            found.provider,
            found.month,
            default_rate_bp=current_app.config["COMMISSION_RATE_BP"],
        ),
    )


# The provider's own offers and hours ------------------------------------------------------------


@bp.get("/offres")
@role_required(Role.PROVIDER)
def offers():
    """The provider's offers (description, price, for sale or not) and opening hours, each
    editable by its staff; the concierge is told of every change (portal/offers.py)."""
    return _offers_page()


def _offer_form(offer: Offer) -> OwnOfferForm:
    form = OwnOfferForm(formdata=None, obj=offer, prefix=f"offre-{offer.id}")
    form.price.data = Decimal(offer.price_cents) / 100
    return form


def _offers_page(*, refused: OwnOfferForm | None = None, hours: OwnHoursForm | None = None):
    """The page; also where a refused change is shown again, with its errors."""
    provider = _own_provider()
    forms = [
        (offer, refused if refused and refused._prefix == f"offre-{offer.id}-" else None)
        for offer in provider.offers
    ]
    if hours is None:
        hours = OwnHoursForm(formdata=None, prefix="horaires")
        for day, text in manage.hours_text(provider).items():
            hours[f"hours_{day}"].data = text
    return render_template(
        "portal/offers.html",
        provider=provider,
        offers=[(offer, form or _offer_form(offer)) for offer, form in forms],
        hours_form=hours,
        # The offer just saved stays open (each offer is folded: a provider may have dozens).
        opened=request.args.get("offre", type=int),
    )


@bp.post("/offres/<id:offer_id>")
@role_required(Role.PROVIDER)
def edit_offer(offer_id: int):
    """Change an offer's description, price or availability; another provider's offer looks
    like no offer at all (404)."""
    _provider_id()  # staff of a provider only (403 otherwise)
    offer = db.get_or_404(Offer, offer_id)
    if not policy.can_edit_own_offers(current_user, offer.provider_id):
        abort(404)
    form = OwnOfferForm(prefix=f"offre-{offer.id}")
    if not form.validate_on_submit():
        return _offers_page(refused=form), 422
    on_refusal(lambda: _offers_page(refused=form), form)
    changed = own_offers.edit_offer(
        db.session, offer, values=form.values(), actor=current_user._get_current_object(),
        now=utcnow(),
    )  # fmt: skip
    if changed is None:
        flash(_("« %(name)s » : rien n'a changé.", name=offer.name), "info")
    else:
        flash(
            _("« %(name)s » est enregistrée ; la conciergerie en est prévenue.", name=offer.name),
            "success",
        )
    return redirect(url_for("portal.offers", offre=offer.id) + f"#offre-{offer.id}")


@bp.post("/horaires")
@role_required(Role.PROVIDER)
def edit_hours():
    """Change the provider's weekly opening hours (the rounds visit then)."""
    provider = _own_provider()
    form = OwnHoursForm(prefix="horaires")
    if not form.validate_on_submit():
        return _offers_page(hours=form), 422
    on_refusal(lambda: _offers_page(hours=form), form)
    changed = own_offers.edit_hours(
        db.session, provider, hours=form.hours(), actor=current_user._get_current_object(),
        now=utcnow(),
    )  # fmt: skip
    if changed is None:
        flash(_("Horaires : rien n'a changé."), "info")
    else:
        flash(_("Horaires enregistrés ; la conciergerie en est prévenue."), "success")
    return redirect(url_for("portal.offers") + "#horaires")
