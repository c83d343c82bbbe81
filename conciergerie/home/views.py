"""Home page, language switch, the legal pages, the favicon and the load balancer's health
check."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from conciergerie.closures.service import coming_desk_closures
from conciergerie.events import service as events
from conciergerie.extensions import db
from conciergerie.home import service
from conciergerie.models import utcnow
from conciergerie.security import safe_next
from conciergerie.timeutils import local_date, public_holidays_between

bp = Blueprint("home", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
def index():
    today = local_date(utcnow())
    return render_template(
        "home/index.html",
        week=service.opening_week(db.session),
        events=events.upcoming(db.session, now=utcnow(), limit=3),
        partners=service.partners(db.session),
        desk_closures=coming_desk_closures(db.session, today),
        holidays=public_holidays_between(today, today + timedelta(days=365))[:3],
    )


@bp.post("/langue")
def set_language():
    """Remember the chosen language for this browser and go back where the visitor was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:  # mails follow the language the person reads
            current_user.locale = lang  # saved with the request
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))


@bp.get("/confidentialite")
def privacy():
    """What is kept about people, why, for how long, and their rights (RGPD)."""
    return render_template(
        "home/privacy.html", inactive_years=current_app.config["INACTIVE_ACCOUNT_DAYS"] // 365
    )


@bp.get("/mentions-legales")
def legal_notice():
    """Who publishes the site and who hosts it (LCEN, article 6), from the configuration."""
    return render_template("home/legal_notice.html")


@bp.get("/conditions-generales-de-vente")
def terms():
    """The terms of sale: what the rules of the orders, slots and money are, with the values the
    app runs with (fees, limits, delays), so that the text and the code say the same."""
    return render_template("home/terms.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: answer it (never a 404)."""
    return send_from_directory(
        current_app.static_folder,
        "img/favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=7 * 86400,
    )


@bp.get("/healthz")
def healthz():
    """200 when the app can query its database, 503 otherwise (for the load balancer)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:  # the request rolls back its session (503)
        log.warning("health check: database unreachable: %s", error)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
