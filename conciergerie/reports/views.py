"""The concierge's reports: the dashboard, the month's economics (page, CSV, a statement per
provider) and the impact report."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conciergerie.accounts.permissions import role_required
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.i18n import distance, money, month_label
from conciergerie.manage.forms import cents
from conciergerie.models import Provider, Role, utcnow
from conciergerie.payouts import service as payouts
from conciergerie.payouts.forms import PayoutForm
from conciergerie.reports import dashboard, impact, service
from conciergerie.spreadsheets import csv_download, safe_cell
from conciergerie.timeutils import local_date

bp = Blueprint("reports", __name__, url_prefix="/comptoir/bilan")

MONTH = re.compile(r"(\d{4})-(\d{2})")


def _month() -> date:
    """The month asked for (?mois=2026-11), this month in Paris by default."""
    raw = request.args.get("mois", "")
    if not raw:
        return local_date(utcnow()).replace(day=1)
    match = MONTH.fullmatch(raw)
    if not match or not 2000 <= int(match[1]) <= 2100 or not 1 <= int(match[2]) <= 12:
        abort(400, description=_("Mois invalide : attendu AAAA-MM, par exemple 2026-11."))
    return date(int(match[1]), int(match[2]), 1)


YEAR = re.compile(r"\d{4}")


def _period() -> tuple[date, date, str]:
    """The period asked for: ?annee=2026 for a year, else a month (?mois=, this month)."""
    raw = request.args.get("annee", "")
    if raw:
        if not YEAR.fullmatch(raw) or not 2000 <= int(raw) <= 2100:
            abort(400, description=_("Année invalide : attendu AAAA, par exemple 2026."))
        year = int(raw)
        return date(year, 1, 1), date(year, 12, 31), raw
    first = _month()
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1), first.strftime("%Y-%m")


def _impact(first: date, last: date) -> impact.Impact:
    return impact.impact(
        db.session,
        first,
        last,
        default_rate_bp=current_app.config["COMMISSION_RATE_BP"],
        now=utcnow(),
    )


@bp.get("/tableau-de-bord")
@role_required(Role.CONCIERGE)
def dashboard_page():
    board = dashboard.dashboard(
        db.session,
        now=utcnow(),
        money=money,
        distance=distance,
        labels={
            "off_peak": _("heures décalées"),
            "office_hours": _("heures de bureau"),
            "residents": _("habitant·es"),
            "employees": _("salarié·es"),
        },
    )
    return render_template("reports/dashboard.html", board=board)


@bp.get("/impact")
@role_required(Role.CONCIERGE)
def impact_page():
    first, last, label = _period()
    return render_template(
        "reports/impact.html",
        impact=_impact(first, last),
        is_year=len(label) == 4,
        label=label,
    )


@bp.get("/impact/export.csv")
@role_required(Role.CONCIERGE)
def impact_csv():
    first, last, label = _period()
    figures = _impact(first, last)
    rows = [
        ("commandes_remises", figures.orders),
        ("verse_aux_prestataires_centimes", figures.to_providers_cents),
        ("dont_entreprises_d_insertion_centimes", figures.to_integration_cents),
        ("objets_repares", figures.items_repaired),
        ("produits_locaux_grammes", figures.produce_grams),
        ("clients_habitants", figures.resident_customers),
        ("clients_salaries", figures.employee_customers),
        ("commandes_en_heures_decalees", figures.off_peak_orders),
        ("tournees", figures.rounds),
        ("distance_a_pied_metres", figures.distance_on_foot_m),
        ("distance_a_velo_metres", figures.distance_by_bike_m),
        ("reservations_de_salles_associations", figures.association_bookings),
        ("minutes_de_salle_associations", figures.association_minutes),
        ("associations_accueillies", figures.associations),
    ]
    return csv_download(
        ["periode", "indicateur", "valeur"],
        ([label, name, value] for name, value in rows),
        f"impact-{label}.csv",
    )


def _report(first_day: date) -> service.MonthReport:
    config = current_app.config
    return service.month_report(
        db.session,
        first_day,
        default_rate_bp=config["COMMISSION_RATE_BP"],
        cost_cents=config["DESK_MONTHLY_COST_CENTS"],
    )


@bp.get("/")
@role_required(Role.CONCIERGE)
def month():
    first_day = _month()
    return render_template(
        "reports/month.html",
        report=_report(first_day),
        first_day=first_day,
        paid=payouts.paid_in_month(db.session, first_day),
        owed=payouts.owed_across_months(
            db.session, default_rate_bp=current_app.config["COMMISSION_RATE_BP"]
        ),
    )


@bp.get("/export.csv")
@role_required(Role.CONCIERGE)
def month_csv():
    """The month's page as CSV: a row per provider (with what was paid towards the month and
    what is still owed for it), then the desk's totals."""
    first_day = _month()
    report = _report(first_day)
    paid = payouts.paid_in_month(db.session, first_day)
    month_name = first_day.strftime("%Y-%m")
    rows = [
        [month_name, safe_cell(row.provider.name), row.orders, row.gross_cents,
         "/".join(map(str, sorted(row.sales))),  # several when the rate changed in the month
         row.commission_cents, row.net_cents, paid.get(row.provider.id, 0),
         row.net_cents - paid.get(row.provider.id, 0)]
        for row in report.providers
    ]  # fmt: skip
    for label, value in (
        ("frais_de_service_centimes", report.fees_cents),
        ("abonnements_du_mois_centimes", report.subscriptions_cents),
        ("salles_centimes", report.rooms_cents),
        ("recettes_centimes", report.income_cents),
        ("cout_du_poste_centimes", report.cost_cents),
        ("solde_centimes", report.balance_cents),
        ("gestes_commerciaux_centimes", report.discounts_cents),
        ("rendu_aux_clients_centimes", report.given_back_cents),
    ):
        rows.append([month_name, label, "", value, "", "", "", "", ""])
    return csv_download(
        ["mois", "prestataire", "commandes", "ventes_centimes", "taux_pour_10000",
         "commission_centimes", "du_au_prestataire_centimes", "verse_centimes",
         "reste_du_centimes"],
        rows,
        f"bilan-{month_name}.csv",
    )  # fmt: skip


