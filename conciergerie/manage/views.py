"""The concierge's management pages: providers and their hours, offers, member companies,
accounts, and the log."""

from __future__ import annotations

from decimal import Decimal

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
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from conciergerie.accounts import employees, invitations
from conciergerie.accounts.permissions import role_required
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.i18n import calendar_day
from conciergerie.mail import can_mail, external_url
from conciergerie.manage import forms, provider_changes, service, users
from conciergerie.manage import log as change_log
from conciergerie.manage.geocoding import geocoder_from_config
from conciergerie.models import (
    AuditEntry,
    Category,
    MemberCompany,
    Offer,
    OfferKind,
    Provider,
    Role,
    User,
    utcnow,
)
from conciergerie.stock import service as stock
from conciergerie.timeutils import local_date

bp = Blueprint("manage", __name__, url_prefix="/gestion")


def _actor():
    return current_user._get_current_object()


def _form_status(form) -> int:
    return 422 if form.errors else 200


def _saved(obj: object) -> bool:
    """Whether `obj` is in the database: a new one refused after its first flush keeps the id
    the flush gave it, though the rollback took its row away."""
    return sa.inspect(obj).has_identity


@bp.get("/")
@role_required(Role.CONCIERGE)
def index():
    providers = db.session.scalars(sa.select(Provider).order_by(Provider.name)).all()
    companies = db.session.scalars(sa.select(MemberCompany).order_by(MemberCompany.name)).all()
    return render_template(
        "manage/index.html",
        providers=providers,
        companies=companies,
        pending=employees.count_pending(db.session),
        provider_changes_to_see=provider_changes.recent_count(db.session, now=utcnow()),
    )


# Providers -------------------------------------------------------------------------------------


