"""The producer's list: what was ordered for each delivery day, at /prestataire/livraisons/,
printable and as CSV."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from conciergerie import policy
from conciergerie.accounts.permissions import role_required
from conciergerie.extensions import db
from conciergerie.i18n import slot_when
from conciergerie.models import Provider, Role, utcnow
from conciergerie.spreadsheets import csv_download, safe_cell
from conciergerie.stock import service
from conciergerie.timeutils import local_date

bp = Blueprint("stock", __name__, url_prefix="/prestataire/livraisons")


def _own_provider() -> Provider:
    """The signed-in staff's provider (403 for anyone else: the list is for its staff)."""
    if current_user.provider_id is None:
        abort(403)
    provider = db.get_or_404(Provider, current_user.provider_id)
    if not policy.can_see_delivery_list(current_user, provider):
        abort(403)
    return provider


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


@bp.get("/")
@role_required(Role.PROVIDER)
def index():
    """The list of one delivery day (?jour=YYYY-MM-DD; by default the next one), with links to
    the other days."""
    provider = _own_provider()
    today = local_date(utcnow())
    days = service.delivery_days(db.session, provider.id, today=today)
    asked = request.args.get("jour", "")
    if asked:
        day = _day(asked)
    else:
        day = next((d for d in days if d >= today), days[-1] if days else today)
    return render_template(
        "stock/index.html",
        provider=provider,
        days=days,
        day=day,
        today=today,
        found=service.delivery_list(db.session, provider.id, day),
    )


@bp.get("/<jour>.csv")
@role_required(Role.PROVIDER)
def download(jour: str):
    """The day's list as CSV: offer, quantity, initials, collection slot, order code."""
    provider = _own_provider()
    day = _day(jour)
    found = service.delivery_list(db.session, provider.id, day)
    rows = (
        [
            safe_cell(row.line.name),
            row.line.quantity,
            safe_cell(row.initials),
            slot_when(row.line.order.pickup_slot),
            row.line.order.code,
        ]
        for row in found.rows
    )
    return csv_download(
        [_("Offre"), _("Quantité"), _("Client·e (initiales)"), _("Retrait"), _("Commande")],
        rows,
        f"livraison-{provider.slug}-{day.isoformat()}.csv",
    )
