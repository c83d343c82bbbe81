"""The concierge's management pages: providers and their hours, offers, member companies,
accounts, and the log."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from conciergerie.accounts.permissions import role_required
from conciergerie.extensions import db
from conciergerie.i18n import calendar_day
from conciergerie.mail import can_mail
from conciergerie.manage import forms, service, users
from conciergerie.models import (
    Category,
    MemberCompany,
    Offer,
    OfferKind,
    Provider,
    Role,
    User,
    utcnow,
)

bp = Blueprint("manage", __name__, url_prefix="/gestion")

# The provider's fields the form sets as they are (numbers and hours are converted).
PROVIDER_FIELDS = (
    "name", "slug", "category_id", "summary", "description", "ess_status", "local_story",
    "address", "is_active", "is_integration_enterprise",
)  # fmt: skip


def _actor():
    return current_user._get_current_object()


def _form_status(form) -> int:
    return 422 if form.errors else 200


@bp.get("/")
@role_required(Role.CONCIERGE)
def index():
    providers = db.session.scalars(sa.select(Provider).order_by(Provider.name)).all()
    companies = db.session.scalars(sa.select(MemberCompany).order_by(MemberCompany.name)).all()
    return render_template("manage/index.html", providers=providers, companies=companies)


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
    if form.validate_on_submit():
        for name in PROVIDER_FIELDS:
            setattr(provider, name, getattr(form, name).data)
        provider.latitude = float(form.latitude.data)
        provider.longitude = float(form.longitude.data)
        rate = form.commission_rate.data
        provider.commission_rate_bp = None if rate is None else int(rate * 100)
        try:
            service.save_provider(
                db.session, provider, hours=form.hours(), actor=_actor(), now=utcnow()
            )
            db.session.commit()
        except service.ManageError as error:
            db.session.rollback()
            getattr(form, error.field or "name").errors.append(str(error))
        except IntegrityError:  # the same identifier saved by someone else at the same moment
            db.session.rollback()
            form.slug.errors.append(_("Cet identifiant est déjà pris."))
        else:
            flash(_("« %(name)s » est enregistré.", name=provider.name), "success")
            return redirect(url_for("manage.edit_provider", provider_id=provider.id))
    offers = provider.offers if provider.id is not None else []
    page = render_template("manage/provider.html", form=form, provider=provider, offers=offers)
    return page, _form_status(form)


# Offers ----------------------------------------------------------------------------------------


@bp.route("/prestataires/<id:provider_id>/offres/nouvelle", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def new_offer(provider_id: int):
    provider = db.get_or_404(Provider, provider_id)
    return _offer_page(Offer(provider=provider, is_active=True, kind=OfferKind.SERVICE))


@bp.route("/offres/<id:offer_id>", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def edit_offer(offer_id: int):
    return _offer_page(db.get_or_404(Offer, offer_id))


def _weekday(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _offer_page(offer: Offer):
    form = forms.OfferForm(obj=offer)
    if not form.is_submitted():
        form.kind.data = offer.kind.value if offer.kind else OfferKind.SERVICE.value
        form.price.data = Decimal(offer.price_cents or 0) / 100
        if offer.weight_grams is not None:
            form.weight_kg.data = Decimal(offer.weight_grams) / 1000
        for name in ("delivery_weekday", "order_cutoff_weekday"):
            value = getattr(offer, name)
            getattr(form, name).data = "" if value is None else str(value)
    if form.validate_on_submit():
        for name in (
            "name",
            "description",
            "unit",
            "turnaround_days",
            "is_active",
            "is_repair",
            "on_quote",
        ):
            setattr(offer, name, getattr(form, name).data)
        weight = form.weight_kg.data
        offer.weight_grams = None if weight is None else int(weight * 1000)
        offer.description = offer.description or ""
        offer.position = form.position.data or 0
        offer.kind = OfferKind(form.kind.data)
        offer.price_cents = forms.cents(form.price.data)
        offer.delivery_weekday = _weekday(form.delivery_weekday.data)
        offer.order_cutoff_weekday = _weekday(form.order_cutoff_weekday.data)
        offer.order_cutoff_time = form.order_cutoff_time.data
        service.save_offer(db.session, offer, actor=_actor(), now=utcnow())
        db.session.commit()
        flash(_("« %(name)s » est enregistrée.", name=offer.name), "success")
        return redirect(url_for("manage.edit_provider", provider_id=offer.provider_id))
    page = render_template("manage/offer.html", form=form, offer=offer, provider=offer.provider)
    return page, _form_status(form)


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
    if form.validate_on_submit():
        for name in ("name", "slug", "headcount", "is_subscriber"):
            setattr(company, name, getattr(form, name).data)
        company.yearly_fee_cents = forms.cents(form.yearly_fee.data)
        try:
            service.save_company(
                db.session,
                company,
                actor=_actor(),
                now=utcnow(),
                effective_on=form.effective_on.data,
            )
            db.session.commit()
        except service.ManageError as error:
            db.session.rollback()
            getattr(form, error.field or "name").errors.append(str(error))
        except IntegrityError:
            db.session.rollback()
            form.slug.errors.append(_("Cet identifiant est déjà pris."))
        else:
            flash(_("« %(name)s » est enregistrée.", name=company.name), "success")
            return redirect(url_for("manage.index"))
    page = render_template("manage/company.html", form=form, company=company)
    return page, _form_status(form)


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


@bp.route("/utilisateurs/<id:user_id>", methods=["GET", "POST"])
@role_required(Role.CONCIERGE)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = forms.UserForm(obj=user)
    none = SelectChoice("", _("— Aucune —"))
    form.member_company_id.choices = [none] + [
        SelectChoice(c.id, c.name)
        for c in db.session.scalars(sa.select(MemberCompany).order_by(MemberCompany.name))
    ]
    form.provider_id.choices = [SelectChoice("", _("— Aucun —"))] + [
        SelectChoice(p.id, p.name)
        for p in db.session.scalars(sa.select(Provider).order_by(Provider.name))
    ]
    if form.validate_on_submit():
        company_id, provider_id = form.member_company_id.data, form.provider_id.data
        try:
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
            db.session.commit()
        except service.ManageError as error:
            db.session.rollback()
            getattr(form, error.field or "role").errors.append(str(error))
        else:
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
    page = render_template("manage/user.html", form=form, user=user, can_mail=can_mail)
    return page, _form_status(form)


@bp.get("/journal")
@role_required(Role.CONCIERGE)
def log():
    return render_template("manage/log.html", entries=service.log_entries(db.session))
