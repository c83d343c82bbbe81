"""Catalogue pages: the list of providers (filterable by category) and one provider."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _

from conciergerie.catalogue import service
from conciergerie.catalogue.cache import public_page
from conciergerie.closures.service import coming
from conciergerie.extensions import db
from conciergerie.models import utcnow
from conciergerie.timeutils import local_date

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


def _desk() -> tuple[float, float]:
    return current_app.config["DESK_LATITUDE"], current_app.config["DESK_LONGITUDE"]


@bp.get("/")
@public_page("categorie")
def index():
    category = None
    slug = request.args.get("categorie", "").strip()
    if slug:
        category = service.category_by_slug(db.session, slug[:80])
        if category is None:
            abort(404, description=_("Cette catégorie n'existe pas."))
    return render_template(
        "catalogue/index.html",
        categories=service.categories(db.session),
        current_category=category,
        cards=service.provider_cards(
            db.session, desk=_desk(), category=category, today=local_date(utcnow())
        ),
    )


@bp.get("/prestataires/<slug>")
@public_page()
def provider(slug: str):
    provider = service.active_provider_by_slug(db.session, slug)
    if provider is None:
        abort(404)
    lat, lon = _desk()
    return render_template(
        "catalogue/provider.html",
        provider=provider,
        offers=service.active_offers(db.session, provider),
        closures=coming(provider, local_date(utcnow())),
        distance_m=service.haversine_m(lat, lon, provider.latitude, provider.longitude),
    )