@bp.route("/prestataires/nouveau", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def new_provider():
    return _provider_page(Provider(is_active=True))


@bp.route("/prestataires/<id:provider_id>", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def edit_provider(provider_id: int):
    return _provider_page(db.get_or_404(Provider, provider_id))


def _provider_page(provider: Provider):
    form = forms.ProviderForm(obj=provider)
    form.category_id.choices = [
        SelectChoice(c.id, c.name)
        for c in db.session.scalars(sa.select(Category).order_by(Category.position, Category.name))
    ]
    if not form.is_submitted():
        if provider.commission_rate_bp is not None:
            form.commission_rate.data = Decimal(provider.commission_rate_bp) / 100
        if provider.id is not None:
            for day, text in service.hours_text(provider).items():
                getattr(form, f"hours_{day}").data = text

    def page():
        saved = _saved(provider)
        return render_template(
            "manage/provider.html",
            form=form,
            provider=provider,
            saved=saved,
            offers=provider.offers if saved else [],
        )

    if not form.validate_on_submit():
        return page(), _form_status(form)
    on_refusal(page, form, default_field="name")
    values = form.values()
    placement = service.place_provider(
        values,
        previous_address=provider.address,
        geocoder=geocoder_from_config(current_app.config),
        by_hand=form.position_by_hand.data,
    )
    service.save_provider(
        db.session, provider, values=values, hours=form.hours(), actor=_actor(), now=utcnow()
    )
    flash(_("« %(name)s » est enregistré.", name=provider.name), "success")
    _say_placement(placement)
    return redirect(url_for("manage.edit_provider", provider_id=provider.id))


def _say_placement(placement: service.Placement) -> None:
    """What the address API answered, when it was asked."""
    found = placement.found
    if found is not None:
        flash(
            _(
                "Position trouvée : %(label)s (score %(score)s).",
                label=found.label,
                score=format_decimal(round(found.score, 2)),
            ),
            "success",
        )
    elif placement.asked:
        flash(_("Adresse non trouvée : position saisie conservée."), "info")


# Offers ----------------------------------------------------------------------------------------


@bp.route("/prestataires/<id:provider_id>/offres/nouvelle", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def new_offer(provider_id: int):
    provider = db.get_or_404(Provider, provider_id)
    # By its id: through the relationship, the new offer would join the provider's offers
    # before it is saved (and the request's commit would try to save it).
    offer = Offer(provider_id=provider.id, is_active=True, kind=OfferKind.SERVICE)
    return _offer_page(offer, provider)


@bp.route("/offres/<id:offer_id>", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def edit_offer(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    return _offer_page(offer, offer.provider)


def _offer_page(offer: Offer, provider: Provider):
    form = forms.OfferForm(obj=offer)
    if not form.is_submitted():
        form.kind.data = offer.kind.value if offer.kind else OfferKind.SERVICE.value
        form.price.data = Decimal(offer.price_cents or 0) / 100
        if offer.weight_grams is not None:
            form.weight_kg.data = Decimal(offer.weight_grams) / 1000
        for name in ("delivery_weekday", "order_cutoff_weekday"):
            value = getattr(offer, name)
            getattr(form, name).data = "" if value is None else str(value)

    def page():
        return render_template("manage/offer.html", form=form, offer=offer, provider=provider)

    if not form.validate_on_submit():
        return page(), _form_status(form)
    on_refusal(page, form, default_field="name")
    service.save_offer(db.session, offer, values=form.values(), actor=_actor(), now=utcnow())
    flash(_("« %(name)s » est enregistrée.", name=offer.name), "success")
    db.session.flush()
    short = stock.first_short_delivery(db.session, offer, today=local_date(utcnow()))
    if short is not None:
        day, seen = short
        flash(
            _(
                "Attention : les abonné·es attendent %(due)d paniers le %(day)s, pour %(stock)d "
                "apportés ; les derniers abonnés de la liste seront prévenus que leur semaine "
                "manque.",
                due=seen.subscribed + seen.held,
                day=calendar_day(day),
                stock=offer.stock_per_delivery,
            ),
            "error",
        )
    return redirect(url_for("manage.edit_provider", provider_id=provider.id))


# Member companies ------------------------------------------------------------------------------


@bp.route("/entreprises/nouvelle", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def new_company():
    return _company_page(MemberCompany(headcount=0, yearly_fee_cents=0))


@bp.route("/entreprises/<id:company_id>", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def edit_company(company_id: int):
    return _company_page(db.get_or_404(MemberCompany, company_id))


def _company_page(company: MemberCompany):
    form = forms.CompanyForm(obj=company)
    if not form.is_submitted():
        form.yearly_fee.data = Decimal(company.yearly_fee_cents or 0) / 100
        form.email_domains.data = ", ".join(company.domains)

    def page():
        saved = _saved(company)
        return render_template(
            "manage/company.html",
            form=form,
            company=company,
            saved=saved,
            subscriptions=company.subscriptions if saved else [],
        )

    if not form.validate_on_submit():
        return page(), _form_status(form)
    on_refusal(page, form, default_field="name")
    service.save_company(
        db.session,
        company,
        values=form.values(),
        actor=_actor(),
        now=utcnow(),
        effective_on=form.effective_on.data,
    )
    flash(_("« %(name)s » est enregistrée.", name=company.name), "success")
    return redirect(url_for("manage.index"))


# Accounts --------------------------------------------------------------------------------------


@bp.get("/utilisateurs")
@role_required(Role.CONCIERGE)
def user_list():
    text = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    query = users.search_users(text=text, role=Role(role) if role in set(Role) else None)
    page = db.paginate(query, per_page=50, max_per_page=50, error_out=False)
    return render_template(
        "manage/user_list.html",
        page=page,
        text=text,
        role=role,
        roles=forms.ROLE_CHOICES,
        can_mail=can_mail,
    )


def _provider_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("— Aucun —"))] + [
        SelectChoice(p.id, p.name)
        for p in db.session.scalars(sa.select(Provider).order_by(Provider.name))
    ]


def _user_form(user: User, **kwargs) -> forms.UserForm:
    form = forms.UserForm(obj=user, **kwargs)
    none = SelectChoice("", _("— Aucune —"))
    form.member_company_id.choices = [none] + [
        SelectChoice(c.id, c.name)
        for c in db.session.scalars(sa.select(MemberCompany).order_by(MemberCompany.name))
    ]
    form.provider_id.choices = _provider_choices()
    return form


def _user_page(user: User, form: forms.UserForm) -> str:
    return render_template(
        "manage/user.html",
        form=form,
        user=user,
        can_mail=can_mail,
        invitation_days=invitations.INVITATION_DAYS,
    )


def _invitation_links() -> invitations.InvitationLinks:
    return invitations.InvitationLinks(
        secret_key=current_app.config["SECRET_KEY"],
        accept=lambda token: external_url("accounts.accept_invitation", token=token),
    )


@bp.route("/utilisateurs/nouveau", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def new_user():
    """Open an account for someone of the team; they get a mail to choose their password.
    Refused (the address has an account, no provider for its staff…): the form again, the
    reason on its field."""
    form = forms.InviteForm()
    form.provider_id.choices = _provider_choices()

    def page():
        return render_template(
            "manage/new_user.html", form=form, invitation_days=invitations.INVITATION_DAYS
        )

    if not form.validate_on_submit():
        return page(), _form_status(form)
    provider_id = form.provider_id.data
    on_refusal(page, form)
    user = users.invite_user(
        db.session,
        full_name=form.full_name.data,
        email=form.email.data,
        phone=form.phone.data,
        role=Role(form.role.data),
        provider=db.session.get(Provider, provider_id) if provider_id else None,
        locale=form.locale.data,
        actor=_actor(),
        now=utcnow(),
        links=_invitation_links(),
    )
    flash(
        _(
            "Le compte de %(name)s est créé : une invitation à choisir son mot de passe est "
            "partie à %(email)s.",
            name=user.full_name,
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("manage.edit_user", user_id=user.id))


@bp.post("/utilisateurs/<id:user_id>/invitation")
@role_required(Role.CONCIERGE)
def resend_invitation(user_id: int):
    """Mail the invitation again; the links sent before stop working. Refused (the password
    is chosen already, the account deactivated): the account's page, with the reason."""
    user = db.get_or_404(User, user_id)
    if not forms.InvitationForm().validate_on_submit():
        abort(400)
    on_refusal(lambda: _user_page(user, _user_form(user, formdata=None)))
    users.resend_invitation(
        db.session, user, actor=_actor(), now=utcnow(), links=_invitation_links()
    )
    flash(_("L'invitation est renvoyée à %(email)s.", email=user.email), "success")
    return redirect(url_for("manage.edit_user", user_id=user.id))


@bp.route("/utilisateurs/<id:user_id>", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _user_form(user)

    def page():
        return _user_page(user, form)

    if not form.validate_on_submit():
        return page(), _form_status(form)
    company_id, provider_id = form.member_company_id.data, form.provider_id.data
    on_refusal(page, form, default_field="role")
    result = users.update_user(
        db.session,
        user,
        role=Role(form.role.data),
        member_company=db.session.get(MemberCompany, company_id) if company_id else None,
        provider=db.session.get(Provider, provider_id) if provider_id else None,
        solidarity_rate=form.solidarity_rate.data,
        is_active=form.is_active_account.data,
        actor=_actor(),
        now=utcnow(),
    )
    if result.entry is None:
        flash(_("Rien n'a changé."), "info")
    else:
        flash(_("Le compte de %(name)s est enregistré.", name=user.full_name), "success")
    if result.replanned:
        days = ", ".join(calendar_day(day) for day in result.replanned)
        flash(
            _(
                "Ses tournées pas encore commencées sont planifiées à nouveau avec les "
                "autres volontaires : %(days)s. Chacun·e est prévenu·e.",
                days=days,
            ),
            "info",
        )
    return redirect(url_for("manage.user_list"))


# Employees' requests ---------------------------------------------------------------------------


def _requests_page():
    return render_template(
        "manage/employee_requests.html",
        requests=employees.pending_requests(db.session),
        on_company_domain=employees.on_company_domain,
        can_mail=can_mail,
    )


@bp.get("/salaries-a-verifier")
@role_required(Role.CONCIERGE)
def employee_requests():
    """The employees whose link to their company waits for the concierge's decision."""
    return _requests_page()


@bp.post("/salaries-a-verifier/<id:user_id>/accepter")
@role_required(Role.CONCIERGE)
def approve_employee(user_id: int):
    """Approve one request. Refused (decided already, address not confirmed): the list again,
    with the reason."""
    user = db.get_or_404(User, user_id)
    if not forms.DecisionForm().validate_on_submit():
        abort(400)
    on_refusal(_requests_page)
    employees.approve(db.session, user, actor=_actor(), now=utcnow())
    flash(
        _(
            "%(name)s est rattaché·e à %(company)s : plus de frais de service tant que "
            "l'entreprise est abonnée.",
            name=user.full_name,
            company=user.member_company.name,
        ),
        "success",
    )
    return redirect(url_for("manage.employee_requests"))


@bp.post("/salaries-a-verifier/<id:user_id>/refuser")
@role_required(Role.CONCIERGE)
def decline_employee(user_id: int):
    """Decline one request: the account goes on as a resident's. Refused as approve_employee."""
    user = db.get_or_404(User, user_id)
    if not forms.DecisionForm().validate_on_submit():
        abort(400)
    on_refusal(_requests_page)
    employees.decline(db.session, user, actor=_actor(), now=utcnow())
    flash(
        _(
            "La demande de %(name)s est refusée : son compte devient celui d'un·e habitant·e.",
            name=user.full_name,
        ),
        "success",
    )
    return redirect(url_for("manage.employee_requests"))


@bp.get("/journal")
@role_required(Role.CONCIERGE)
def log():
    entries = service.log_entries(db.session)
    return render_template("manage/log.html", lines=change_log.lines(db.session, entries))


@bp.get("/modifications-prestataires")
@role_required(Role.CONCIERGE)
def provider_changes_page():
    """What the providers changed themselves (offers, hours), each revertible."""
    return render_template(
        "manage/provider_changes.html",
        changes=provider_changes.provider_changes(db.session),
    )


@bp.post("/modifications-prestataires/<id:entry_id>/annuler")
@role_required(Role.CONCIERGE)
def revert_provider_change(entry_id: int):
    """Put back what a provider's change replaced. Refused (reverted already, changed again
    since): the list again, with why (409)."""
    entry = db.get_or_404(AuditEntry, entry_id)
    if not forms.RevertForm().validate_on_submit():
        abort(400, description=_("Requête invalide : rechargez la page."))
    on_refusal(provider_changes_page)
    provider_changes.revert(db.session, entry, actor=_actor(), now=utcnow())
    flash(
        _(
            "Modification annulée : « %(label)s » est revenu à ses valeurs d'avant.",
            label=entry.label,
        ),
        "success",
    )
    return redirect(url_for("manage.provider_changes_page"))
