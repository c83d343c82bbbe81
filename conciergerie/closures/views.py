"""Provider closures: the provider's staff record their own at /prestataire/fermetures, the
concierge any provider's at /gestion/prestataires/<id>/fermetures."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from conciergerie import policy
from conciergerie.accounts.permissions import role_required
from conciergerie.closures import service
from conciergerie.closures.forms import ClosureForm, RemoveForm
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.models import Provider, ProviderClosure, Role, utcnow
from conciergerie.timeutils import local_date

bp = Blueprint("closures", __name__)


def _staff_provider() -> Provider:
    """The signed-in staff's provider (403 for anyone else: the concierge has the management
    page)."""
    if current_user.provider_id is None:
        abort(403)
    return db.get_or_404(Provider, current_user.provider_id)


def _page(provider: Provider, form: ClosureForm, *, managing: bool):
    today = local_date(utcnow())
    return render_template(
        "closures/list.html",
        provider=provider,
        form=form,
        remove_form=RemoveForm(formdata=None),
        coming=service.coming(provider, today),
        managing=managing,
        add_url=(
            url_for("closures.of_provider", provider_id=provider.id)
            if managing
            else url_for("closures.mine")
        ),
    )


def _add_or_show(provider: Provider, *, managing: bool):
    form = ClosureForm()
    if not form.validate_on_submit():
        return _page(provider, form, managing=managing), 422 if form.errors else 200
    on_refusal(lambda: _page(provider, form, managing=managing), form, default_field="first_day")
    now = utcnow()
    closure = service.add_closure(
        db.session,
        provider,
        first_day=form.first_day.data,
        last_day=form.last_day.data,
        reason=form.reason.data,
        actor=current_user._get_current_object(),
        today=local_date(now),
        now=now,
    )
    flash(_("Fermeture enregistrée : les clients la voient sur la page du prestataire."), "success")
    caught = len(service.orders_caught(db.session, closure))
    if caught:
        flash(
            ngettext(
                "%(num)d commande a déjà des paniers pour une livraison de ces jours-là : la "
                "conciergerie, prévenue par courriel, voit avec le client.",
                "%(num)d commandes ont déjà des paniers pour une livraison de ces jours-là : la "
                "conciergerie, prévenue par courriel, voit avec les clients.",
                caught,
            ),
            "error",
        )
    return redirect(_back(provider, managing=managing))


def _back(provider: Provider, *, managing: bool) -> str:
    if managing:
        return url_for("closures.of_provider", provider_id=provider.id)
    return url_for("closures.mine")


@bp.route("/prestataire/fermetures", methods=["GET", "POST"])
@role_required(Role.PROVIDER)
def mine():
    """The staff's own provider's closures, and the form to add one."""
    return _add_or_show(_staff_provider(), managing=False)


@bp.route("/gestion/prestataires/<id:provider_id>/fermetures", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def of_provider(provider_id: int):
    """Any provider's closures, for the concierge."""
    return _add_or_show(db.get_or_404(Provider, provider_id), managing=True)


@bp.post("/fermetures/<id:closure_id>/supprimer")
@role_required(Role.PROVIDER, Role.CONCIERGE)
def remove(closure_id: int):
    """Remove a closure not over yet; another provider's looks like no closure at all (404)."""
    closure = db.get_or_404(ProviderClosure, closure_id)
    if not policy.can_manage_closures(current_user, closure.provider):
        abort(404)
    if not RemoveForm().validate_on_submit():
        abort(400, description=_("Requête invalide : rechargez la page."))
    managing = current_user.role is Role.CONCIERGE
    provider = closure.provider
    on_refusal(lambda: _page(provider, ClosureForm(formdata=None), managing=managing))
    now = utcnow()
    service.remove_closure(
        db.session,
        closure,
        actor=current_user._get_current_object(),
        today=local_date(now),
        now=now,
    )
    flash(_("Fermeture supprimée."), "success")
    return redirect(_back(provider, managing=managing))