def _provider(slug: str) -> Provider:
    provider = db.session.scalar(db.select(Provider).where(Provider.slug == slug))
    if provider is None:
        abort(404)
    return provider


def _statement_page(provider: Provider, first_day: date, form: PayoutForm):
    """The provider's statement, with its payouts and the form to record one."""
    found = payouts.statement(
        db.session,
        provider,
        first_day,
        default_rate_bp=current_app.config["COMMISSION_RATE_BP"],
    )
    return render_template(
        "reports/statement.html",
        provider=provider,
        first_day=first_day,
        statement=found,
        form=form,
        can_pay=first_day <= local_date(utcnow()),
    )


@bp.get("/prestataires/<slug>")
@role_required(Role.CONCIERGE)
def statement(slug: str):
    provider, first_day = _provider(slug), _month()
    form = PayoutForm(formdata=None)
    form.paid_on.data = local_date(utcnow())
    return _statement_page(provider, first_day, form)


@bp.post("/prestataires/<slug>/versements")
@role_required(Role.CONCIERGE)
def record_payout(slug: str):
    """Record a payout towards the month's net due (?mois=); a refusal (more than is still
    owed, a day in the future…) shows the statement again with the message on its field."""
    provider, first_day = _provider(slug), _month()
    form = PayoutForm()

    def page():
        return _statement_page(provider, first_day, form)

    if not form.validate_on_submit():
        return page(), 422
    on_refusal(page, form, fields={"amount_cents": "amount"})
    payout = payouts.record_payout(
        db.session,
        provider,
        month=first_day,
        paid_on=form.paid_on.data,
        amount_cents=cents(form.amount.data),
        bank_reference=form.bank_reference.data,
        actor=current_user._get_current_object(),
        now=utcnow(),
        default_rate_bp=current_app.config["COMMISSION_RATE_BP"],
    )
    flash(
        _(
            "Versement de %(amount)s à %(provider)s enregistré pour %(month)s.",
            amount=money(payout.amount_cents),
            provider=provider.name,
            month=month_label(first_day),
        ),
        "success",
    )
    return redirect(
        url_for("reports.statement", slug=provider.slug, mois=first_day.strftime("%Y-%m"))
    )
